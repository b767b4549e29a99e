package dev.spool.log;

/** When an append is acknowledged. */
public enum Durability {
    /**
     * Acknowledged once written to the page cache (Kafka's default): a process crash loses
     * nothing, a power loss may lose what no flush has forced yet. A background flush policy
     * ({@link WriteConfig#flushIntervalMs()} …) bounds how much.
     */
    NONE,
    /**
     * Acknowledged only after an fsync that covers the record. Concurrent strict appends share
     * fsyncs (group commit), so many writers pay roughly one fsync per group, not one each.
     */
    STRICT
}
