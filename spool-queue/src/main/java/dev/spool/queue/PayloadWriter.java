package dev.spool.queue;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * Writes an item's payload straight into the record batch the buffer stores ({@link
 * DiskBuffer#put(PayloadWriter, int, java.util.Map)}): what is written to the channel is the
 * payload, with no copy in between. For a payload that an encoder produces as a stream, such as
 * an Arrow IPC stream.
 */
@FunctionalInterface
public interface PayloadWriter {
    /**
     * Writes the whole payload to {@code out} and returns; the channel is valid only during the
     * call. Writing more than the buffer's {@code itemBytesMax} allows fails the write with an
     * {@link IllegalArgumentException}.
     */
    void writeTo(WritableByteChannel out) throws IOException;

    /**
     * Whether the direct buffers this writer writes keep their bytes until the call it writes for
     * ({@link DiskBuffer#put}, {@code enqueue}) returns, as a columnar batch's vectors do while it is
     * being queued. Then a put, or a relaxed enqueue (written before it returns), writes large ones
     * to the file from where they lie (one gathering write) rather than copying them into the item
     * first; a strict enqueue, which returns before the write, copies them whatever this says.
     * Default false: a buffer may be reused once {@code write} returns.
     */
    default boolean lendsBuffers() {
        return false;
    }
}
