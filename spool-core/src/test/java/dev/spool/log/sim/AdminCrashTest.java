package dev.spool.log.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Crashes around the log manager's admin operations. A crash at every mutating call of
 * {@link LogManager#addPartitions}: the data directory then opens, the topic has its old
 * partitions plus some prefix of the new ones (never a gap), all with the topic's id and records,
 * and once the growth returned, all of them. And {@link LogManager#deleteRecords} is durable when
 * it returns.
 */
class AdminCrashTest {
    private static final Path DATA_DIR = Path.of("/sim/data");

    private static LogManager open(SimulatedFileIO sim) throws IOException {
        return LogManager.open(DATA_DIR, LogManagerConfig.defaults().withIo(sim.session()).withoutBackgroundTasks()
                .withIoExecutor(Runnable::run));
    }

    @Test
    void aCrashAnywhereInAGrowthLeavesAWholeTopicWithNoGap() throws IOException {
        int completed = 0;
        int partial = 0; // crashes that kept some new partitions and not others
        for (int crashAt = 1; crashAt < 200; crashAt++) {
            SimulatedFileIO sim = new SimulatedFileIO(crashAt);
            sim.createDurableDirectories(DATA_DIR);
            UUID id;
            try (LogManager manager = open(sim)) {
                manager.createTopic("g", 2);
                BatchBuilder builder = new BatchBuilder(4096);
                builder.append(0, null, ByteBuffer.wrap("kept".getBytes(StandardCharsets.UTF_8)), new Header[0]);
                manager.log("g", 1).append(builder.build());
                manager.flush();
                id = manager.topicId("g");
            }
            LogManager manager = open(sim);
            sim.crashBeforeMutation(crashAt);
            boolean returned;
            try {
                manager.addPartitions("g", 5);
                returned = !sim.armedCrashFired();
            } catch (IOException | RuntimeException e) {
                assertThat(sim.armedCrashFired()).as("crash at %d: %s", crashAt, e).isTrue();
                returned = false;
            }
            sim.disarmCrash();
            sim.crash();
            try (LogManager reopened = open(sim)) {
                int count = reopened.partitionCount("g");
                assertThat(count).as("crash at %d", crashAt).isBetween(2, 5);
                if (returned) {
                    assertThat(count).as("crash at %d after the growth returned", crashAt).isEqualTo(5);
                } else if (count > 2 && count < 5) {
                    partial++;
                }
                assertThat(reopened.topicId("g")).as("crash at %d", crashAt).isEqualTo(id);
                assertThat(reopened.log("g", 1).logEndOffset()).isEqualTo(1);
                for (int p = 2; p < count; p++) {
                    assertThat(reopened.log("g", p).logEndOffset()).isZero();
                }
            }
            if (returned) {
                completed++;
                if (completed > 3) { // every crash point inside the growth was tried
                    assertThat(partial).as("crash points that kept part of the growth").isPositive();
                    return;
                }
            }
        }
        throw new AssertionError("the growth never completed within 200 mutating calls");
    }

    /** DeleteRecords answers only once the new start is on disk: a crash right after keeps it. */
    @Test
    void deletedRecordsStayDeletedAfterACrashOnceDeleteRecordsReturned() throws IOException {
        SimulatedFileIO sim = new SimulatedFileIO(7);
        sim.createDurableDirectories(DATA_DIR);
        LogManager manager = open(sim);
        manager.createTopic("t", 1);
        for (int i = 0; i < 6; i++) {
            BatchBuilder builder = new BatchBuilder(4096);
            builder.append(0, null, ByteBuffer.wrap(("r" + i).getBytes(StandardCharsets.UTF_8)), new Header[0]);
            manager.log("t", 0).append(builder.build());
        }
        manager.flush();
        assertThat(manager.deleteRecords("t", 0, 4)).isEqualTo(4);
        sim.crash();
        try (LogManager reopened = open(sim)) {
            assertThat(reopened.log("t", 0).logStartOffset()).isEqualTo(4);
            assertThat(reopened.log("t", 0).logEndOffset()).isEqualTo(6);
        }
    }
}
