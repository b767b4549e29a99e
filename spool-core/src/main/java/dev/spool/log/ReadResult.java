package dev.spool.log;

import java.nio.ByteBuffer;

/**
 * What a read returned: whole record batches (possibly none) and the log's bounds at the time.
 *
 * @param batches        whole Kafka v2 batches, from position to limit; empty at the end of the log
 * @param logStartOffset first readable offset when the read ran
 * @param logEndOffset   the offset the next append gets, when the read ran
 */
public record ReadResult(ByteBuffer batches, long logStartOffset, long logEndOffset) {

    public boolean isEmpty() {
        return !batches.hasRemaining();
    }
}
