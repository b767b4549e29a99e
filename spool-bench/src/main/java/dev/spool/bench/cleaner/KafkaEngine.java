package dev.spool.bench.cleaner;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.kafka.storage.internals.log.Cleaner;
import org.apache.kafka.storage.internals.log.CleanerConfig;
import org.apache.kafka.storage.internals.log.CleanerStats;
import org.apache.kafka.storage.internals.log.LogConfig;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.apache.kafka.storage.internals.log.LogSegment;
import org.apache.kafka.storage.internals.log.LogToClean;
import org.apache.kafka.storage.internals.log.ProducerStateManagerConfig;
import org.apache.kafka.storage.internals.log.SkimpyOffsetMap;
import org.apache.kafka.storage.internals.log.UnifiedLog;
import org.apache.kafka.storage.internals.utils.Throttler;
import org.apache.kafka.storage.log.metrics.BrokerTopicStats;

/**
 * Apache Kafka 4.4's own cleaner over its own log: a {@link UnifiedLog} with
 * {@code cleanup.policy=compact}, filled with {@code appendAsLeader} as a broker fills it, and one
 * round of {@link Cleaner#doClean} on a {@link LogToClean} from the log start to the active
 * segment, the call a broker's cleaner thread makes ({@code LogCleaner.CleanerThread.cleanLog}).
 * The {@link Cleaner} is built as that thread builds it with one cleaner thread: a
 * {@link SkimpyOffsetMap} of {@code log.cleaner.dedupe.buffer.size} bytes (MD5), I/O buffers of
 * half of {@code log.cleaner.io.buffer.size} each, Kafka's default load factor (0.9) and no I/O
 * limit. What the broker's thread adds around the call (choosing the log, the checkpoint file)
 * is left out; so is the deletion of the replaced segments, which Kafka defers by
 * {@code file.delete.delay.ms} (60 s) onto its scheduler.
 */
final class KafkaEngine implements Engine {
    static final String NAME = "kafka";
    private static final String PARTITION_DIR = "cleaner-bench-0";

    private final KafkaScheduler scheduler = new KafkaScheduler(1, true, "kafka-cleaner-bench-");
    private final BrokerTopicStats topicStats = new BrokerTopicStats();
    private final UnifiedLog log;
    private final Cleaner cleaner;
    private final ByteBuffer buildBuffer;

    KafkaEngine(Path dir, int segmentBytes, int dedupeBufferBytes) throws IOException {
        Map<String, Object> props = new HashMap<>();
        props.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        props.put(TopicConfig.SEGMENT_BYTES_CONFIG, segmentBytes);
        LogConfig config = new LogConfig(props);
        scheduler.startup();
        Path logDir = Files.createDirectories(dir.resolve(PARTITION_DIR));
        this.log = UnifiedLog.create(logDir.toFile(), config, 0L, 0L, scheduler, topicStats, Time.SYSTEM,
                5 * 60 * 1000, new ProducerStateManagerConfig(86_400_000, false), 600_000,
                new LogDirFailureChannel(10), true, Optional.empty());
        this.buildBuffer = ByteBuffer.allocate(config.maxMessageSize());
        CleanerConfig defaults = new CleanerConfig(true);
        try {
            this.cleaner = new Cleaner(0, new SkimpyOffsetMap(dedupeBufferBytes, defaults.hashAlgorithm()),
                    defaults.ioBufferSize / 2, defaults.maxMessageSize, defaults.dedupeBufferLoadFactor,
                    new Throttler(defaults.maxIoBytesPerSecond, 300, "cleaner-io", "bytes", Time.SYSTEM),
                    Time.SYSTEM, partition -> { });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Kafka's cleaner hash " + defaults.hashAlgorithm() + " is missing", e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void append(byte[][] keys, byte[][] values, int count, long timestampMs) throws IOException {
        buildBuffer.clear();
        MemoryRecordsBuilder builder = MemoryRecords.builder(buildBuffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < count; i++) {
            builder.append(timestampMs, keys[i], values[i]);
        }
        log.appendAsLeader(builder.build(), 0);
    }

    @Override
    public void seal() throws IOException {
        log.roll();
        log.flush(true);
    }

    @Override
    public long logEndOffset() {
        return log.logEndOffset();
    }

    @Override
    public long sizeBytes() {
        return log.size();
    }

    @Override
    public int segmentCount() {
        return log.numberOfSegments();
    }

    @Override
    public Round clean() throws IOException {
        long end = log.activeSegment().baseOffset();
        LogToClean cleanable = new LogToClean(log, log.logStartOffset(), end, false);
        Map.Entry<Long, CleanerStats> result;
        try {
            result = cleaner.doClean(cleanable, Time.SYSTEM.milliseconds());
        } catch (DigestException e) {
            throw new IOException("Kafka's cleaner failed to hash a key", e);
        }
        if (result.getKey() != end) {
            throw new IllegalStateException("Kafka's round ended at offset " + result.getKey() + ", expected the whole "
                    + "dirty log up to " + end + " (is the key map too small?)");
        }
        CleanerStats stats = result.getValue();
        return new Round(mapBytesRead(stats) + stats.bytesRead(), stats.bytesWritten(),
                stats.messagesRead() - stats.messagesWritten());
    }

    /**
     * The bytes the key-map pass read: {@link CleanerStats} counts them in a package-private field
     * without a getter ({@code bytesRead()} is the copy pass alone), so it is read reflectively.
     */
    private static long mapBytesRead(CleanerStats stats) {
        try {
            java.lang.reflect.Field field = CleanerStats.class.getDeclaredField("mapBytesRead");
            field.setAccessible(true);
            return field.getLong(stats);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot read CleanerStats.mapBytesRead of Kafka's cleaner", e);
        }
    }

    @Override
    public long batchCount() {
        long batches = 0;
        for (LogSegment segment : log.logSegments()) {
            for (RecordBatch ignored : segment.log().batches()) {
                batches++;
            }
        }
        return batches;
    }

    @Override
    public void readAll(Visitor visitor) {
        for (LogSegment segment : log.logSegments()) {
            for (RecordBatch batch : segment.log().batches()) {
                for (Record record : batch) {
                    visitor.record(record.offset(), record.hasKey() ? record.key() : null,
                            record.hasValue() ? record.value() : null);
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            log.close();
        } finally {
            try {
                scheduler.shutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            topicStats.close();
        }
    }
}
