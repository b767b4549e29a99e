package dev.spool.log.recovery;

import dev.spool.log.recovery.RecoveryInput.Bytes;
import dev.spool.log.recovery.RecoveryInput.Files;
import dev.spool.log.recovery.RecoveryInput.Position;
import dev.spool.log.recovery.RecoveryInput.SegmentRole;
import dev.spool.log.recovery.RecoveryInput.Shutdown;
import java.util.function.Predicate;

/**
 * The segment rows of the recovery table, as code: one constant per row, each with the inputs it
 * matches, its cause and its action. {@link #classify} is the only decision the loader and
 * {@code spool verify} make about a segment's end, so the two cannot disagree.
 *
 * <h2>The rule behind the table</h2>
 * Bytes below a checkpointed recovery point, and every byte after a clean shutdown, were forced
 * to disk: they can be damaged but never torn. So only an unclean shutdown may leave a torn tail,
 * a hole or a lost tail, and with a checkpoint only at or past its recovery point; anywhere else
 * the same bytes are corruption, and the log refuses to open until {@code spool repair}. With no
 * checkpoint at all nothing is known to be flushed: the last segment's torn tail is cut (row T),
 * anything else is corruption. A log that reuses deleted segments' files (row T5) cannot tell their
 * old bytes from damage, and reads a bad batch where nothing was flushed as the end of its writes.
 *
 * <p>The predicates are disjoint and cover every input; {@code RecoveryCaseTest} enumerates every
 * combination to prove it. Pure and thread-safe.
 */
public enum RecoveryCase {
    C1("clean shutdown: everything was flushed", Action.ACCEPT,
            in -> in.shutdown() == Shutdown.CLEAN && in.bytes() == Bytes.VALID),
    C2("damage after a clean shutdown: the bytes look torn, but every byte had been flushed", Action.REFUSE,
            in -> in.shutdown() == Shutdown.CLEAN && (in.bytes() == Bytes.TORN_TAIL || in.bytes() == Bytes.HOLE)),
    U1("unclean shutdown with a checkpointed recovery point; the segment is whole", Action.ACCEPT,
            in -> in.shutdown() == Shutdown.CHECKPOINTED && in.bytes() == Bytes.VALID),
    U2("crash before the first checkpoint; the segment is whole", Action.ACCEPT,
            in -> in.shutdown() == Shutdown.NONE && in.bytes() == Bytes.VALID),
    T("a write interrupted by the crash at the end of the log, past what was flushed", Action.TRUNCATE,
            in -> in.bytes() == Bytes.TORN_TAIL && in.segment() == SegmentRole.LAST
                    && (pastRecoveryPoint(in) || in.shutdown() == Shutdown.NONE)),
    T2("a power loss soon after a roll, before the rolled segment's flush: its end is torn",
            Action.TRUNCATE_AND_DROP_LATER,
            in -> in.bytes() == Bytes.TORN_TAIL && in.segment() == SegmentRole.NOT_LAST && pastRecoveryPoint(in)),
    T3("a power loss after a roll lost whole batches of the rolled, unflushed segment", Action.DROP_LATER,
            in -> in.bytes() == Bytes.ENDS_BEFORE_NEXT_BASE && pastRecoveryPoint(in)),
    T4("a power loss kept later unsynced pages and lost earlier ones (writeback is not in order)",
            Action.TRUNCATE_AND_DROP_LATER,
            in -> in.bytes() == Bytes.HOLE && pastRecoveryPoint(in)),
    T5("a log that reuses deleted segments' files: past what was flushed, the bytes after the last write are the "
            + "old segment's", Action.TRUNCATE_AND_DROP_LATER, RecoveryCase::oldBytesOfAReusedFile),
    X1("corruption: a bad batch, or torn-looking bytes where the data had been flushed", Action.REFUSE,
            in -> (in.bytes() == Bytes.CORRUPT && !oldBytesOfAReusedFile(in))
                    || (in.shutdown() == Shutdown.CHECKPOINTED && in.position() == Position.BEFORE_RECOVERY_POINT
                        && (in.bytes() == Bytes.TORN_TAIL || in.bytes() == Bytes.HOLE))
                    || (in.shutdown() == Shutdown.NONE && in.bytes() == Bytes.HOLE)
                    || (in.shutdown() == Shutdown.NONE && in.bytes() == Bytes.TORN_TAIL
                        && in.segment() == SegmentRole.NOT_LAST)),
    X2("segments not contiguous: a segment was lost or damaged", Action.REFUSE,
            in -> in.bytes() == Bytes.OVERRUNS_NEXT_BASE
                    || (in.bytes() == Bytes.ENDS_BEFORE_NEXT_BASE && !pastRecoveryPoint(in))),
    X3("the log ends before the recovery point: flushed data is missing", Action.REFUSE,
            in -> in.bytes() == Bytes.ENDS_BEFORE_RECOVERY_POINT);

    /** What recovery does in a case. */
    public enum Action {
        /** Keep the segment as it is. */
        ACCEPT,
        /** Cut the last segment to its valid prefix; log how many bytes. */
        TRUNCATE,
        /** Cut the segment to its valid prefix and remove the later segments (all unflushed); log both. */
        TRUNCATE_AND_DROP_LATER,
        /** Keep the segment whole, remove the later segments (all unflushed); log it. */
        DROP_LATER,
        /** Throw {@code CorruptLogException} naming file and position; truncate nothing; {@code spool repair} decides. */
        REFUSE
    }

    private final String cause;
    private final Action action;
    private final Predicate<RecoveryInput> matches;

    RecoveryCase(String cause, Action action, Predicate<RecoveryInput> matches) {
        this.cause = cause;
        this.action = action;
        this.matches = matches;
    }

    /** Why a log reaches this case. */
    public String cause() {
        return cause;
    }

    /** What recovery does about it. */
    public Action action() {
        return action;
    }

    /** Whether the case is damage that keeps the log closed. */
    public boolean refusesToOpen() {
        return action == Action.REFUSE;
    }

    /** Whether this row covers {@code input}; exactly one row covers each input. */
    public boolean matches(RecoveryInput input) {
        return matches.test(input);
    }

    /**
     * The one case covering {@code input}. Pure: depends on the input alone.
     *
     * @throws IllegalStateException if the table is wrong (no case, or more than one, matches)
     */
    public static RecoveryCase classify(RecoveryInput input) {
        RecoveryCase found = null;
        for (RecoveryCase candidate : values()) {
            if (candidate.matches(input)) {
                if (found != null) {
                    throw new IllegalStateException("Recovery cases " + found + " and " + candidate + " both match "
                            + input);
                }
                found = candidate;
            }
        }
        if (found == null) {
            throw new IllegalStateException("No recovery case matches " + input);
        }
        return found;
    }

    /**
     * Row T5: a reused file's old bytes fail the checks of the next batch (its offsets run below the
     * segment's, or it is cut anywhere), which is also what damage would look like: so in such a log,
     * where the bytes may never have been flushed (past the recovery point, or in the last segment
     * with no checkpoint, as row T), they are read as the end of what was written, and cut.
     */
    private static boolean oldBytesOfAReusedFile(RecoveryInput in) {
        return in.files() == Files.REUSED && in.bytes() == Bytes.CORRUPT
                && (pastRecoveryPoint(in) || (in.shutdown() == Shutdown.NONE && in.segment() == SegmentRole.LAST));
    }

    private static boolean pastRecoveryPoint(RecoveryInput in) {
        return in.shutdown() == Shutdown.CHECKPOINTED && in.position() == Position.PAST_RECOVERY_POINT;
    }
}
