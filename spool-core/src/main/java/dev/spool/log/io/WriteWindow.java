package dev.spool.log.io;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A region of a {@link StorageFile}, {@code [position, position + sizeBytes)}, that the writer
 * stores bytes into by memory copies instead of one write call each ({@link StorageFile#mapForWrite}).
 *
 * <p>What a window promises is what {@link StorageFile#write(ByteBuffer, long)} promises: once
 * {@link #put} returns, the bytes are the operating system's (readers of the file see them, a
 * killed process does not lose them), and they are durable only after the file's
 * {@link StorageFile#force}. The region lies within the file's size (space allocated by ordinary
 * writes first), so a store never needs space the file system might not have: a full disk is
 * an {@link IOException} when the space is allocated, never a fault during a copy. Used by one
 * writer thread; closing it does not change the file.
 */
public interface WriteWindow extends AutoCloseable {

    /** The file position of the window's first byte. */
    long position();

    /** The window's length in bytes. */
    int sizeBytes();

    /**
     * Stores all of {@code src} at file position {@code filePosition}, which with {@code src}'s
     * remaining bytes must lie in the window; {@code src} advances to its limit.
     */
    void put(ByteBuffer src, long filePosition) throws IOException;

    /** Releases the window (a mapping is unmapped); the bytes stored stay in the file. */
    @Override
    void close();

    /**
     * The window of a file that maps nothing: each {@link #put} is a positional
     * {@link StorageFile#write(ByteBuffer, long)}, so a test file that injects faults or models a
     * crash sees the window's stores as the writes they stand for.
     */
    final class ThroughWrites implements WriteWindow {
        private final StorageFile file;
        private final long position;
        private final int sizeBytes;

        public ThroughWrites(StorageFile file, long position, int sizeBytes) {
            this.file = file;
            this.position = position;
            this.sizeBytes = sizeBytes;
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public int sizeBytes() {
            return sizeBytes;
        }

        @Override
        public void put(ByteBuffer src, long filePosition) throws IOException {
            checkInside(this, filePosition, src.remaining());
            file.write(src, filePosition);
        }

        @Override
        public void close() {
        }
    }

    /** Throws unless {@code [filePosition, filePosition + length)} lies in {@code window}. */
    static void checkInside(WriteWindow window, long filePosition, int length) {
        if (filePosition < window.position() || filePosition + length > window.position() + window.sizeBytes()) {
            throw new IndexOutOfBoundsException("Store of " + length + " bytes at position " + filePosition
                    + " outside the window [" + window.position() + ", " + (window.position() + window.sizeBytes())
                    + ")");
        }
    }
}
