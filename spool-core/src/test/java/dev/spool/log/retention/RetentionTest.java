package dev.spool.log.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.LogConfig;
import dev.spool.log.LogTest;
import dev.spool.log.append.Sequencer;
import dev.spool.log.io.FileIO;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.SegmentSet;
import dev.spool.log.segment.SegmentSets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Time, size and start-offset retention over a segment set: only ever a prefix, whole segments. */
class RetentionTest {
    @TempDir
    Path tmp;

    private final LogConfig config = LogConfig.defaults();
    private SegmentSet set;
    private Sequencer sequencer;
    private final List<String> rolls = new ArrayList<>();
    private Retention retention;

    /** One segment per timestamp, each holding one record stamped with it; the active one is empty. */
    private void segmentsWithTimestamps(long... timestamps) throws IOException {
        set = SegmentSets.create(FileIO.real(), tmp.resolve("t-0"), config, () -> 0L, Runnable::run);
        sequencer = new Sequencer(set, false, null, ChainFile.VERSION);
        retention = new Retention(set, reason -> {
            rolls.add(reason);
            sequencer.roll(reason, config);
        });
        for (long timestamp : timestamps) {
            SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(timestamp, "v"));
            sequencer.roll("test", config);
        }
    }

    @Test
    void timeRetentionDeletesOnlyThePrefixOfExpiredSegments() throws IOException {
        segmentsWithTimestamps(100, 5_000, 100);
        int deleted = retention.apply(config.withRetentionMs(1_000), 5_500);
        assertThat(deleted).isEqualTo(1);
        assertThat(set.segments().keySet()).containsExactly(1L, 2L, 3L);
        assertThat(set.logStartOffset()).isEqualTo(1);
        assertThat(rolls).isEmpty();
    }

    @Test
    void anExpiredActiveSegmentIsRolledFirstSoTheLogKeepsAnActiveSegment() throws IOException {
        segmentsWithTimestamps(100);
        SegmentSets.write(set, sequencer, config, 0L, LogTest.batch(200, "w")); // into the active segment at 1
        int deleted = retention.apply(config.withRetentionMs(1_000), 10_000);
        assertThat(deleted).isEqualTo(2);
        assertThat(rolls).containsExactly("retention");
        assertThat(set.segments().keySet()).containsExactly(2L);
        assertThat(set.active().isEmpty()).isTrue();
        assertThat(set.logStartOffset()).isEqualTo(2);
        assertThat(set.logEndOffset()).isEqualTo(2);
    }

    @Test
    void sizeRetentionDeletesTheOldestWhileWhatRemainsStillReachesTheLimit() throws IOException {
        segmentsWithTimestamps(100, 100, 100, 100);
        long segmentBytes = set.segments().firstEntry().getValue().sizeBytes();
        assertThat(retention.apply(config.withRetentionBytes(segmentBytes * 2 + 1), 0)).isEqualTo(1);
        assertThat(set.sizeBytes()).isEqualTo(segmentBytes * 3);
        assertThat(retention.apply(config.withRetentionBytes(segmentBytes * 2), 0)).isEqualTo(1);
        assertThat(set.sizeBytes()).isEqualTo(segmentBytes * 2);
        assertThat(set.logStartOffset()).isEqualTo(2);
    }

    @Test
    void advancingTheStartDeletesTheSegmentsWhollyBelowItAndNeverMovesItBack() throws IOException {
        segmentsWithTimestamps(100, 100, 100);
        assertThat(retention.advanceLogStartOffset(2)).isEqualTo(2);
        assertThat(set.segments().keySet()).containsExactly(2L, 3L);
        assertThat(retention.advanceLogStartOffset(1)).isEqualTo(2);
        assertThatThrownBy(() -> retention.advanceLogStartOffset(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Cannot move the start of t-0 to 4, past its end 3");
        assertThat(retention.advanceLogStartOffset(3)).isEqualTo(3);
        assertThat(set.segments().keySet()).containsExactly(3L);
    }
}
