package dev.spool.queue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Reads a delivered item's payload where it lies in the consumer's read buffer, without copying it
 * ({@link DiskBuffer#poll(PayloadReader)}); returns what the caller makes of it.
 *
 * @param <T> what the item is read into
 */
@FunctionalInterface
public interface PayloadReader<T> {
    /**
     * @param sequence    the item's sequence: what {@link DiskBuffer#ack} takes
     * @param payload     the payload bytes, read-only, from its position to its limit; valid only
     *                    during this call (the buffer reads the next items into the same memory)
     * @param metadata    the item's metadata (unmodifiable)
     * @param storedBytes bytes the item occupies on disk
     * @throws IOException when the payload is not what the caller expects; the item counts as
     *                     delivered all the same (acknowledge its sequence to drop it)
     */
    T read(long sequence, ByteBuffer payload, Map<String, String> metadata, int storedBytes) throws IOException;
}
