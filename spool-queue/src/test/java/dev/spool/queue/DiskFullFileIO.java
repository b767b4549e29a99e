package dev.spool.queue;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real {@link FileIO} with a disk of limited free space, as a file system counts it: a write
 * that grows a file takes space, and one that would take more than is free writes the part that
 * fits and then fails with "No space left on device", as {@code pwrite} does on a full disk.
 * Truncating or deleting a file, or renaming over one, gives its bytes back. Free space starts
 * unlimited; a test sets it with {@link #setFreeBytes}. (spool-core's FailingFileIO fails the Nth
 * write; this one fails by space, so a buffer that frees space by deleting segments gets it back.)
 */
final class DiskFullFileIO implements FileIO {
    private final FileIO delegate = FileIO.real();
    private long freeBytes = Long.MAX_VALUE;
    private long refusedWrites;

    synchronized void setFreeBytes(long bytes) {
        freeBytes = bytes;
    }

    synchronized long freeBytes() {
        return freeBytes;
    }

    /** Writes that ran out of space. */
    synchronized long refusedWrites() {
        return refusedWrites;
    }

    /** Takes the space for growing a file of {@code size} bytes by a write of {@code length} at {@code position}; returns how many bytes of the write fit. */
    private synchronized long take(long size, long position, long length) {
        long growth = Math.max(0, position + length - size);
        if (freeBytes == Long.MAX_VALUE) {
            return length;
        }
        if (growth <= freeBytes) {
            freeBytes -= growth;
            return length;
        }
        long fits = Math.max(0, length - (growth - freeBytes));
        freeBytes -= Math.max(0, position + fits - size);
        refusedWrites++;
        return fits;
    }

    private synchronized void giveBack(long bytes) {
        if (freeBytes != Long.MAX_VALUE) {
            freeBytes += bytes;
        }
    }

    private static IOException noSpace(Path path) {
        return new IOException("No space left on device (writing " + path + ")");
    }

    @Override
    public StorageFile open(Path path, OpenMode mode) throws IOException {
        StorageFile file = delegate.open(path, mode);
        return new StorageFile() {
            @Override
            public Path path() {
                return file.path();
            }

            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                return file.read(dst, position);
            }

            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                long fits = take(file.size(), position, src.remaining());
                if (fits < src.remaining()) {
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + (int) fits);
                    file.write(part, position);
                    throw noSpace(path);
                }
                file.write(src, position);
            }

            @Override
            public long write(ByteBuffer[] sources, long position) throws IOException {
                long total = 0;
                for (ByteBuffer source : sources) {
                    total += source.remaining();
                }
                long fits = take(file.size(), position, total);
                if (fits < total) {
                    long at = position;
                    for (ByteBuffer source : sources) { // the prefix that fits, then the error
                        int n = (int) Math.min(source.remaining(), position + fits - at);
                        if (n <= 0) {
                            break;
                        }
                        ByteBuffer part = source.duplicate();
                        part.limit(part.position() + n);
                        file.write(part, at);
                        at += n;
                    }
                    throw noSpace(path);
                }
                return file.write(sources, position);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                file.force(metadata);
            }

            @Override
            public void truncate(long sizeBytes) throws IOException {
                long before = file.size();
                file.truncate(sizeBytes);
                giveBack(Math.max(0, before - file.size()));
            }

            @Override
            public long size() throws IOException {
                return file.size();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    @Override
    public boolean exists(Path path) {
        return delegate.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return delegate.isDirectory(path);
    }

    @Override
    public long size(Path path) throws IOException {
        return delegate.size(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        long replaced = Files.isRegularFile(to) ? Files.size(to) : 0;
        delegate.rename(from, to);
        giveBack(replaced);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        long size = Files.isRegularFile(path) ? Files.size(path) : 0;
        boolean existed = delegate.deleteIfExists(path);
        if (existed) {
            giveBack(size);
        }
        return existed;
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }

    @Override
    public AutoCloseable lock(Path lockFile) throws IOException {
        return delegate.lock(lockFile);
    }
}
