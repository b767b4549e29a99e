package dev.spool.log.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One open file, as the engine sees it: positional reads and writes, write windows, force, truncate.
 *
 * <p>Every byte the engine reads or writes goes through this interface (and {@link FileIO}), so
 * tests can put a fault-injecting implementation underneath: an error on the Nth call, a torn
 * write, a lost fsync. Implementations need not be thread-safe for writes (a log has one writer),
 * but positional reads must be safe to call from many threads while one thread writes.
 */
public interface StorageFile extends Closeable {

    /** The path this file was opened at. */
    Path path();

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code position}. Returns the number of bytes
     * read, which is smaller only at the end of the file ({@code -1} when {@code position} is at
     * or past the end).
     */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}, advancing {@code src} to its limit. */
    void write(ByteBuffer src, long position) throws IOException;

    /**
     * Writes all of {@code sources}, in order, starting at {@code position}: one gathering write
     * where the platform allows. Returns the number of bytes written.
     */
    long write(ByteBuffer[] sources, long position) throws IOException;

    /**
     * A window for storing bytes into {@code [position, position + sizeBytes)} by memory copies
     * ({@link WriteWindow}): what lets an append of a few hundred bytes cost a copy instead of a
     * system call. The region must lie within the file's current size, allocated by
     * {@link #write} first. The production file maps the region ({@code FileChannel.map}); this
     * default stores through {@link #write(ByteBuffer, long)}, so a test implementation's faults and
     * crashes apply to the window's stores as to any write. {@link #force} covers both.
     *
     * @throws IllegalArgumentException if the region does not lie within the file
     */
    default WriteWindow mapForWrite(long position, int sizeBytes) throws IOException {
        if (position < 0 || sizeBytes < 0 || position + sizeBytes > size()) {
            throw new IllegalArgumentException("Cannot map [" + position + ", " + (position + sizeBytes) + ") of "
                    + path() + " for writing: the file holds " + size() + " bytes");
        }
        return new WriteWindow.ThroughWrites(this, position, sizeBytes);
    }

    /**
     * Forces written bytes to the storage device. {@code metadata} also forces the file's
     * metadata (size); data-only is enough when the file did not grow.
     */
    void force(boolean metadata) throws IOException;

    /** Cuts the file to {@code sizeBytes}; a no-op when it is already that small. */
    void truncate(long sizeBytes) throws IOException;

    /** The file's current size in bytes. */
    long size() throws IOException;

    /**
     * Sends up to {@code count} bytes from {@code position} to {@code target}; returns how many
     * went (0 when the target can take nothing now, fewer than asked at the end of the file). The
     * production file does it without copying through user space ({@code FileChannel.transferTo},
     * sendfile on Linux): what a server uses to send stored batches. This default copies through a
     * small buffer, so test implementations inject their faults here too.
     */
    default long transferTo(long position, long count, java.nio.channels.WritableByteChannel target)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(count, 64 << 10));
        int read = read(buffer, position);
        if (read <= 0) {
            return 0;
        }
        buffer.flip();
        return target.write(buffer);
    }

    /**
     * The {@code length} bytes at {@code position} as a read-only, big-endian buffer. The production
     * file hands out a view of its pages where it can (a read-only memory mapping, kept for the
     * next view of the same 64 MiB of the file): no read call and no copy. Such a view is valid for
     * as long as it is referenced, and shows the file as it is, not as it was: bytes a truncation
     * removes and a later write replaces change under it, and touching bytes a truncation cut
     * throws an {@link InternalError} in the reading thread (Java 17 may raise it a little after
     * the access), never a crash. A mapping holds a deleted file's space until the collector finds
     * it unreachable, and each 64 MiB of a file read this way is one of the mappings the kernel
     * allows a process ({@code vm.max_map_count}, 65,530 by default on Linux). Elsewhere (and for a
     * range that crosses a 64 MiB boundary) the bytes are copied, as this default does, so test
     * implementations inject their faults here too.
     *
     * @throws java.io.EOFException when the range reaches past the file's end
     */
    default ByteBuffer view(long position, int length) throws IOException {
        ByteBuffer copy = ByteBuffer.allocate(length);
        readFully(copy, position);
        return copy.flip().asReadOnlyBuffer();
    }

    /** Reads exactly {@code dst.remaining()} bytes at {@code position} or throws if the file ends first. */
    default void readFully(ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = read(dst, at);
            if (n < 0) {
                throw new java.io.EOFException("Unexpected end of file " + path() + " at position " + at
                        + ": needed " + dst.remaining() + " more bytes");
            }
            at += n;
        }
    }
}
