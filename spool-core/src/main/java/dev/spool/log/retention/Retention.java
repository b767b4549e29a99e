package dev.spool.log.retention;

import dev.spool.log.LogConfig;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which whole segments of a log may go, and their deletion: by the log start offset (segments
 * wholly below it, after Kafka's DeleteRecords), by time (the newest record older than
 * {@code retentionMs}) and by size (the oldest segments while the log exceeds
 * {@code retentionBytes}); the time and size limits only under a policy that deletes
 * ({@link dev.spool.log.CleanupPolicy#deletes()}).
 *
 * <h2>Design</h2>
 * Retention only ever removes a prefix of the log: it walks the segments from the oldest and
 * stops at the first that must stay, so the offsets left stay dense. The time rule trusts only
 * timestamps re-read from CRC-covered bytes ({@link Segment#maxTimestampForRetention}), so one
 * damaged index entry cannot expire a segment early. When the active segment itself expires, a
 * new empty one is rolled first: the log always has an active segment. The log start offset
 * moves up before the segments leave the set, so a reader never finds an offset in range with no
 * segment behind it. Called under the log's writer lock; not thread-safe on its own.
 */
public final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private final SegmentSet segments;
    private final String name;
    private final ActiveRoller roller;

    /** Rolls the active segment (with the log's settings and chain anchor) so it can be deleted. */
    public interface ActiveRoller {
        void roll(String reason) throws IOException;
    }

    public Retention(SegmentSet segments, ActiveRoller roller) {
        this.segments = segments;
        this.name = segments.dir().getFileName().toString();
        this.roller = roller;
    }

    /**
     * Deletes every segment wholly below the log start offset, then whole segments past
     * {@code config}'s time and size limits at time {@code nowMs}. Returns how many went. Any
     * I/O error fails the log (a damaged batch met while checking a segment's age included).
     */
    public int apply(LogConfig config, long nowMs) throws IOException {
        try {
            return applyLimits(config, nowMs);
        } catch (IOException e) {
            throw segments.fail(e);
        }
    }

    private int applyLimits(LogConfig config, long nowMs) throws IOException {
        int deleted = deleteBelowLogStart();
        if (!config.cleanupPolicy().deletes()) { // compact alone: Kafka applies no retention
            return deleted;
        }
        if (config.retentionMs() > 0) {
            deleted += deleteWhile(segment -> {
                long max = segment.maxTimestampForRetention();
                return max >= 0 && nowMs - max > config.retentionMs();
            }, "time");
        }
        if (config.retentionBytes() > 0) {
            long[] size = {segments.sizeBytes()};
            deleted += deleteWhile(segment -> {
                if (size[0] - segment.sizeBytes() >= config.retentionBytes()) {
                    size[0] -= segment.sizeBytes();
                    return true;
                }
                return false;
            }, "size");
        }
        return deleted;
    }

    /**
     * Raises the log start offset to {@code offset} (Kafka's DeleteRecords) and deletes the segments
     * wholly below it; returns the log start offset. An I/O error fails the log.
     *
     * @throws IllegalArgumentException if {@code offset} is past the log end
     */
    public long advanceLogStartOffset(long offset) throws IOException {
        if (offset > segments.logEndOffset()) {
            throw new IllegalArgumentException("Cannot move the start of " + name + " to " + offset
                    + ", past its end " + segments.logEndOffset());
        }
        if (offset > segments.logStartOffset()) {
            segments.raiseLogStartOffset(offset);
            try {
                deleteBelowLogStart();
            } catch (IOException e) {
                throw segments.fail(e);
            }
        }
        return segments.logStartOffset();
    }

    /** Deletes the segments that hold only offsets below the log start offset; returns how many. */
    private int deleteBelowLogStart() throws IOException {
        long start = segments.logStartOffset();
        return deleteWhile(segment -> segment.nextOffset() <= start && !segment.isEmpty(), "log start offset");
    }

    private interface SegmentPredicate {
        boolean test(Segment segment) throws IOException;
    }

    /** Deletes segments from the oldest while {@code expired} holds; rolls first if the active one expired. */
    private int deleteWhile(SegmentPredicate expired, String reason) throws IOException {
        List<Segment> doomed = new ArrayList<>();
        for (Segment segment : segments.segments().values()) {
            if (!expired.test(segment)) {
                break;
            }
            doomed.add(segment);
        }
        if (doomed.isEmpty()) {
            return 0;
        }
        Segment newest = doomed.get(doomed.size() - 1);
        if (newest == segments.active()) {
            roller.roll("retention");
        }
        segments.raiseLogStartOffset(newest.nextOffset());
        segments.delete(doomed);
        LOG.info("Deleted {} segment(s) of {} by {} retention; log start offset is now {}", doomed.size(), name,
                reason, segments.logStartOffset());
        return doomed.size();
    }
}
