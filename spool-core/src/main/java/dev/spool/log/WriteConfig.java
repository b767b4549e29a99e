package dev.spool.log;

/**
 * How a log accepts and acknowledges appends: the default durability, the bound on bytes in
 * flight and what happens when it is reached, group commit, and the background flush policy for
 * {@link Durability#NONE}. Units last in every name; -1 turns a policy off.
 *
 * @param durability      the durability of {@link Log#append(java.nio.ByteBuffer)} and of appends that do not say
 * @param inFlightBytesMax most bytes accepted but not yet acknowledged; more waits or fails ({@code whenFull})
 * @param whenFull        what an append does when {@code inFlightBytesMax} is reached
 * @param blockTimeoutMs  with {@link WhenFull#BLOCK}, how long an append waits for room before failing
 * @param groupBytesMax   most bytes the writer takes into one group (one gathering write, one fsync)
 * @param groupWaitMicros how long a strict group lingers before its fsync so that more writers join it;
 *                        0 (the default) syncs as soon as the group is written
 * @param flushMessages   force the log after this many unflushed records (Kafka {@code flush.messages}); -1 off
 * @param flushBytes      force the log after this many unflushed bytes; -1 off
 * @param flushIntervalMs the log manager forces logs unflushed for this long (Kafka {@code flush.ms}); -1 off
 * @param flushOnRoll     force each segment a roll closes, in the background, and move the recovery
 *                        point past it (Kafka's way, the default). Off, a closed segment stays in the
 *                        page cache until a flush (the flush policies above, {@link Log#flush()},
 *                        close), so one deleted before then is never written to the disk at all: for
 *                        a {@link Durability#NONE} log whose segments are consumed and deleted soon
 *                        after they roll, such as a drained disk buffer. The cost: an operating system
 *                        crash may lose every segment since the last flush, not only the active
 *                        one's tail, and recovery after any unclean shutdown scans them all.
 * @param reuseSegmentFiles a roll takes the file of the segment deleted last (kept for it, one at a
 *                        time) instead of a new one, and overwrites its old bytes: while they are in
 *                        the page cache no pages are taken and no blocks allocated, and a strict
 *                        writer's fsyncs have no file size to commit (off by default). For a log
 *                        whose segments are deleted soon after they are written, such as a disk
 *                        buffer; elsewhere a deleted segment's pages have long left memory, and a
 *                        write over them would read them back first. The cost is in recovery: the
 *                        old bytes past a reused segment's last batch cannot be told from damage, so
 *                        in such a log (a marker file says so) bytes that fail their check past the
 *                        recovery point are cut as a torn write (row T5) rather than refusing to open.
 */
public record WriteConfig(Durability durability, long inFlightBytesMax, WhenFull whenFull, long blockTimeoutMs,
                          int groupBytesMax, long groupWaitMicros, long flushMessages, long flushBytes,
                          long flushIntervalMs, boolean flushOnRoll, boolean reuseSegmentFiles) {

    /** What an append does when the bytes in flight reach their maximum. */
    public enum WhenFull {
        /** Wait for room (backpressure), up to {@code blockTimeoutMs}, then fail. */
        BLOCK,
        /** Fail at once with {@link AppendRejectedException}. */
        FAIL
    }

    public static final long DEFAULT_IN_FLIGHT_BYTES_MAX = 64L << 20;
    public static final long DEFAULT_BLOCK_TIMEOUT_MS = 30_000L;
    public static final int DEFAULT_GROUP_BYTES_MAX = 4 << 20;

    public WriteConfig {
        if (durability == null || whenFull == null) {
            throw new IllegalArgumentException("durability and whenFull are required");
        }
        if (inFlightBytesMax < 1 || inFlightBytesMax > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("inFlightBytesMax must be 1 to " + Integer.MAX_VALUE + ", was "
                    + inFlightBytesMax);
        }
        if (blockTimeoutMs < 0 || groupBytesMax < 1 || groupWaitMicros < 0) {
            throw new IllegalArgumentException("blockTimeoutMs and groupWaitMicros must be >= 0, groupBytesMax >= 1");
        }
        if (flushMessages == 0 || flushMessages < -1 || flushBytes == 0 || flushBytes < -1 || flushIntervalMs == 0
                || flushIntervalMs < -1) {
            throw new IllegalArgumentException("flush policies must be positive or -1 (off)");
        }
    }

    /** Kafka's defaults: page-cache durability, no background flush; 64 MiB in flight, blocking. */
    public static WriteConfig defaults() {
        return new WriteConfig(Durability.NONE, DEFAULT_IN_FLIGHT_BYTES_MAX, WhenFull.BLOCK, DEFAULT_BLOCK_TIMEOUT_MS,
                DEFAULT_GROUP_BYTES_MAX, 0L, -1L, -1L, -1L, true, false);
    }

    public WriteConfig withDurability(Durability d) {
        return new WriteConfig(d, inFlightBytesMax, whenFull, blockTimeoutMs, groupBytesMax, groupWaitMicros,
                flushMessages, flushBytes, flushIntervalMs, flushOnRoll, reuseSegmentFiles);
    }

    public WriteConfig withInFlightBytesMax(long bytes, WhenFull policy) {
        return new WriteConfig(durability, bytes, policy, blockTimeoutMs, groupBytesMax, groupWaitMicros,
                flushMessages, flushBytes, flushIntervalMs, flushOnRoll, reuseSegmentFiles);
    }

    public WriteConfig withBlockTimeoutMs(long ms) {
        return new WriteConfig(durability, inFlightBytesMax, whenFull, ms, groupBytesMax, groupWaitMicros,
                flushMessages, flushBytes, flushIntervalMs, flushOnRoll, reuseSegmentFiles);
    }

    public WriteConfig withGroupBytesMax(int bytes) {
        return new WriteConfig(durability, inFlightBytesMax, whenFull, blockTimeoutMs, bytes, groupWaitMicros,
                flushMessages, flushBytes, flushIntervalMs, flushOnRoll, reuseSegmentFiles);
    }

    public WriteConfig withGroupWaitMicros(long micros) {
        return new WriteConfig(durability, inFlightBytesMax, whenFull, blockTimeoutMs, groupBytesMax, micros,
                flushMessages, flushBytes, flushIntervalMs, flushOnRoll, reuseSegmentFiles);
    }

    public WriteConfig withFlushPolicy(long messages, long bytes, long intervalMs) {
        return new WriteConfig(durability, inFlightBytesMax, whenFull, blockTimeoutMs, groupBytesMax, groupWaitMicros,
                messages, bytes, intervalMs, flushOnRoll, reuseSegmentFiles);
    }

    /** With {@code flushOnRoll} as given: see the record's description for what turning it off trades. */
    public WriteConfig withFlushOnRoll(boolean enabled) {
        return new WriteConfig(durability, inFlightBytesMax, whenFull, blockTimeoutMs, groupBytesMax, groupWaitMicros,
                flushMessages, flushBytes, flushIntervalMs, enabled, reuseSegmentFiles);
    }

    /** With {@code reuseSegmentFiles} as given: see the record's description for what turning it on trades. */
    public WriteConfig withReuseSegmentFiles(boolean enabled) {
        return new WriteConfig(durability, inFlightBytesMax, whenFull, blockTimeoutMs, groupBytesMax, groupWaitMicros,
                flushMessages, flushBytes, flushIntervalMs, flushOnRoll, enabled);
    }
}
