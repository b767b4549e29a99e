package dev.spool.log.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** {@link FileIO} on {@link FileChannel}: what the engine uses outside tests. */
final class NioFileIO implements FileIO {
    static final NioFileIO INSTANCE = new NioFileIO();

    private NioFileIO() {
    }

    @Override
    public StorageFile open(Path path, OpenMode mode) throws IOException {
        Set<StandardOpenOption> options = switch (mode) {
            case READ -> EnumSet.of(StandardOpenOption.READ);
            case READ_WRITE -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
            case CREATE -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            case CREATE_NEW -> EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE_NEW);
        };
        return new ChannelFile(path, FileChannel.open(path, options));
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return Files.isDirectory(path);
    }

    @Override
    public long size(Path path) throws IOException {
        return Files.size(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> result = new ArrayList<>(entries.toList());
            result.sort(null);
            return result;
        }
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("Cannot rename " + from + " to " + to + " atomically", e);
        }
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return Files.deleteIfExists(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        // Opening a directory for reading and forcing it is how the JDK exposes fsync(dirfd) on Linux.
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (System.getProperty("os.name", "").startsWith("Windows")) {
                return; // Windows cannot open directories; NTFS journals renames itself.
            }
            throw e;
        }
    }

    @Override
    public AutoCloseable lock(Path lockFile) throws IOException {
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new DirectoryLockedException(lockFile);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new DirectoryLockedException(lockFile);
        }
        return () -> {
            try (channel) {
                lock.release();
            }
        };
    }

    /** One {@link FileChannel}. Positional reads are thread-safe; writes come from one thread. */
    private static final class ChannelFile implements StorageFile {
        private final Path path;
        private final FileChannel channel;
        private final ReadMaps readMaps;

        ChannelFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
            this.readMaps = new ReadMaps(channel);
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return channel.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            long at = position;
            try {
                while (src.hasRemaining()) {
                    at += channel.write(src, at);
                }
            } catch (IOException e) {
                throw naming(e, "writing " + src.remaining() + " more bytes at position " + at);
            }
        }

        @Override
        public long write(ByteBuffer[] sources, long position) throws IOException {
            // FileChannel has no positional gathering write; the writer is single-threaded, so
            // setting the channel position first is safe (positional reads do not use it).
            long total = 0;
            for (ByteBuffer source : sources) {
                total += source.remaining();
            }
            long written = 0;
            try {
                channel.position(position);
                while (written < total) {
                    written += channel.write(sources);
                }
            } catch (IOException e) {
                throw naming(e, "writing " + (total - written) + " more bytes at position " + (position + written));
            }
            return written;
        }

        @Override
        public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target)
                throws IOException {
            return channel.transferTo(position, count, target);
        }

        @Override
        public ByteBuffer view(long position, int length) throws IOException {
            ByteBuffer view;
            try {
                view = readMaps.view(position, length);
            } catch (java.io.EOFException e) {
                throw new java.io.EOFException(e.getMessage() + ": a view of " + length + " bytes at position "
                        + position + " of " + path);
            } catch (IOException e) {
                throw naming(e, "mapping " + length + " bytes at position " + position + " for reading");
            }
            return view != null ? view : StorageFile.super.view(position, length);
        }

        @Override
        public WriteWindow mapForWrite(long position, int sizeBytes) throws IOException {
            long size = channel.size();
            // FileChannel.map would grow a file to cover the region: a sparse hole, whose first
            // store on a full disk is a SIGBUS. The caller allocates the space with writes first.
            if (position < 0 || sizeBytes < 0 || position + sizeBytes > size) {
                throw new IllegalArgumentException("Cannot map [" + position + ", " + (position + sizeBytes)
                        + ") of " + path + " for writing: the file holds " + size + " bytes");
            }
            try {
                return new MappedWindow(channel.map(FileChannel.MapMode.READ_WRITE, position, sizeBytes), position,
                        sizeBytes);
            } catch (IOException e) {
                throw naming(e, "mapping " + sizeBytes + " bytes at position " + position);
            }
        }

        @Override
        public void force(boolean metadata) throws IOException {
            try {
                channel.force(metadata);
            } catch (IOException e) {
                throw naming(e, "forcing");
            }
        }

        @Override
        public void truncate(long sizeBytes) throws IOException {
            try {
                channel.truncate(sizeBytes);
                // After the cut: a reader mapping meanwhile saw the new size, and nothing mapped
                // before it stays (dropping first could keep a mapping made in between at the old size)
                readMaps.dropFrom(sizeBytes);
            } catch (IOException e) {
                throw naming(e, "truncating to " + sizeBytes + " bytes");
            }
        }

        /**
         * The JDK reports a failed write as the OS does ("No space left on device"), without the
         * file; the log's error should say which file and where. A closed channel keeps its type:
         * callers tell a segment deleted under them from a failing disk by it.
         */
        private IOException naming(IOException e, String doing) {
            if (e instanceof java.nio.channels.ClosedChannelException) {
                return e;
            }
            return new IOException(e.getMessage() + ": " + doing + " of " + path, e);
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void close() throws IOException {
            readMaps.clear();
            channel.close();
        }
    }
}
