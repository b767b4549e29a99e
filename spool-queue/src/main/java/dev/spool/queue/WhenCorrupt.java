package dev.spool.queue;

/**
 * What the consumer does at an item whose bytes on disk fail their checks (CRC, framing, an
 * unexpected sequence). Either way the item is reported with its sequence, segment file and byte
 * position ({@link CorruptItemException}).
 */
public enum WhenCorrupt {
    /**
     * Stop: every {@link DiskBuffer#poll()} throws {@link CorruptItemException} for the same item
     * until the log is repaired (for example with {@code spool repair} on its log directory). The default:
     * nothing is lost without someone deciding it.
     */
    STOP,
    /**
     * Skip the item: log it as an error with its position, count it in
     * {@code buffer_corrupt_skipped_events_total}, and deliver the items after it. The skipped item
     * counts as delivered: a later {@link DiskBuffer#ack} covers it and frees its bytes. An item is
     * skipped only when the item after it is found where the damaged one says it ends (or the
     * damaged one is the last); damage that hides where the next item starts stops the consumer
     * as {@link #STOP} does.
     */
    SKIP
}
