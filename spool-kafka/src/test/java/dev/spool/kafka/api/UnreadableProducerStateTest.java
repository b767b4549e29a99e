package dev.spool.kafka.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cleaner of a compacted topic asks the server where the log's first open transaction starts,
 * and the server builds the partition's producer state from the log's tail to tell. When that
 * read fails, nothing is known of open transactions: the answer is the log start, so the round
 * cleans nothing (cleaning past an open transaction could let a record that may still abort shadow
 * a committed one), and the next round, once the tail reads again, cleans below the transaction.
 *
 * <pre>
 *   segment 0:  a, b, c written three times [0..8]; the transaction: a, b [9..10] (left open)
 *   segment 11: a, b, c again [11..13]
 *   active:     empty, from 14
 * </pre>
 */
class UnreadableProducerStateTest {
    private static final String TOPIC = "changelog";
    private static final long PRODUCER_ID = 7;

    @TempDir
    Path dir;

    @Test
    void aProducerStateThatCannotBeReadKeepsTheCleanerOffTheLogUntilItCanBe() throws IOException {
        AtomicBoolean failNextRead = new AtomicBoolean();
        FileIO io = ForwardingFileIO.wrappingFiles(name -> name.endsWith(".log"),
                file -> new ForwardingStorageFile(file) { // the next read of a segment's data fails, once armed
                    @Override
                    public int read(ByteBuffer dst, long position) throws IOException {
                        if (failNextRead.getAndSet(false)) {
                            throw new IOException("Injected read failure of " + delegate.path());
                        }
                        return delegate.read(dst, position);
                    }
                });
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io);
        try (LogManager manager = LogManager.open(dir, config)) {
            manager.createTopic(TOPIC, 1, TopicConfig.defaults(config.logConfig())
                    .withOverride(TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT));
            Log log = manager.log(TOPIC, 0);
            for (int round = 0; round < 3; round++) {
                log.append(batch(false, "a", "b", "c"));
            }
            log.append(batch(true, "a", "b"));
            log.roll();
            log.append(batch(false, "a", "b", "c"));
            log.roll();
            Partitions partitions = new Partitions(manager, KafkaServerConfig.defaults());
            PartitionState state = partitions.state(log); // the cleaner now asks this partition's state
            List<Long> all = offsets(log);

            failNextRead.set(true);
            assertThat(manager.cleanNow(TOPIC)).as("records removed with the producer state unknown").isZero();
            assertThat(failNextRead).as("the state's read of the tail met the failure").isFalse();
            assertThat(state.isLoaded()).isFalse();
            assertThat(offsets(log)).isEqualTo(all);
            assertThat(log.isFailed()).isFalse();

            // The tail reads again: the state loads, the transaction at 9 is open, and the round
            // cleans below it only: the first two writes of a, b and c go, their third stays.
            assertThat(manager.cleanNow(TOPIC)).isEqualTo(6);
            assertThat(state.isLoaded()).isTrue();
            assertThat(offsets(log)).containsExactly(6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L);
        }
    }

    /** One batch of records keyed {@code keys}, transactional (of {@link #PRODUCER_ID}) or plain. */
    private static ByteBuffer batch(boolean transactional, String... keys) {
        BatchBuilder builder = new BatchBuilder(4096);
        if (transactional) {
            builder.producer(PRODUCER_ID, (short) 0, 0).transactional(true);
        }
        for (String key : keys) {
            builder.tryAppend(System.currentTimeMillis(), key.getBytes(StandardCharsets.UTF_8),
                    ("value of " + key).getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer built = builder.build();
        return ByteBuffer.allocate(built.remaining()).put(built).flip();
    }

    /** The offsets of every record in the log, front to back. */
    private static List<Long> offsets(Log log) throws IOException {
        List<Long> offsets = new ArrayList<>();
        RecordCursor cursor = new RecordCursor();
        for (long offset = log.logStartOffset(); offset < log.logEndOffset(); ) {
            RecordCursor records = log.read(offset, 1 << 20).cursor(cursor);
            while (records.next()) {
                offsets.add(records.offset());
            }
            offset = records.nextOffset();
        }
        return offsets;
    }
}
