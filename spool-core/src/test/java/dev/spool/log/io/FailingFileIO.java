package dev.spool.log.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link FileIO} over the real one that fails on purpose: the Nth write (optionally after
 * writing a prefix of it, as a full disk does) or the Nth force. Counting starts when armed. Or,
 * while {@link #setDiskFull full}, every write that would grow a file fails with "No space left on
 * device" (writing nothing), as a full disk does until space is freed; shrinking still works.
 * Or, with {@link #setSpaceLeft space left}, a write that grows files past it writes the part
 * that fits (a gathering write: nothing) and fails, as a disk filling up does.
 */
public final class FailingFileIO extends ForwardingFileIO {
    private final AtomicInteger writesUntilFailure = new AtomicInteger(-1);
    private final AtomicInteger forcesUntilFailure = new AtomicInteger(-1);
    private volatile int prefixBytesOnFailure;
    private volatile boolean diskFull;
    /** Bytes files may still grow by; negative: no limit. */
    private final java.util.concurrent.atomic.AtomicLong spaceLeft = new java.util.concurrent.atomic.AtomicLong(-1);

    public FailingFileIO() {
        super(FileIO.real());
    }

    /** The {@code n}th write from now fails (1 = the next), after writing {@code prefixBytes} of it. */
    public void failWrite(int n, int prefixBytes) {
        prefixBytesOnFailure = prefixBytes;
        writesUntilFailure.set(n);
    }

    /** While {@code full}, writes that would grow a file fail. */
    public void setDiskFull(boolean full) {
        diskFull = full;
    }

    /** From now on files may grow by {@code bytes} in all (negative: no limit). */
    public void setSpaceLeft(long bytes) {
        spaceLeft.set(bytes);
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
                failIfFull(position + src.remaining());
                long fits = takeSpace(position, src.remaining(), true);
                if (fits < src.remaining()) { // the part that fits is written, then the disk is full
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + (int) fits);
                    delegate.write(part, position);
                    throw noSpaceLeft();
                }
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
                long end = position;
                for (ByteBuffer source : sources) {
                    end += source.remaining();
                }
                failIfFull(end);
                if (takeSpace(position, end - position, false) < end - position) {
                    throw noSpaceLeft(); // a gathering write that does not fit writes nothing
                }
                if (due(writesUntilFailure)) {
                    throw new IOException("No space left on device (injected) writing " + path);
                }
                return delegate.write(sources, position);
            }

            /**
             * Takes the space a write of {@code length} bytes at {@code position} grows the file by,
             * as far as there is some ({@code partial}: a gathering write takes none unless all of it
             * fits); returns how many of its bytes fit.
             */
            private long takeSpace(long position, long length, boolean partial) throws IOException {
                long growth = Math.max(0, position + length - delegate.size());
                long left = spaceLeft.get();
                if (left < 0) {
                    return length;
                }
                if (growth <= left) {
                    spaceLeft.addAndGet(-growth);
                    return length;
                }
                if (partial) {
                    spaceLeft.set(0);
                }
                return length - (growth - left);
            }

            private IOException noSpaceLeft() {
                return new IOException("No space left on device (injected, the space ran out) writing " + path);
            }

            private void failIfFull(long end) throws IOException {
                if (diskFull && end > delegate.size()) {
                    throw new IOException("No space left on device (injected, the disk is full) writing " + path);
                }
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
