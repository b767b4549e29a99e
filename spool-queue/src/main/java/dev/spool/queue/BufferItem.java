package dev.spool.queue;

import java.util.Map;

/**
 * One item delivered to the consumer.
 *
 * @param sequence   the item's offset in the buffer's log: dense, increasing, what {@link DiskBuffer#ack} takes
 * @param payload    the bytes enqueued (a copy the caller owns)
 * @param metadata   the metadata enqueued (unmodifiable)
 * @param storedBytes bytes the item occupies on disk (its record batch), what the size limit counts
 */
public record BufferItem(long sequence, byte[] payload, Map<String, String> metadata, int storedBytes) {
}
