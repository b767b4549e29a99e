package dev.spool.log.recovery;

import dev.spool.log.LoadState;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.ScanResult;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What recovery knows when it decides about one segment: how the log was shut down, whether the
 * segment is the last, what its bytes are at the point where they stop being a dense run of
 * valid batches, and where that point lies against the checkpointed recovery point.
 *
 * <p>Every combination of the four values is a valid input, including ones a loader never
 * builds (an unclean shutdown with no checkpoint has no recovery point to be past); {@link
 * RecoveryCase#classify} maps each to exactly one case.
 *
 * @param shutdown what the directory says about the last shutdown
 * @param segment  whether the segment is the last of the log
 * @param bytes    what the segment's bytes are where its valid batches stop
 * @param position where that point lies: the offset after the last valid batch, against the
 *                 checkpointed recovery point (meaningful for {@link Shutdown#CHECKPOINTED} only)
 * @param files    whether the log's segment files may be deleted segments' files, reused
 */
public record RecoveryInput(Shutdown shutdown, SegmentRole segment, Bytes bytes, Position position, Files files) {

    public RecoveryInput {
        Objects.requireNonNull(shutdown, "shutdown");
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(files, "files");
    }

    /** The input for a log whose segment files were all created new. */
    public RecoveryInput(Shutdown shutdown, SegmentRole segment, Bytes bytes, Position position) {
        this(shutdown, segment, bytes, position, Files.NEW);
    }

    /**
     * The input for a segment whose valid batches stop at {@code offset}, as the loader and the
     * verifier both build it. After a clean shutdown every offset was flushed (so it counts as
     * before the point); with no checkpoint the rows do not look at the position.
     *
     * @param cleanShutdown the clean-shutdown marker was present
     * @param recoveryPoint the checkpointed recovery point, if any
     * @param last          the segment is the last of the log
     * @param bytes         what the bytes are where the valid batches stop
     * @param offset        the offset after the last valid batch
     */
    public static RecoveryInput at(boolean cleanShutdown, OptionalLong recoveryPoint, boolean last, Bytes bytes,
                                   long offset) {
        return at(cleanShutdown, recoveryPoint, last, bytes, offset, false);
    }

    /** As above, for a log whose directory says its segment files may be reused ({@code filesReused}). */
    public static RecoveryInput at(boolean cleanShutdown, OptionalLong recoveryPoint, boolean last, Bytes bytes,
                                   long offset, boolean filesReused) {
        Shutdown shutdown = cleanShutdown ? Shutdown.CLEAN
                : recoveryPoint.isPresent() ? Shutdown.CHECKPOINTED : Shutdown.NONE;
        Position position = switch (shutdown) {
            case CLEAN -> Position.BEFORE_RECOVERY_POINT;
            case CHECKPOINTED -> offset >= recoveryPoint.getAsLong() ? Position.PAST_RECOVERY_POINT
                    : Position.BEFORE_RECOVERY_POINT;
            case NONE -> Position.PAST_RECOVERY_POINT;
        };
        return new RecoveryInput(shutdown, last ? SegmentRole.LAST : SegmentRole.NOT_LAST, bytes, position,
                filesReused ? Files.REUSED : Files.NEW);
    }

    /**
     * The input for a scanned segment, as recovery builds it: where {@code scan} stopped, refined
     * against the next segment's base ({@code nextBase}) when the segment is not the last.
     */
    static RecoveryInput ofScan(LoadState state, boolean last, ScanResult scan, long nextBase, boolean filesReused) {
        Bytes bytes = Bytes.of(scan.outcome());
        if (bytes == Bytes.VALID && !last && scan.nextOffset() != nextBase) {
            bytes = scan.nextOffset() < nextBase ? Bytes.ENDS_BEFORE_NEXT_BASE : Bytes.OVERRUNS_NEXT_BASE;
        }
        return at(state.cleanShutdown(), state.recoveryPoint(), last, bytes, scan.nextOffset(), filesReused);
    }

    /** Where the log's segment files come from. */
    public enum Files {
        /** Every segment file was created new: past its last write it holds zeros or nothing. */
        NEW,
        /**
         * A segment's file may be a deleted segment's, taken over by a roll (the directory holds the
         * marker {@code reused-segment-files}): until a seal cuts them, the old segment's bytes lie
         * past the last batch written, and after a crash they are there, complete or cut anywhere.
         */
        REUSED
    }

    /** What the data directory says about the last shutdown. */
    public enum Shutdown {
        /** The clean-shutdown marker was present: every byte of every segment was flushed. */
        CLEAN,
        /** No marker, a recovery point checkpointed: offsets below it were flushed, the rest may not be. */
        CHECKPOINTED,
        /** No marker, no checkpoint (a crash before the first checkpoint, or a full scan asked for). */
        NONE
    }

    /** Whether the segment is the last of the log. */
    public enum SegmentRole {
        LAST,
        NOT_LAST
    }

    /** What a segment's bytes are where its dense run of valid batches stops. */
    public enum Bytes {
        /** Valid batches to the end; for a segment that is not the last, ending at the next segment's base. */
        VALID,
        /**
         * The end is an incomplete batch, zeros to the end, or a final batch failing its check with a
         * zero-filled sector, with zeros after it, or ending in zeros where the file ends.
         */
        TORN_TAIL,
        /** A zero-filled header, or a batch failing its check with a zero-filled sector, with more bytes after it. */
        HOLE,
        /** A complete batch is wrong (length, magic, CRC, offsets). */
        CORRUPT,
        /** Valid to the end, but the segment (not the last) ends before the next segment's base offset. */
        ENDS_BEFORE_NEXT_BASE,
        /** Valid to the end, but the segment (not the last) ends past the next segment's base offset. */
        OVERRUNS_NEXT_BASE,
        /** Valid to the end, but the log (its last segment) ends before the checkpointed recovery point. */
        ENDS_BEFORE_RECOVERY_POINT;

        /**
         * The row input for the bytes {@link BatchClassifier} found where the valid batches stop;
         * valid bytes to the end ({@code VALID} or {@code END}) are {@link #VALID}, which the caller
         * refines against the next segment's base and the recovery point.
         */
        public static Bytes of(BatchClassifier.Kind kind) {
            return switch (kind) {
                case VALID, END -> VALID;
                case TORN_TAIL -> TORN_TAIL;
                case HOLE -> HOLE;
                case CORRUPT -> CORRUPT;
            };
        }
    }

    /** Where the point at which the valid batches stop lies against the checkpointed recovery point. */
    public enum Position {
        /** Below the recovery point: those offsets were flushed. */
        BEFORE_RECOVERY_POINT,
        /** At or past the recovery point: those offsets may never have been forced to disk. */
        PAST_RECOVERY_POINT
    }
}
