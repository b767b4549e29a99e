package dev.spool.log.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileIO} over the real one that fails on purpose: the Nth write (optionally after
 * writing a prefix of it, as a full disk does) or the Nth force. Counting starts when armed.
 */
public final class FailingFileIO extends ForwardingFileIO {
    private final AtomicInteger writesUntilFailure = new AtomicInteger(-1);
    private final AtomicInteger forcesUntilFailure = new AtomicInteger(-1);
    private volatile int prefixBytesOnFailure;

    public FailingFileIO() {
        super(FileIO.real());
    }

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
    protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
        return new ForwardingStorageFile(file) {
            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                if (due(writesUntilFailure)) {
                    int prefix = Math.min(prefixBytesOnFailure, src.remaining());
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + prefix);
                    delegate.write(part, position);
                    throw new IOException("No space left on device (injected) writing " + path);
                }
                delegate.write(src, position);
            }

            @Override
            public long write(ByteBuffer[] sources, long position) throws IOException {
                if (due(writesUntilFailure)) {
                    throw new IOException("No space left on device (injected) writing " + path);
                }
                return delegate.write(sources, position);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                if (due(forcesUntilFailure)) {
                    throw new IOException("Input/output error (injected) forcing " + path);
                }
                delegate.force(metadata);
            }
        };
    }
}
