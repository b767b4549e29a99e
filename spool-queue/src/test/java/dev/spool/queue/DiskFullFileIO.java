package dev.spool.queue;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real {@link FileIO} with a disk of limited free space, as a file system counts it: a write
 * that grows a file takes space, and one that would take more than is free writes the part that
 * fits and then fails with "No space left on device", as {@code pwrite} does on a full disk.
 * Truncating or deleting a file, or renaming over one, gives its bytes back. Free space starts
 * unlimited; a test sets it with {@link #setFreeBytes}. (spool-core's FailingFileIO fails the Nth
 * write; this one fails by space, so a buffer that frees space by deleting segments gets it back.)
 */
final class DiskFullFileIO extends ForwardingFileIO {
    private long freeBytes = Long.MAX_VALUE;
    private long refusedWrites;

    DiskFullFileIO() {
        super(FileIO.real());
    }

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
    protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
        return new ForwardingStorageFile(file) {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                long fits = take(delegate.size(), position, src.remaining());
                if (fits < src.remaining()) {
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + (int) fits);
                    delegate.write(part, position);
                    throw noSpace(path);
                }
                delegate.write(src, position);
            }

            @Override
            public long write(ByteBuffer[] sources, long position) throws IOException {
                long total = 0;
                for (ByteBuffer source : sources) {
                    total += source.remaining();
                }
                long fits = take(delegate.size(), position, total);
                if (fits < total) {
                    long at = position;
                    for (ByteBuffer source : sources) { // the prefix that fits, then the error
                        int n = (int) Math.min(source.remaining(), position + fits - at);
                        if (n <= 0) {
                            break;
                        }
                        ByteBuffer part = source.duplicate();
                        part.limit(part.position() + n);
                        delegate.write(part, at);
                        at += n;
                    }
                    throw noSpace(path);
                }
                return delegate.write(sources, position);
            }

            @Override
            public void truncate(long sizeBytes) throws IOException {
                long before = delegate.size();
                delegate.truncate(sizeBytes);
                giveBack(Math.max(0, before - delegate.size()));
            }
        };
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
}
