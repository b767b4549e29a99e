package dev.spool.log.sim;

import dev.spool.log.io.DirectoryLockedException;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory disk that keeps what is durable apart from what is only written, so a test can
 * pull the plug at any moment (TigerBeetle's storage simulator, for Spool's {@link FileIO}).
 *
 * <h2>Model</h2>
 * Files and directories are inodes. A file holds its current bytes (what reads see: the page
 * cache) and its durable bytes (as of its last {@code force}), plus the list of writes and
 * truncations since then. A directory holds its current entries and its durable entries (as of its
 * last {@link FileIO#syncDirectory}); a rename or a new file is durable only once the directory
 * that holds it is synced, and a file reached through a directory entry that is not durable is
 * lost with it. Directories at or above the root given to {@link #createDurableDirectories} are
 * durable from the start.
 *
 * <h2>Crash</h2>
 * {@link #crash()} replaces every file by its durable bytes, every directory by its durable
 * entries, and then, file by file and chosen by the seeded random: drops all unsynced writes
 * ({@code LOST}), keeps an ordered prefix of them with the next one torn at a random byte
 * ({@code TORN_PREFIX}), or keeps a random subset, each possibly torn ({@code SUBSET}): the page
 * cache writes pages back in any order. The process that used the disk is dead: every
 * {@link #session()} opened before the crash, and every file opened through it, throws on any
 * further call, and its locks are released. A crash can also be armed to happen just before the
 * Nth mutating call ({@link #crashBeforeMutation}), so crash points fall inside operations (between
 * a write and its force, a tmp file and its rename …), not only between them.
 *
 * <h2>Faults</h2>
 * {@link #failNth} fails the Nth call of a kind with an {@link IOException} and changes nothing;
 * {@link #setSpaceBytesMax} fails writes that would grow the disk past a budget with "No space
 * left on device". A failed force keeps its writes pending (neither durable nor lost); Linux may
 * instead drop them from the page cache, which this model does not imitate.
 *
 * <p>Thread-safe: one monitor serializes every call. All choices come from one seed.
 */
public final class SimulatedFileIO {

    /** Kinds of calls that can fail on purpose. */
    public enum Kind { WRITE, FORCE, SYNC_DIRECTORY, RENAME }

    /** How one file came out of a crash. */
    public enum CrashOutcome { LOST, TORN_PREFIX, SUBSET }

    private final long seed;
    private final Random random;
    private final Dir root = new Dir();
    private final Map<Path, Session> locks = new HashMap<>();
    private final Map<Kind, Long> failAt = new EnumMap<>(Kind.class);
    private final Map<Kind, Long> calls = new EnumMap<>(Kind.class);
    private final Map<CrashOutcome, Long> outcomes = new EnumMap<>(CrashOutcome.class);
    private long spaceBytesMax = Long.MAX_VALUE;
    private boolean reorderedWriteback;
    private int lyingForcePercent;
    private long liesTold;
    private int readFlipPercent;
    private java.util.function.Predicate<Path> readFlipFiles = path -> true;
    private long bitsFlipped;
    private long mutations;
    private long crashBeforeMutation = -1;
    private long crashes;
    private long faultsInjected;
    private boolean armedCrashFired;
    private int generation;

    public SimulatedFileIO(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    public long seed() {
        return seed;
    }

    /** A view for one process lifetime; it dies at the next crash. */
    public synchronized FileIO session() {
        return new Session(generation);
    }

    /** Creates {@code dir} and its parents, all durable at once (the disk as installed). */
    public synchronized void createDurableDirectories(Path dir) {
        Dir at = root;
        for (Path name : dir.toAbsolutePath().normalize()) {
            Node child = at.entries.get(name.toString());
            if (child == null) {
                child = new Dir();
                at.entries.put(name.toString(), child);
            }
            at.durableEntries.put(name.toString(), child);
            at = (Dir) child;
        }
    }

    /** Crashes just before the {@code n}th mutating call from now (1 = the next one). */
    public synchronized void crashBeforeMutation(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be positive, was " + n);
        }
        crashBeforeMutation = mutations + n;
        armedCrashFired = false;
    }

    /** Whether the armed crash happened (the process is dead). */
    public synchronized boolean armedCrashFired() {
        return armedCrashFired;
    }

    public synchronized void disarmCrash() {
        crashBeforeMutation = -1;
        armedCrashFired = false;
    }

    /**
     * Opt-in: a crash may also keep any subset of a file's unsynced writes ({@link CrashOutcome#SUBSET}),
     * leaving zero-filled holes before kept data, as out-of-order page writeback can. Off by default.
     */
    public synchronized void setReorderedWriteback(boolean enabled) {
        reorderedWriteback = enabled;
    }

    /**
     * Opt-in "lying disk": this percentage of file forces report success and persist nothing (the
     * writes stay pending, to be lost or torn by the next crash). Findings under a lying disk are
     * reported apart: no engine can keep a promise the disk breaks, but the checker must notice.
     */
    public synchronized void setLyingForcePercent(int percent) {
        lyingForcePercent = percent;
    }

    public synchronized long liesTold() {
        return liesTold;
    }

    /**
     * Opt-in latent sector errors: this percentage of reads return one bit flipped (the stored
     * bytes stay right, as a read error corrected on retry would leave them).
     */
    public synchronized void setReadFlipPercent(int percent) {
        readFlipPercent = percent;
    }

    /** Which files' reads {@link #setReadFlipPercent} flips (all by default). */
    public synchronized void setReadFlipFiles(java.util.function.Predicate<Path> files) {
        readFlipFiles = files;
    }

    public synchronized long bitsFlipped() {
        return bitsFlipped;
    }

    /** Fails the {@code n}th call of {@code kind} from now (1 = the next one), once. */
    public synchronized void failNth(Kind kind, long n) {
        failAt.put(kind, calls.getOrDefault(kind, 0L) + n);
    }

    public synchronized void clearFaults() {
        failAt.clear();
        spaceBytesMax = Long.MAX_VALUE;
    }

    /** Writes that would make the disk hold more than this many bytes fail with ENOSPC. */
    public synchronized void setSpaceBytesMax(long bytes) {
        spaceBytesMax = bytes;
    }

    public synchronized long usedBytes() {
        long[] total = {0};
        walk(root, Collections.newSetFromMap(new IdentityHashMap<>()), f -> total[0] += f.size);
        return total[0];
    }

    public synchronized long crashes() {
        return crashes;
    }

    public synchronized long faultsInjected() {
        return faultsInjected;
    }

    public synchronized Map<CrashOutcome, Long> crashOutcomes() {
        return new EnumMap<>(outcomes);
    }

    /** Pulls the plug now: see the class comment. */
    public synchronized void crash() {
        crashes++;
        generation++;
        locks.clear();
        crashDir(root, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private void crashDir(Dir dir, Set<Node> seen) {
        if (!seen.add(dir)) {
            return;
        }
        dir.entries = new TreeMap<>(dir.durableEntries);
        for (Node child : dir.entries.values()) {
            if (child instanceof Dir d) {
                crashDir(d, seen);
            } else if (seen.add(child)) {
                crashFile((File) child);
            }
        }
    }

    private void crashFile(File file) {
        byte[] bytes = file.durable;
        int size = bytes.length;
        file.data = Arrays.copyOf(bytes, Math.max(16, size));
        file.size = size;
        if (file.pending.isEmpty()) {
            file.durable = Arrays.copyOf(file.data, file.size);
            return;
        }
        CrashOutcome outcome = CrashOutcome.values()[random.nextInt(reorderedWriteback ? 3 : 2)];
        outcomes.merge(outcome, 1L, Long::sum);
        List<Op> ops = file.pending;
        if (outcome == CrashOutcome.TORN_PREFIX) {
            int kept = random.nextInt(ops.size());
            for (int i = 0; i < kept; i++) {
                ops.get(i).applyTo(file, -1);
            }
            Op torn = ops.get(kept);
            torn.applyTo(file, torn.bytes == null ? -1 : random.nextInt(torn.bytes.length + 1));
        } else if (outcome == CrashOutcome.SUBSET) {
            for (Op op : ops) {
                int choice = random.nextInt(3);
                if (choice == 1) {
                    op.applyTo(file, -1);
                } else if (choice == 2 && op.bytes != null) {
                    op.applyTo(file, random.nextInt(op.bytes.length + 1));
                }
            }
        }
        file.pending = new ArrayList<>();
        file.durable = Arrays.copyOf(file.data, file.size);
    }

    private interface FileVisitor {
        void visit(File file);
    }

    private void walk(Dir dir, Set<Node> seen, FileVisitor visitor) {
        if (!seen.add(dir)) {
            return;
        }
        for (Node child : dir.entries.values()) {
            if (child instanceof Dir d) {
                walk(d, seen, visitor);
            } else if (seen.add(child)) {
                visitor.visit((File) child);
            }
        }
    }

    // ---- inodes ----

    private abstract static class Node {
    }

    private static final class Dir extends Node {
        TreeMap<String, Node> entries = new TreeMap<>();
        TreeMap<String, Node> durableEntries = new TreeMap<>();
    }

    private static final class File extends Node {
        byte[] data = new byte[16];
        int size;
        byte[] durable = new byte[0];
        List<Op> pending = new ArrayList<>();

        void writeAt(long position, byte[] bytes, int length) {
            int end = Math.toIntExact(position + length);
            if (end > data.length) {
                data = Arrays.copyOf(data, Math.max(end, data.length * 2));
            }
            if (position > size) {
                Arrays.fill(data, size, (int) position, (byte) 0);
            }
            System.arraycopy(bytes, 0, data, (int) position, length);
            size = Math.max(size, end);
        }

        void truncate(long newSize) {
            if (newSize < size) {
                size = (int) newSize;
            }
        }
    }

    /** An unsynced write ({@code bytes}) or truncation ({@code bytes == null}). */
    private record Op(long position, byte[] bytes) {
        /** Applies the op; {@code prefix >= 0} keeps only that many bytes of a write (a torn write). */
        void applyTo(File file, int prefix) {
            if (bytes == null) {
                file.truncate(position);
            } else {
                file.writeAt(position, bytes, prefix < 0 ? bytes.length : prefix);
            }
        }
    }

    // ---- the FileIO of one process lifetime ----

    private final class Session implements FileIO {
        private final int sessionGeneration;

        Session(int sessionGeneration) {
            this.sessionGeneration = sessionGeneration;
        }

        void checkAlive() throws IOException {
            if (generation != sessionGeneration) {
                throw new IOException("Simulated crash (seed " + seed + "): this process is dead");
            }
        }

        /** Counts a mutating call and fires an armed crash or fault before it. */
        void beforeMutation(Kind kind, Path path) throws IOException {
            checkAlive();
            mutations++;
            if (crashBeforeMutation > 0 && mutations >= crashBeforeMutation) {
                crashBeforeMutation = -1;
                armedCrashFired = true;
                crash();
                throw new IOException("Simulated crash (seed " + seed + ") before " + kind + " of " + path);
            }
            if (kind != null) {
                long n = calls.merge(kind, 1L, Long::sum);
                Long at = failAt.get(kind);
                if (at != null && at == n) {
                    failAt.remove(kind);
                    faultsInjected++;
                    throw new IOException("Simulated I/O error (seed " + seed + ") on " + kind + " #" + n + " of "
                            + path);
                }
            }
        }

        Node find(Path path) {
            Node at = root;
            for (Path name : path.toAbsolutePath().normalize()) {
                if (!(at instanceof Dir dir)) {
                    return null;
                }
                at = dir.entries.get(name.toString());
                if (at == null) {
                    return null;
                }
            }
            return at;
        }

        Dir parentOf(Path path) throws IOException {
            Path parent = path.toAbsolutePath().normalize().getParent();
            Node node = parent == null ? root : find(parent);
            if (node == null) {
                throw new NoSuchFileException(path.toString(), null, "parent directory does not exist");
            }
            if (!(node instanceof Dir dir)) {
                throw new NotDirectoryException(parent.toString());
            }
            return dir;
        }

        @Override
        public StorageFile open(Path path, OpenMode mode) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                Node node = find(path);
                if (node instanceof Dir) {
                    throw new IOException(path + " is a directory");
                }
                if (node == null) {
                    if (mode == OpenMode.READ || mode == OpenMode.READ_WRITE) {
                        throw new NoSuchFileException(path.toString());
                    }
                    Dir parent = parentOf(path);
                    beforeMutation(null, path);
                    node = new File();
                    parent.entries.put(path.getFileName().toString(), node);
                } else if (mode == OpenMode.CREATE_NEW) {
                    throw new FileAlreadyExistsException(path.toString());
                }
                return new Handle(this, path, (File) node, mode != OpenMode.READ);
            }
        }

        @Override
        public boolean exists(Path path) {
            synchronized (SimulatedFileIO.this) {
                checkAliveUnchecked();
                return find(path) != null;
            }
        }

        private void checkAliveUnchecked() {
            try {
                checkAlive();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean isDirectory(Path path) {
            synchronized (SimulatedFileIO.this) {
                checkAliveUnchecked();
                return find(path) instanceof Dir;
            }
        }

        @Override
        public long size(Path path) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                Node node = find(path);
                if (node == null) {
                    throw new NoSuchFileException(path.toString());
                }
                return node instanceof File f ? f.size : 0;
            }
        }

        @Override
        public void createDirectories(Path dir) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                Dir at = root;
                for (Path name : dir.toAbsolutePath().normalize()) {
                    Node child = at.entries.get(name.toString());
                    if (child == null) {
                        beforeMutation(null, dir);
                        child = new Dir();
                        at.entries.put(name.toString(), child);
                    } else if (!(child instanceof Dir)) {
                        throw new FileAlreadyExistsException(dir.toString(), null, "a file is in the way");
                    }
                    at = (Dir) child;
                }
            }
        }

        @Override
        public List<Path> list(Path dir) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                Node node = find(dir);
                if (node == null) {
                    throw new NoSuchFileException(dir.toString());
                }
                if (!(node instanceof Dir d)) {
                    throw new NotDirectoryException(dir.toString());
                }
                List<Path> out = new ArrayList<>();
                for (String name : d.entries.keySet()) {
                    out.add(dir.resolve(name));
                }
                return out;
            }
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                Node node = find(from);
                if (node == null) {
                    throw new NoSuchFileException(from.toString());
                }
                Dir target = parentOf(to);
                Node replaced = target.entries.get(to.getFileName().toString());
                if (replaced instanceof Dir d && !d.entries.isEmpty()) {
                    throw new DirectoryNotEmptyException(to.toString());
                }
                beforeMutation(Kind.RENAME, from);
                parentOf(from).entries.remove(from.getFileName().toString());
                target.entries.put(to.getFileName().toString(), node);
            }
        }

        @Override
        public boolean deleteIfExists(Path path) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                Node node = find(path);
                if (node == null) {
                    return false;
                }
                if (node instanceof Dir d && !d.entries.isEmpty()) {
                    throw new DirectoryNotEmptyException(path.toString());
                }
                beforeMutation(null, path);
                parentOf(path).entries.remove(path.getFileName().toString());
                return true;
            }
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                Node node = find(dir);
                if (!(node instanceof Dir d)) {
                    throw new NoSuchFileException(dir.toString());
                }
                beforeMutation(Kind.SYNC_DIRECTORY, dir);
                d.durableEntries = new TreeMap<>(d.entries);
            }
        }

        @Override
        public AutoCloseable lock(Path lockFile) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkAlive();
                if (find(lockFile) == null) {
                    parentOf(lockFile).entries.put(lockFile.getFileName().toString(), new File());
                }
                Path key = lockFile.toAbsolutePath().normalize();
                if (locks.containsKey(key)) {
                    throw new DirectoryLockedException(lockFile);
                }
                locks.put(key, this);
                return () -> {
                    synchronized (SimulatedFileIO.this) {
                        locks.remove(key, this);
                    }
                };
            }
        }
    }

    /** One open file of a session. */
    private final class Handle implements StorageFile {
        private final Session session;
        private final Path path;
        private final File file;
        private final boolean writable;
        private boolean closed;

        Handle(Session session, Path path, File file, boolean writable) {
            this.session = session;
            this.path = path;
            this.file = file;
            this.writable = writable;
        }

        private void check() throws IOException {
            session.checkAlive();
            if (closed) {
                throw new ClosedChannelException();
            }
        }

        private void checkWritable() throws IOException {
            check();
            if (!writable) {
                throw new java.nio.channels.NonWritableChannelException();
            }
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            synchronized (SimulatedFileIO.this) {
                check();
                if (position >= file.size) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), file.size - position);
                int at = dst.position();
                dst.put(file.data, (int) position, n);
                if (readFlipPercent > 0 && n > 0 && readFlipFiles.test(path) && random.nextInt(100) < readFlipPercent) {
                    int flipAt = at + random.nextInt(n);
                    dst.put(flipAt, (byte) (dst.get(flipAt) ^ (1 << random.nextInt(8))));
                    bitsFlipped++;
                }
                return n;
            }
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            write(new ByteBuffer[] {src}, position);
        }

        @Override
        public long write(ByteBuffer[] sources, long position) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkWritable();
                int total = 0;
                for (ByteBuffer source : sources) {
                    total += source.remaining();
                }
                session.beforeMutation(Kind.WRITE, path);
                long growth = Math.max(0, position + total - file.size);
                if (growth > 0 && spaceBytesMax != Long.MAX_VALUE && usedBytes() + growth > spaceBytesMax) {
                    faultsInjected++;
                    throw new IOException("No space left on device (simulated, seed " + seed + "): writing "
                            + total + " bytes to " + path + " at " + position);
                }
                byte[] bytes = new byte[total];
                int at = 0;
                for (ByteBuffer source : sources) {
                    int n = source.remaining();
                    source.get(bytes, at, n);
                    at += n;
                }
                file.writeAt(position, bytes, total);
                file.pending.add(new Op(position, bytes));
                return total;
            }
        }

        @Override
        public void force(boolean metadata) throws IOException {
            synchronized (SimulatedFileIO.this) {
                check();
                session.beforeMutation(Kind.FORCE, path);
                if (lyingForcePercent > 0 && random.nextInt(100) < lyingForcePercent) {
                    liesTold++;
                    return; // "done", and nothing was persisted
                }
                file.durable = Arrays.copyOf(file.data, file.size);
                file.pending = new ArrayList<>();
            }
        }

        @Override
        public void truncate(long sizeBytes) throws IOException {
            synchronized (SimulatedFileIO.this) {
                checkWritable();
                if (sizeBytes < file.size) {
                    session.beforeMutation(null, path);
                    file.truncate(sizeBytes);
                    file.pending.add(new Op(sizeBytes, null));
                }
            }
        }

        @Override
        public long size() throws IOException {
            synchronized (SimulatedFileIO.this) {
                check();
                return file.size;
            }
        }

        @Override
        public void close() {
            synchronized (SimulatedFileIO.this) {
                closed = true;
            }
        }
    }
}
