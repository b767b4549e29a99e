package dev.spool.log.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileIO} over the real one that fails on purpose: the Nth write (optionally after
 * writing a prefix of it, as a full disk does) or the Nth force. Counting starts when armed.
 */
public final class FailingFileIO implements FileIO {
    private final FileIO delegate = FileIO.real();
    private final AtomicInteger writesUntilFailure = new AtomicInteger(-1);
    private final AtomicInteger forcesUntilFailure = new AtomicInteger(-1);
    private volatile int prefixBytesOnFailure;

    /** The {@code n}th write from now fails (1 = the next), after writing {@code prefixBytes} of it. */
    public void failWrite(int n, int prefixBytes) {
        prefixBytesOnFailure = prefixBytes;
        writesUntilFailure.set(n);
    }

    /** The {@code n}th force from now fails. */
    public void failForce(int n) {
        forcesUntilFailure.set(n);
    }

    private static boolean due(AtomicInteger counter) {
        return counter.get() > 0 && counter.decrementAndGet() == 0;
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
                if (due(writesUntilFailure)) {
                    int prefix = Math.min(prefixBytesOnFailure, src.remaining());
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + prefix);
                    file.write(part, position);
                    throw new IOException("No space left on device (injected) writing " + path);
                }
                file.write(src, position);
            }

            @Override
            public long write(ByteBuffer[] sources, long position) throws IOException {
                if (due(writesUntilFailure)) {
                    throw new IOException("No space left on device (injected) writing " + path);
                }
                return file.write(sources, position);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                if (due(forcesUntilFailure)) {
                    throw new IOException("Input/output error (injected) forcing " + path);
                }
                file.force(metadata);
            }

            @Override
            public void truncate(long sizeBytes) throws IOException {
                file.truncate(sizeBytes);
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
        delegate.rename(from, to);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return delegate.deleteIfExists(path);
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
