package dev.spool.queue;

/** What {@link DiskBuffer#enqueue} does when the item does not fit in the buffer's size limits. */
public enum WhenFull {
    /** Wait until the consumer acknowledges enough to make room, at most {@link DiskBufferConfig#blockTimeoutMs()}. */
    BLOCK,
    /** Discard the new item, count it in {@code buffer_dropped_events_total}, and report it dropped. */
    DROP_NEWEST,
    /** Throw {@link BufferFullException} at once. */
    FAIL
}
