package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.BatchBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cleaning round's {@code .swap} file that does not read (the storage lost what the cleaner had
 * forced) takes its partition offline with a line naming the file and the remedy; the log manager
 * opens and the other partitions serve.
 */
class DamagedSwapFileTest {
    @TempDir
    Path dir;

    @Test
    void aDamagedSwapFileTakesOnlyItsPartitionOffline() throws IOException {
        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            for (String topic : new String[] {"good", "bad"}) {
                manager.createTopic(topic, 1);
                BatchBuilder builder = new BatchBuilder(1 << 16);
                builder.tryAppend(1_000L, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
                manager.log(topic, 0).append(builder.build());
            }
        }
        Path swap = dir.resolve("bad-0").resolve("00000000000000000000.log.swap");
        Files.write(swap, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99, 1, 2, 3}); // a header cut short

        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            assertThat(manager.log("good", 0).read(0, 1 << 16).records()).hasSize(1);
            PartitionOfflineException offline = manager.offlinePartitions().get(new TopicPartition("bad", 0));
            assertThat(offline).isNotNull();
            assertThat(offline.getMessage()).startsWith("Partition bad-0 is offline: Swap file " + swap
                    + " is damaged at position 0").endsWith("; restore the partition's directory from a copy");
            assertThatThrownBy(() -> manager.log("bad", 0)).isInstanceOf(PartitionOfflineException.class);
        }
        assertThat(swap).as("nothing deleted: the user decides").exists();
    }
}
