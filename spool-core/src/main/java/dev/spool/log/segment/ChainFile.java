package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The hash-chain sidecar of one segment ({@code NNNNNNNNNNNNNNNNNNNN.chain}): the chain's anchor
 * and one hash per batch, computed from the previous hash and the batch's stored bytes (exactly its
 * bytes in the {@code .log}, base offset stamped) as the sidecar's version says
 * ({@link HashChain}): version 1 hashes the previous hash and the whole batch; version 2, which new logs
 * write, does so for a batch of at most 4 KiB and hashes a larger one's first 21 bytes and the
 * SHA-256 of the rest, so that the costly part is hashed before the writer. The chain runs across
 * batches, segments and restarts; the first segment of a new log is anchored at 32 zero bytes
 * ({@link HashChain#GENESIS}). Every sidecar of a log has the version the log was created with: a
 * new segment's takes its predecessor's.
 *
 * <h2>File layout (big-endian)</h2>
 * <pre>
 *  header, 52 bytes:
 *   0  int32     magic        0x53504348 ("SPCH")
 *   4  int16     version      1 or 2: how the entries' hashes are computed (above)
 *   6  int16     hashBytes    32 (SHA-256)
 *   8  int64     baseOffset   the segment's base offset: a sidecar renamed onto another segment is caught
 *  16  byte[32]  anchor       the chain's hash before this segment's first batch (the previous
 *                             segment's last hash), so verification survives retention deleting
 *                             the segments before it
 *  48  uint32    headerCrc    CRC-32C of bytes 0 .. 48
 *  entry i, at byte 52 + 40*i:
 *   0  int64     baseOffset   the batch's base offset: lets verification tell a removed batch
 *                             (later entries still match later batches) from a modified one
 *   8  byte[32]  hash         the chain after this batch
 * </pre>
 * The header has its own CRC because nothing else checks it; entries have none, because each is
 * checked against the {@code .log} by recomputing it. The file holds exactly its header and
 * entries: no preallocation. A trailing partial entry is a torn write of the sidecar and is
 * ignored (and cut by the next write).
 *
 * <h2>When it is written</h2>
 * Like the indexes: entries are buffered in memory as the writer appends and written when the
 * segment is flushed (after its data is forced), or early, without a force, when
 * {@value #PENDING_ENTRIES_MAX} are pending (so memory stays bounded when nothing flushes). An
 * append's durability never waits for the sidecar: a strict append forces only the {@code .log}.
 * So after a crash the sidecar may be behind the {@code .log}, or (an early write that reached the
 * disk before the data did) ahead of it, or hold a torn last entry; recovery recomputes the
 * unflushed part from the {@code .log} (see {@code LogLoader}). Measured: a second write per group
 * would cost one-record appends a syscall each, for nothing durability needs.
 *
 * <p>Thread-safety: one writer (the log, under its write lock; or the I/O executor flushing a sealed
 * segment, which gets no more entries). The static readers are for recovery and verification.
 */
public final class ChainFile {
    public static final int MAGIC = 0x53504348;
    /** The first format: a link hashes the whole batch. */
    public static final short VERSION_1 = 1;
    /** A link hashes the batch's header and a digest of the rest, taken before the writer. */
    public static final short VERSION_2 = 2;
    /** The version new logs write. */
    public static final short VERSION = VERSION_2;
    public static final int HASH_BYTES = HashChain.HASH_BYTES;
    static final int MAGIC_AT = 0;
    static final int VERSION_AT = 4;
    static final int HASH_BYTES_AT = 6;
    static final int BASE_OFFSET_AT = 8;
    static final int ANCHOR_AT = 16;
    static final int HEADER_CRC_AT = 48;
    public static final int HEADER_BYTES = 52;
    static final int ENTRY_BASE_OFFSET_AT = 0;
    /** Where an entry's hash begins, after its batch's base offset. */
    public static final int ENTRY_HASH_AT = 8;
    public static final int ENTRY_BYTES = 8 + HASH_BYTES;
    /** How many entries the sidecar's readers ({@link #readEntries}) take at a time. */
    public static final int ENTRIES_PER_READ = 1024;
    /** Entries kept in memory before they are written without waiting for a flush (40 KiB). */
    static final int PENDING_ENTRIES_MAX = 1024;

    private final Path path;
    private final long segmentBaseOffset;
    private final short version;
    private final byte[] anchor;
    private final byte[] lastHash = new byte[HASH_BYTES];
    private long lastBatchBaseOffset = -1L;
    private long entries;
    /** Entries on disk, or -1 when the file's content is unknown (then the next write rewrites it whole). */
    private long persistedEntries;
    private ByteBuffer pending;
    /** Entries were written by a spill and not forced yet. */
    private boolean unforced;
    /** Whether this object has synced the directory since it first forced the file (a new name needs it). */
    private boolean nameDurable;

    private ChainFile(Path path, long segmentBaseOffset, short version, byte[] anchor, long entries,
                      long persistedEntries, byte[] lastHash, long lastBatchBaseOffset) {
        this.path = path;
        this.segmentBaseOffset = segmentBaseOffset;
        this.version = checkVersion(version);
        this.anchor = anchor.clone();
        this.entries = entries;
        this.persistedEntries = persistedEntries;
        System.arraycopy(lastHash, 0, this.lastHash, 0, HASH_BYTES);
        this.lastBatchBaseOffset = lastBatchBaseOffset;
    }

    /**
     * A chain of format {@code version} for a segment with no batches yet, anchored at
     * {@code anchor}; nothing is written until a flush.
     */
    public static ChainFile empty(Path path, long segmentBaseOffset, byte[] anchor, short version) {
        checkHash(anchor);
        return new ChainFile(path, segmentBaseOffset, version, anchor, 0, -1, anchor, -1L);
    }

    /**
     * The state of an existing sidecar: its header and last entry, trusted as written (use
     * {@link #readHeader} and {@link #readEntries} to check it against the log). A trailing
     * partial entry is ignored.
     *
     * @throws CorruptChainException when the header is missing, short, or fails its checks
     */
    public static ChainFile load(FileIO io, Path path, long segmentBaseOffset) throws IOException {
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            Header header = readHeader(file, path, segmentBaseOffset);
            long n = header.entries();
            byte[] last = header.anchor();
            long lastBase = -1L;
            if (n > 0) {
                ByteBuffer entry = ByteBuffer.allocate(ENTRY_BYTES);
                file.readFully(entry, entryPosition(n - 1));
                last = new byte[HASH_BYTES];
                entry.get(ENTRY_HASH_AT, last);
                lastBase = entry.getLong(ENTRY_BASE_OFFSET_AT);
            }
            // The file may end in a torn entry; its content is "unknown" only past n, which the next write cuts.
            return new ChainFile(path, segmentBaseOffset, header.version(), header.anchor(), n, n, last, lastBase);
        }
    }

    /** A sidecar's header and how many whole entries follow it. */
    public record Header(long baseOffset, short version, byte[] anchor, long entries) {
    }

    /**
     * Reads and checks the header of an open sidecar: magic, version, hash size, CRC, and (when
     * {@code expectedBaseOffset} is not negative) that it names that segment.
     */
    public static Header readHeader(StorageFile file, Path path, long expectedBaseOffset) throws IOException {
        long size = file.size();
        if (size < HEADER_BYTES) {
            throw new CorruptChainException(path, 0, "file is " + size + " bytes, shorter than the "
                    + HEADER_BYTES + "-byte header");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        file.readFully(header, 0);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_CRC_AT);
        long stored = Integer.toUnsignedLong(header.getInt(HEADER_CRC_AT));
        if (stored != crc.getValue()) {
            throw new CorruptChainException(path, 0, "header CRC mismatch: stored 0x" + Long.toHexString(stored)
                    + ", computed 0x" + Long.toHexString(crc.getValue()));
        }
        short version = header.getShort(VERSION_AT);
        if (header.getInt(MAGIC_AT) != MAGIC || !known(version)
                || header.getShort(HASH_BYTES_AT) != HASH_BYTES) {
            throw new CorruptChainException(path, 0, "magic 0x" + Integer.toHexString(header.getInt(MAGIC_AT))
                    + " version " + version + " hash bytes " + header.getShort(HASH_BYTES_AT)
                    + ", expected 0x" + Integer.toHexString(MAGIC) + ", " + VERSION_1 + " or " + VERSION_2 + ", "
                    + HASH_BYTES);
        }
        long base = header.getLong(BASE_OFFSET_AT);
        if (expectedBaseOffset >= 0 && base != expectedBaseOffset) {
            throw new CorruptChainException(path, BASE_OFFSET_AT, "header names segment " + base
                    + ", expected " + expectedBaseOffset);
        }
        byte[] anchor = new byte[HASH_BYTES];
        header.get(ANCHOR_AT, anchor);
        return new Header(base, version, anchor, (size - HEADER_BYTES) / ENTRY_BYTES);
    }

    /**
     * Reads up to {@code max} whole entries starting with entry {@code first} into {@code out}
     * (cleared first, then flipped); returns how many it read.
     */
    public static int readEntries(StorageFile file, long first, int max, ByteBuffer out) throws IOException {
        out.clear();
        out.limit(Math.min(out.capacity(), max * ENTRY_BYTES));
        long at = entryPosition(first);
        while (out.hasRemaining()) {
            int n = file.read(out, at + out.position());
            if (n < 0) {
                break;
            }
        }
        out.flip();
        int whole = out.limit() / ENTRY_BYTES;
        out.limit(whole * ENTRY_BYTES);
        return whole;
    }

    public static long entryPosition(long entry) {
        return HEADER_BYTES + entry * ENTRY_BYTES;
    }

    /** Encodes a header (for the writer, and for tests that build sidecars by hand). */
    public static ByteBuffer encodeHeader(long segmentBaseOffset, byte[] anchor, short version) {
        checkHash(anchor);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putInt(MAGIC_AT, MAGIC).putShort(VERSION_AT, checkVersion(version))
                .putShort(HASH_BYTES_AT, (short) HASH_BYTES)
                .putLong(BASE_OFFSET_AT, segmentBaseOffset).put(ANCHOR_AT, anchor);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_CRC_AT);
        header.putInt(HEADER_CRC_AT, (int) crc.getValue());
        return header;
    }

    private static boolean known(short version) {
        return version == VERSION_1 || version == VERSION_2;
    }

    /** {@code version} if it is one this code knows; IllegalArgumentException otherwise. */
    static short checkVersion(short version) {
        if (!known(version)) {
            throw new IllegalArgumentException("No chain sidecar version " + version);
        }
        return version;
    }

    private static void checkHash(byte[] hash) {
        if (hash.length != HASH_BYTES) {
            throw new IllegalArgumentException("A chain hash is " + HASH_BYTES + " bytes, got " + hash.length);
        }
    }

    public Path path() {
        return path;
    }

    public byte[] anchor() {
        return anchor.clone();
    }

    /** How this sidecar's hashes are computed: {@link #VERSION_1} or {@link #VERSION_2}. */
    public short version() {
        return version;
    }

    /** The chain after this segment's last batch (the anchor when it has none). */
    public byte[] lastHash() {
        return lastHash.clone();
    }

    /** The base offset of the last batch with an entry, -1 when none. */
    public long lastBatchBaseOffset() {
        return lastBatchBaseOffset;
    }

    public long entries() {
        return entries;
    }

    /** Records the chain after the batch at {@code batchBaseOffset}. Writer only; writes nothing. */
    public void add(long batchBaseOffset, byte[] hash) {
        ByteBuffer p = pending;
        if (p == null) {
            p = ByteBuffer.allocate(PENDING_ENTRIES_MAX * ENTRY_BYTES);
            pending = p;
        }
        if (!p.hasRemaining()) { // one group longer than the buffer: grow; the write after it spills
            ByteBuffer grown = ByteBuffer.allocate(p.capacity() * 2);
            grown.put(p.flip());
            p = grown;
            pending = p;
        }
        p.putLong(batchBaseOffset).put(hash, 0, HASH_BYTES);
        System.arraycopy(hash, 0, lastHash, 0, HASH_BYTES);
        lastBatchBaseOffset = batchBaseOffset;
        entries++;
    }

    /**
     * Writes the pending entries without forcing them once {@value #PENDING_ENTRIES_MAX} are
     * pending (bounded memory); a flush forces them later. Called after the batches' own write.
     */
    public void spillIfDue(FileIO io) throws IOException {
        if (pending != null && pending.position() >= PENDING_ENTRIES_MAX * ENTRY_BYTES) {
            write(io, false);
        }
    }

    /**
     * The state of a sidecar whose first {@code entries} entries on disk were checked against the
     * log (recovery); anything after them in the file is cut by the next write.
     */
    static ChainFile resumed(Path path, long segmentBaseOffset, short version, byte[] anchor, long entries,
                             byte[] lastHash, long lastBatchBaseOffset) {
        ChainFile chain = new ChainFile(path, segmentBaseOffset, version, anchor, entries, entries, lastHash,
                lastBatchBaseOffset);
        chain.unforced = true; // the file may hold more (entries that disagreed, or a torn one): the next flush cuts it
        return chain;
    }

    /** Writes the header (once) and every pending entry, then forces the file. Call after the log's data is forced. */
    public void flush(FileIO io) throws IOException {
        write(io, true);
    }

    private void write(FileIO io, boolean force) throws IOException {
        boolean nothingPending = pending == null || pending.position() == 0;
        if (nothingPending && persistedEntries == entries && !force) {
            return;
        }
        boolean exists = io.exists(path);
        if (nothingPending && persistedEntries == entries && !unforced && exists) {
            return; // flushed before and unchanged since
        }
        try (StorageFile file = io.open(path, FileIO.OpenMode.CREATE)) {
            long onDisk = persistedEntries;
            long pendingCount = pending == null ? 0 : pending.position() / ENTRY_BYTES;
            if (onDisk < 0 || onDisk != entries - pendingCount) {
                if (onDisk < 0 && entries != pendingCount) {
                    throw new IllegalStateException("Chain " + path + ": " + (entries - pendingCount)
                            + " entries were written earlier but the file's content is unknown");
                }
                onDisk = 0; // rewrite from the header on
                file.truncate(0);
                file.write(encodeHeader(segmentBaseOffset, anchor, version), 0);
            } else if (file.size() != entryPosition(onDisk)) {
                file.truncate(entryPosition(onDisk)); // a torn entry left by a crash, or an empty new file
                if (onDisk == 0) {
                    file.write(encodeHeader(segmentBaseOffset, anchor, version), 0);
                }
            }
            if (pendingCount > 0) {
                pending.flip();
                file.write(pending, entryPosition(onDisk));
                pending.clear();
            }
            if (force) {
                file.force(true);
                pending = null; // a sealed segment keeps no buffer; the active one allocates it again on its next add
            }
        }
        if (force && !nameDurable) { // a new sidecar's name is durable only once its directory is synced
            io.syncDirectory(path.getParent());
            nameDurable = true;
        }
        unforced = !force;
        persistedEntries = entries;
    }

    /**
     * Removes the entries of batches at or after {@code offset} (pending ones and written ones),
     * forcing the shorter file, so that the chain ends with the last remaining batch. Entries'
     * base offsets increase, so this is a binary search on the file.
     */
    public void truncateTo(FileIO io, long offset) throws IOException {
        if (lastBatchBaseOffset < offset) {
            return;
        }
        long pendingCount = pending == null ? 0 : pending.position() / ENTRY_BYTES;
        long written = entries - pendingCount;
        // Pending entries first: they are the newest.
        while (pendingCount > 0 && pending.getLong((int) ((pendingCount - 1) * ENTRY_BYTES)) >= offset) {
            pendingCount--;
        }
        if (pending != null) {
            pending.position((int) (pendingCount * ENTRY_BYTES));
        }
        if (pendingCount > 0) {
            entries = written + pendingCount;
            refreshLast(io);
            return;
        }
        long keep = written;
        if (written > 0 && persistedEntries >= 0 && io.exists(path)) {
            try (StorageFile file = io.open(path, FileIO.OpenMode.READ_WRITE)) {
                long low = 0;
                long high = Math.min(written, (file.size() - HEADER_BYTES) / ENTRY_BYTES);
                ByteBuffer base = ByteBuffer.allocate(8);
                while (low < high) { // first entry whose batch starts at or after offset
                    long mid = (low + high) >>> 1;
                    base.clear();
                    file.readFully(base, entryPosition(mid));
                    if (base.getLong(0) >= offset) {
                        high = mid;
                    } else {
                        low = mid + 1;
                    }
                }
                keep = low;
                file.truncate(entryPosition(keep));
                file.force(true);
            }
        } else if (written > 0) {
            throw new CorruptChainException(path, 0, written + " entries were written but the file is gone");
        }
        entries = keep;
        persistedEntries = io.exists(path) ? keep : -1;
        refreshLast(io);
    }

    private void refreshLast(FileIO io) throws IOException {
        long pendingCount = pending == null ? 0 : pending.position() / ENTRY_BYTES;
        if (pendingCount > 0) {
            int at = (int) ((pendingCount - 1) * ENTRY_BYTES);
            lastBatchBaseOffset = pending.getLong(at + ENTRY_BASE_OFFSET_AT);
            pending.get(at + ENTRY_HASH_AT, lastHash);
        } else if (entries == 0) {
            System.arraycopy(anchor, 0, lastHash, 0, HASH_BYTES);
            lastBatchBaseOffset = -1L;
        } else {
            try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
                ByteBuffer entry = ByteBuffer.allocate(ENTRY_BYTES);
                file.readFully(entry, entryPosition(entries - 1));
                lastBatchBaseOffset = entry.getLong(ENTRY_BASE_OFFSET_AT);
                entry.get(ENTRY_HASH_AT, lastHash);
            }
        }
    }

    @Override
    public String toString() {
        return "ChainFile[" + path + ", " + entries + " entries, last " + HashChain.hex(lastHash) + "]";
    }

    /** Whether two hashes are equal. */
    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
