package dev.spool.log.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.recovery.RecoveryInput.Bytes;
import dev.spool.log.recovery.RecoveryInput.Files;
import dev.spool.log.recovery.RecoveryInput.Position;
import dev.spool.log.recovery.RecoveryInput.SegmentRole;
import dev.spool.log.recovery.RecoveryInput.Shutdown;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The recovery table over every input: exactly one row each, every row reachable, and the rules it must keep. */
class RecoveryCaseTest {

    private static List<RecoveryInput> everyInput() {
        List<RecoveryInput> inputs = new ArrayList<>();
        for (Shutdown shutdown : Shutdown.values()) {
            for (SegmentRole segment : SegmentRole.values()) {
                for (Bytes bytes : Bytes.values()) {
                    for (Position position : Position.values()) {
                        for (Files files : Files.values()) {
                            inputs.add(new RecoveryInput(shutdown, segment, bytes, position, files));
                        }
                    }
                }
            }
        }
        return inputs;
    }

    @Test
    void everyCombinationMatchesExactlyOneCaseAndClassifyReturnsIt() {
        List<RecoveryInput> inputs = everyInput();
        assertThat(inputs).hasSize(Shutdown.values().length * SegmentRole.values().length * Bytes.values().length
                * Position.values().length * Files.values().length);
        for (RecoveryInput input : inputs) {
            List<RecoveryCase> matching = new ArrayList<>();
            for (RecoveryCase row : RecoveryCase.values()) {
                if (row.matches(input)) {
                    matching.add(row);
                }
            }
            assertThat(matching).as("rows matching %s", input).hasSize(1);
            assertThat(RecoveryCase.classify(input)).isEqualTo(matching.get(0));
        }
    }

    @Test
    void everyCaseIsReachable() {
        Set<RecoveryCase> reached = EnumSet.noneOf(RecoveryCase.class);
        for (RecoveryInput input : everyInput()) {
            reached.add(RecoveryCase.classify(input));
        }
        assertThat(reached).containsExactlyInAnyOrder(RecoveryCase.values());
    }

    @Test
    void afterACleanShutdownAnythingNotValidRefusesToOpen() {
        for (RecoveryInput input : everyInput()) {
            if (input.shutdown() == Shutdown.CLEAN && input.bytes() != Bytes.VALID) {
                assertThat(RecoveryCase.classify(input).action()).as("%s", input).isEqualTo(RecoveryCase.Action.REFUSE);
            }
        }
    }

    @Test
    void bytesBelowTheCheckpointedRecoveryPointAreNeverCutOrDropped() {
        for (RecoveryInput input : everyInput()) {
            if (input.shutdown() == Shutdown.CHECKPOINTED && input.position() == Position.BEFORE_RECOVERY_POINT) {
                RecoveryCase row = RecoveryCase.classify(input);
                assertThat(row.action()).as("%s -> %s", input, row)
                        .isIn(RecoveryCase.Action.ACCEPT, RecoveryCase.Action.REFUSE);
            }
        }
    }

    @Test
    void onlyAnUncleanShutdownCutsAndOnlyTheTornTailOfTheLastSegmentWithNoCheckpoint() {
        for (RecoveryInput input : everyInput()) {
            RecoveryCase row = RecoveryCase.classify(input);
            boolean cuts = row.action() != RecoveryCase.Action.ACCEPT && row.action() != RecoveryCase.Action.REFUSE;
            if (!cuts) {
                continue;
            }
            assertThat(input.shutdown()).as("%s -> %s", input, row).isNotEqualTo(Shutdown.CLEAN);
            if (input.shutdown() == Shutdown.NONE) {
                assertThat(row).as("%s", input).isIn(RecoveryCase.T, RecoveryCase.T5);
                assertThat(input.segment()).isEqualTo(SegmentRole.LAST);
            } else {
                assertThat(input.position()).as("%s", input).isEqualTo(Position.PAST_RECOVERY_POINT);
            }
        }
    }

    @Test
    void corruptBytesAndMissingFlushedDataAlwaysRefuse() {
        for (RecoveryInput input : everyInput()) {
            if (input.bytes() == Bytes.CORRUPT && input.files() == Files.NEW) {
                assertThat(RecoveryCase.classify(input)).as("%s", input).isEqualTo(RecoveryCase.X1);
            }
            if (input.bytes() == Bytes.ENDS_BEFORE_RECOVERY_POINT) {
                assertThat(RecoveryCase.classify(input)).as("%s", input).isEqualTo(RecoveryCase.X3);
            }
            if (input.bytes() == Bytes.OVERRUNS_NEXT_BASE) {
                assertThat(RecoveryCase.classify(input)).as("%s", input).isEqualTo(RecoveryCase.X2);
            }
        }
    }

    /**
     * Reused files change one thing: a bad batch where nothing was flushed (past the recovery point,
     * or the last segment with no checkpoint) is cut as row T5; anywhere else it still refuses, and
     * every other input gets the row it gets in a log of new files.
     */
    @Test
    void reusedFilesCutOnlyBadBatchesWhereNothingWasFlushed() {
        for (RecoveryInput input : everyInput()) {
            if (input.files() != Files.REUSED) {
                continue;
            }
            RecoveryCase reused = RecoveryCase.classify(input);
            RecoveryCase fresh = RecoveryCase.classify(new RecoveryInput(input.shutdown(), input.segment(),
                    input.bytes(), input.position(), Files.NEW));
            boolean unflushed = input.shutdown() == Shutdown.CHECKPOINTED
                    ? input.position() == Position.PAST_RECOVERY_POINT
                    : input.shutdown() == Shutdown.NONE && input.segment() == SegmentRole.LAST;
            if (input.bytes() == Bytes.CORRUPT && unflushed) {
                assertThat(reused).as("%s", input).isEqualTo(RecoveryCase.T5);
            } else {
                assertThat(reused).as("%s", input).isEqualTo(fresh);
            }
        }
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CHECKPOINTED, SegmentRole.LAST, Bytes.CORRUPT,
                Position.BEFORE_RECOVERY_POINT, Files.REUSED))).isEqualTo(RecoveryCase.X1);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CLEAN, SegmentRole.LAST, Bytes.CORRUPT,
                Position.BEFORE_RECOVERY_POINT, Files.REUSED))).isEqualTo(RecoveryCase.X1);
    }

    @Test
    void namedRows() {
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CHECKPOINTED, SegmentRole.LAST, Bytes.TORN_TAIL,
                Position.PAST_RECOVERY_POINT))).isEqualTo(RecoveryCase.T);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CHECKPOINTED, SegmentRole.NOT_LAST,
                Bytes.TORN_TAIL, Position.PAST_RECOVERY_POINT))).isEqualTo(RecoveryCase.T2);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CHECKPOINTED, SegmentRole.NOT_LAST,
                Bytes.ENDS_BEFORE_NEXT_BASE, Position.PAST_RECOVERY_POINT))).isEqualTo(RecoveryCase.T3);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CHECKPOINTED, SegmentRole.LAST, Bytes.HOLE,
                Position.PAST_RECOVERY_POINT))).isEqualTo(RecoveryCase.T4);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CHECKPOINTED, SegmentRole.LAST, Bytes.TORN_TAIL,
                Position.BEFORE_RECOVERY_POINT))).isEqualTo(RecoveryCase.X1);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CLEAN, SegmentRole.LAST, Bytes.TORN_TAIL,
                Position.BEFORE_RECOVERY_POINT))).isEqualTo(RecoveryCase.C2);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.NONE, SegmentRole.NOT_LAST, Bytes.TORN_TAIL,
                Position.PAST_RECOVERY_POINT))).isEqualTo(RecoveryCase.X1);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.NONE, SegmentRole.LAST, Bytes.HOLE,
                Position.PAST_RECOVERY_POINT))).isEqualTo(RecoveryCase.X1);
        assertThat(RecoveryCase.classify(new RecoveryInput(Shutdown.CHECKPOINTED, SegmentRole.NOT_LAST,
                Bytes.ENDS_BEFORE_NEXT_BASE, Position.BEFORE_RECOVERY_POINT))).isEqualTo(RecoveryCase.X2);
    }
}
