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
}
