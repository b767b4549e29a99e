package dev.spool.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordTooLargeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded shortcuts: one record per append, a tailer to read, and a clear error for a record too large. */
class LogTailerTest {
    @TempDir
    Path dataDir;

    private LogManager open() throws IOException {
        return LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks()
                .withLogConfig(LogConfig.defaults().withSegmentBytes(1024)));
    }

    @Test
    void appendsGiveOffsetsAndATailerReadsEveryRecordAcrossSegmentsThenWaitsAtTheEnd() throws Exception {
        try (LogManager spool = open()) {
            Log log = spool.logOrCreate("events");
            for (int i = 0; i < 50; i++) {
                long offset = i % 2 == 0 ? log.append(("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8))
                        : log.append(("v" + i).getBytes(UTF_8));
                assertThat(offset).isEqualTo(i);
            }
            assertThat(log.segmentCount()).isGreaterThan(1);

            LogTailer tailer = log.tailer(0);
            List<String> seen = new ArrayList<>();
            Optional<Record> next;
            while ((next = tailer.poll()).isPresent()) {
                Record record = next.get();
                assertThat(record.offset()).isEqualTo(seen.size());
                assertThat(record.key().isPresent()).isEqualTo(seen.size() % 2 == 0);
                seen.add(new String(record.valueBytes(), UTF_8));
            }
            assertThat(seen).hasSize(50).startsWith("v0", "v1").endsWith("v49");
            assertThat(tailer.position()).isEqualTo(50);
            assertThat(tailer.poll(Duration.ofMillis(20))).isEmpty();

            CountDownLatch waiting = new CountDownLatch(1);
            CompletableFuture<Optional<Record>> awaited = CompletableFuture.supplyAsync(() -> {
                waiting.countDown();
                try {
                    return tailer.poll(Duration.ofSeconds(30));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            waiting.await();
            log.append("late".getBytes(UTF_8));
            assertThat(awaited.get(30, TimeUnit.SECONDS)).map(r -> new String(r.valueBytes(), UTF_8)).contains("late");
        }
    }

    @Test
    void aTailerStartsMidBatchSeeksAndMovesToTheLogStartWhenRetentionPassedIt() throws Exception {
        try (LogManager spool = open()) {
            Log log = spool.logOrCreate("events");
            BatchBuilder batch = new BatchBuilder(LogConfig.DEFAULT_BATCH_BYTES_MAX);
            for (int i = 0; i < 10; i++) {
                batch.tryAppend(1_000L + i, null, ("r" + i).getBytes(UTF_8));
            }
            log.append(batch.build());

            LogTailer tailer = log.tailer(4);
            assertThat(tailer.poll()).map(Record::offset).contains(4L);
            tailer.seek(8);
            assertThat(tailer.poll()).map(Record::offset).contains(8L);

            for (int i = 0; i < 100; i++) {
                log.append(("more" + i).getBytes(UTF_8));
            }
            LogTailer behind = log.tailer(3);
            long start = spool.deleteRecords("events", 0, 60);
            assertThat(start).isEqualTo(60);
            assertThat(behind.poll()).map(Record::offset).contains(60L);
            assertThat(behind.position()).isEqualTo(61);
        }
    }

    @Test
    void aRecordLargerThanABatchMayBeIsAnExceptionNamingTheSizesAndWritesNothing() throws Exception {
        try (LogManager spool = open()) {
            Log log = spool.logOrCreate("events");
            int limit = log.config().batchBytesMax(); // no larger than a segment: 1024 here
            assertThatThrownBy(() -> log.append(new byte[limit]))
                    .isInstanceOf(RecordTooLargeException.class)
                    .hasMessageContaining("at most " + limit + " bytes");
            assertThat(log.logEndOffset()).isZero();
            assertThat(log.append(new byte[100])).isZero();
        }

        BatchBuilder builder = new BatchBuilder(256);
        assertThatThrownBy(() -> builder.tryAppend(0L, null, new byte[300]))
                .isInstanceOfSatisfying(RecordTooLargeException.class, e -> {
                    assertThat(e.batchBytesMax()).isEqualTo(256);
                    assertThat(e.recordBytes()).isGreaterThan(300);
                });
        assertThat(builder.tryAppend(0L, null, new byte[100])).isTrue();
        assertThat(builder.tryAppend(0L, null, new byte[100])).as("a full batch is not an error").isFalse();
        assertThat(builder.recordCount()).isEqualTo(1);
    }

    @Test
    void logOrCreateRefusesATopicOfSeveralPartitionsAndReturnsTheSameLogTwice() throws Exception {
        try (LogManager spool = open()) {
            spool.createTopic("wide", 3);
            assertThatThrownBy(() -> spool.logOrCreate("wide"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 partitions");
            assertThat(spool.logOrCreate("narrow")).isSameAs(spool.logOrCreate("narrow"));
            assertThatThrownBy(() -> spool.logOrCreate("bad/name")).isInstanceOf(InvalidTopicNameException.class);
        }
    }
}
