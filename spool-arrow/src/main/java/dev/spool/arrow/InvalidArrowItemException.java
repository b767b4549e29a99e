package dev.spool.arrow;

import java.io.IOException;

/**
 * An item's payload is not the Arrow IPC stream {@link ArrowItemCodec} writes (one schema, one
 * record batch, end of stream), or the item is not marked as an Arrow batch. The bytes passed the
 * buffer's CRC, so they are what was enqueued: something other than {@link ArrowBuffer} wrote them,
 * or they were built wrong. {@link ArrowBuffer#poll} names the item's sequence.
 */
public final class InvalidArrowItemException extends IOException {
    public InvalidArrowItemException(String message) {
        super(message);
    }

    public InvalidArrowItemException(String message, Throwable cause) {
        super(message, cause);
    }
}
