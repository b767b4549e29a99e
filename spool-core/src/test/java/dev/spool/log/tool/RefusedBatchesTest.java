package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogTest;
import dev.spool.log.TopicPartition;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pass of a repair plan that reads every batch: what it reports as it reads. */
class RefusedBatchesTest {
    @TempDir
    Path dir;

    @Test
    void reportsProgressEachIntervalOfBatchesReadAcrossSegments() throws IOException {
        long total;
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.unknown())) {
            for (int i = 0; i < 6; i++) {
                log.append(LogTest.batch(1, "value-" + i));
                if (i == 2) {
                    log.roll();
                }
            }
            total = log.sizeBytes();
        }
        List<Long> reported = new ArrayList<>();
        List<Path> segments = new ArrayList<>();
        RefusedBatches refused = new RefusedBatches(FileIO.real(), new RepairFiles(FileIO.real()),
                (bytes, segment) -> {
                    reported.add(bytes);
                    segments.add(segment.getFileName());
                }, 1); // every batch crosses an interval of one byte

        assertThat(refused.plan(new TopicPartition("t", 0), dir, 1 << 20, BatchContentCheck.RECORDS)).isEmpty();
        assertThat(reported).hasSize(6).isSorted().last().isEqualTo(total);
        assertThat(segments).containsExactly(Path.of("00000000000000000000.log"), Path.of("00000000000000000000.log"),
                Path.of("00000000000000000000.log"), Path.of("00000000000000000003.log"),
                Path.of("00000000000000000003.log"), Path.of("00000000000000000003.log"));

        reported.clear(); // a second plan counts from zero again
        refused.plan(new TopicPartition("t", 0), dir, 1 << 20, BatchContentCheck.RECORDS);
        assertThat(reported.get(0)).isLessThan(total / 3);
    }
}
