package dev.spool.log.tool;

import dev.spool.log.LoadState;
import dev.spool.log.LogManager;
import dev.spool.log.TopicPartition;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.recovery.RecoveryCase;
import dev.spool.log.recovery.RecoveryInput.Bytes;
import dev.spool.log.recovery.RecoveryInput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How {@code spool verify} judges the point where a segment's valid batches stop: with the
 * recovery table ({@link RecoveryCase#classify}), from what the data directory says about the
 * last shutdown, so that verify and the next open always agree. A row the open would cut (T, T2,
 * T3, T4) is a warning that says so; a row that keeps the log closed is an error.
 *
 * <p>Read-only and stateless; the shutdown state is read the way {@link LogManager} reads it
 * (a damaged checkpoint trusts neither itself nor the marker beside it).
 */
final class SegmentEnds {

    private SegmentEnds() {
    }

    /** What the data directory holding {@code partitionDir} says about the last shutdown of that partition. */
    static LoadState stateOf(FileIO io, Path partitionDir) {
        Path dataDir = partitionDir.toAbsolutePath().getParent();
        Optional<TopicPartition> partition = TopicPartition.parseDirName(partitionDir.getFileName().toString());
        if (dataDir == null || partition.isEmpty()) {
            return LoadState.unknown();
        }
        try {
            Map<TopicPartition, Long> points = OffsetCheckpointFile.read(io,
                    dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));
            Long point = points.get(partition.get());
            return new LoadState(io.exists(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)),
                    point == null ? OptionalLong.empty() : OptionalLong.of(point), OptionalLong.empty());
        } catch (IOException e) {
            return LoadState.unknown(); // as the log manager: scan, trust nothing
        }
    }

    /**
     * Reports what stops a segment's valid batches at {@code position} ({@code offset} is the
     * offset after the last valid batch; {@code filesReused}: the directory holds the reused-files
     * marker). Returns true when the segment's end says nothing about where the next segment should
     * start: it is damaged, or the open removes the later segments.
     */
    static boolean report(LogVerifier.Tally tally, LoadState state, boolean last, Bytes bytes, Path logFile,
                          long position, long offset, long bytesAfter, String problem, boolean filesReused) {
        RecoveryCase row = RecoveryCase.classify(RecoveryInput.at(state.cleanShutdown(), state.recoveryPoint(), last,
                bytes, offset, filesReused));
        if (row.refusesToOpen()) {
            tally.add(LogVerifier.Severity.ERROR, LogVerifier.Kind.BATCH_CORRUPT, logFile, position, offset, problem
                    + why(row, state, last, bytes) + "; the log will not open until spool repair (row " + row + ")");
            return true;
        }
        boolean dropsLater = !last && row.action() == RecoveryCase.Action.TRUNCATE_AND_DROP_LATER;
        tally.add(LogVerifier.Severity.WARNING, LogVerifier.Kind.TORN_TAIL, logFile, position, offset, "torn tail: "
                + problem + "; the next open truncates these " + bytesAfter + " bytes"
                + (dropsLater ? " and removes the later segments (never flushed)" : "") + " (row " + row + ")");
        return dropsLater;
    }

    /** Reports a segment that ends at {@code end} while the next starts at {@code nextBase}: row T3 or X2. */
    static void reportGap(LogVerifier.Tally tally, LoadState state, Path logFile, long sizeBytes, long end,
                          long nextBase) {
        Bytes bytes = end < nextBase ? Bytes.ENDS_BEFORE_NEXT_BASE : Bytes.OVERRUNS_NEXT_BASE;
        RecoveryCase row = RecoveryCase.classify(RecoveryInput.at(state.cleanShutdown(), state.recoveryPoint(), false,
                bytes, end));
        String problem = "segment ends at offset " + end + " but the next segment starts at " + nextBase;
        if (row.refusesToOpen()) {
            tally.add(LogVerifier.Severity.ERROR, LogVerifier.Kind.OFFSET_MISMATCH, logFile, sizeBytes, end, problem);
        } else {
            tally.add(LogVerifier.Severity.WARNING, LogVerifier.Kind.OFFSET_MISMATCH, logFile, sizeBytes, end, problem
                    + ", past the checkpointed recovery point: the next open removes the later segments (row " + row
                    + ")");
        }
    }

    /** Reports a log that ends before its checkpointed recovery point (row X3); returns whether it does. */
    static boolean reportEndBeforeRecoveryPoint(LogVerifier.Tally tally, LoadState state, Path lastLogFile,
                                                long sizeBytes, long logEnd) {
        if (state.recoveryPoint().isEmpty() || logEnd >= state.recoveryPoint().getAsLong()) {
            return false;
        }
        RecoveryCase row = RecoveryCase.classify(RecoveryInput.at(state.cleanShutdown(), state.recoveryPoint(), true,
                Bytes.ENDS_BEFORE_RECOVERY_POINT, logEnd));
        tally.add(LogVerifier.Severity.ERROR, LogVerifier.Kind.LOG_TRUNCATED, lastLogFile, sizeBytes, logEnd,
                "the log ends at offset " + logEnd + " but offsets up to " + state.recoveryPoint().getAsLong()
                        + " were flushed; the log will not open until spool repair (row " + row + ")");
        return true;
    }

    private static String why(RecoveryCase row, LoadState state, boolean last, Bytes bytes) {
        if (bytes == Bytes.CORRUPT) {
            return "";
        }
        if (row == RecoveryCase.C2) {
            return ", after a clean shutdown, when every byte had been flushed";
        }
        return (last ? "" : ", but this is not the last segment") + (state.recoveryPoint().isPresent()
                ? ", below the checkpointed recovery point " + state.recoveryPoint().getAsLong()
                + " (those bytes had been flushed)"
                : bytes == Bytes.HOLE ? ", with no checkpointed recovery point to show it was never flushed" : "");
    }
}
