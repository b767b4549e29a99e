package dev.spool.log.model;

import java.util.List;

/**
 * One step of a random action sequence against a log. Offsets are given as a fraction
 * ({@code where}, 0..1000 per mille) of the log's current range so a shrunk sequence still aims
 * inside the log; record timestamps are given relative to the test clock.
 */
public sealed interface LogAction {

    /** Appends one or more batches in one call; each record's timestamp is {@code now + timestamp}. */
    record Append(List<List<RecordSpec>> batches) implements LogAction {
        @Override
        public String toString() {
            return "Append" + batches;
        }
    }

    /** Reads from the offset at {@code where} per mille of {@code [start, end]}, up to {@code maxBytes}. */
    record Read(int where, int maxBytes) implements LogAction {
    }

    record Roll() implements LogAction {
    }

    record Flush() implements LogAction {
    }

    /** Truncates to the offset at {@code where} per mille of {@code [start, end]}. */
    record TruncateTo(int where) implements LogAction {
    }

    /** Advances the start to the offset at {@code where} per mille of {@code [0, end]}. */
    record AdvanceLogStart(int where) implements LogAction {
    }

    /** Moves the clock forward by {@code advanceMs}, then applies retention. */
    record ApplyRetention(long advanceMs) implements LogAction {
    }

    /** Moves the clock forward. */
    record Tick(long advanceMs) implements LogAction {
    }

    /**
     * Searches by timestamp: a retained record's timestamp (chosen by {@code pick}) plus
     * {@code delta}, or when there are none, the clock plus {@code delta}.
     */
    record FindByTimestamp(int pick, long delta) implements LogAction {
    }

    /** How a reopen learns about the log. */
    enum ReopenMode { CLEAN, CLEAN_WITH_START, UNKNOWN, RECOVERY_POINT }

    /** Closes the log and opens it again. */
    record Reopen(ReopenMode mode) implements LogAction {
    }
}
