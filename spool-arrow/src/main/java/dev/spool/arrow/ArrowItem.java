package dev.spool.arrow;

import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * One Arrow batch delivered by an {@link ArrowBuffer}. The caller owns {@code batch} (its vectors
 * live in the buffer's allocator) and closes it, or this item, when done.
 *
 * @param sequence    the item's sequence: what {@link ArrowBuffer#ack} takes
 * @param batch       the batch as enqueued: schema (with its custom metadata), row count and values
 * @param metadata    the metadata map enqueued with it (unmodifiable)
 * @param storedBytes bytes the item occupies on disk
 */
public record ArrowItem(long sequence, VectorSchemaRoot batch, Map<String, String> metadata, int storedBytes)
        implements AutoCloseable {

    @Override
    public void close() {
        batch.close();
    }
}
