package dev.spool.bench.compare;

import dev.spool.bench.BenchData;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.Records;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.storage.log.FetchIsolation;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.kafka.storage.internals.log.FetchDataInfo;
import org.apache.kafka.storage.internals.log.LogConfig;
import org.apache.kafka.storage.internals.log.LogDirFailureChannel;
import org.apache.kafka.storage.internals.log.ProducerStateManagerConfig;
import org.apache.kafka.storage.internals.log.UnifiedLog;
import org.apache.kafka.storage.log.metrics.BrokerTopicStats;

/**
 * Apache Kafka's own log layer, {@link UnifiedLog} (kafka-storage 4.x), as a broker drives it:
 * {@code appendAsLeader} (validation, offset assignment, producer state, segment append, index)
 * and {@code read} with a byte limit. Settings as Spool's log: 1 GiB segments, 4 KiB index
 * interval, 4 MiB max batch ({@code max.message.bytes}).
 *
 * <p>Each batch is built with Kafka's {@link MemoryRecordsBuilder} into a reused buffer (the
 * encode a producer pays). "fsync per batch" is {@code appendAsLeader} then {@code flush(true)}
 * (the active segment's data and indexes are forced, as {@code flush.messages=1} would).
 *
 * <p>{@code UnifiedLog.read} returns a file slice (a broker sends it with {@code sendfile}); the
 * harness copies each slice into a reused direct buffer, so that, as with Spool's read, every byte
 * reaches memory, then reads its records through {@link MemoryRecords}, a consumer's path.
 */
final class KafkaSubject implements Subject {
    private static final String PARTITION_DIR = "bench-0";

    /** The broker-wide objects a log needs; one per harness run. */
    static final class Environment implements Closeable {
        final KafkaScheduler scheduler = new KafkaScheduler(1, true, "kafka-bench-scheduler-");
        final BrokerTopicStats topicStats = new BrokerTopicStats();
        final LogDirFailureChannel failureChannel = new LogDirFailureChannel(10);

        Environment() {
            scheduler.startup();
        }

        @Override
        public void close() {
            try {
                scheduler.shutdown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            topicStats.close();
        }
    }

    private final Path dir;
    private final UnifiedLog log;
    private final Workload workload;
    private final ByteBuffer buildBuffer = ByteBuffer.allocate(BenchData.BATCH_BYTES_MAX);
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BenchData.BATCH_BYTES_MAX + SpoolSubject.READ_BYTES_MAX);

    KafkaSubject(Path dir, Workload workload, Environment environment) throws IOException {
        this.dir = dir;
        this.workload = workload;
        Map<String, Object> props = new HashMap<>();
        props.put(TopicConfig.SEGMENT_BYTES_CONFIG, 1 << 30);
        props.put(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, 4096);
        props.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, BenchData.BATCH_BYTES_MAX);
        Path logDir = Files.createDirectories(dir.resolve(PARTITION_DIR));
        this.log = UnifiedLog.create(logDir.toFile(), new LogConfig(props), 0L, 0L, environment.scheduler,
                environment.topicStats, Time.SYSTEM, 5 * 60 * 1000, new ProducerStateManagerConfig(86_400_000, false),
                600_000, environment.failureChannel, true, Optional.empty());
    }

    @Override
    public long appendBatch(long timestampMs, boolean fsync) throws IOException {
        buildBuffer.clear();
        MemoryRecordsBuilder builder = MemoryRecords.builder(buildBuffer, Compression.NONE, TimestampType.CREATE_TIME, 0L);
        ByteBuffer[] keys = workload.keys();
        ByteBuffer[] values = workload.values();
        for (int i = 0; i < keys.length; i++) {
            builder.append(timestampMs, keys[i].duplicate(), values[i].duplicate());
        }
        MemoryRecords records = builder.build();
        log.appendAsLeader(records, 0);
        if (fsync) {
            log.flush(true);
        }
        return records.sizeInBytes();
    }

    @Override
    public void forceAll() {
        log.flush(true);
    }

    /**
     * Reads the log front to back as a consumer sees it: each {@code UnifiedLog.read} slice copied
     * into the reused buffer, then {@link MemoryRecords#readableRecords} and its batches, each
     * checked ({@code ensureValid}, the CRC a consumer checks by default) and iterated record by
     * record, every key and value visited. A slice ends at {@code maxBytes}, usually inside a batch:
     * the iterator stops before the partial one, and the next read starts there.
     */
    @Override
    public void readAll(Tally tally) throws IOException {
        long offset = log.logStartOffset();
        ByteBuffer buffer = readBuffer;
        long sink = 0;
        while (offset < log.logEndOffset()) {
            FetchDataInfo info = log.read(offset, SpoolSubject.READ_BYTES_MAX, FetchIsolation.LOG_END, true);
            Records records = info.records;
            int size = records.sizeInBytes();
            if (size == 0) {
                break;
            }
            buffer.clear().limit(size);
            ((FileRecords) records).readInto(buffer, 0);
            long next = offset;
            long bytes = 0;
            for (MutableRecordBatch batch : MemoryRecords.readableRecords(buffer).batches()) {
                batch.ensureValid();
                for (Record record : batch) {
                    ByteBuffer key = record.key();
                    ByteBuffer value = record.value();
                    sink += key.remaining() + value.remaining() + key.get(key.position()) + value.get(value.position());
                    tally.records++;
                }
                next = batch.lastOffset() + 1;
                bytes += batch.sizeInBytes();
            }
            if (next == offset) {
                throw new IOException("Kafka read at offset " + offset + " returned no whole batch in " + size + " bytes");
            }
            tally.bytes += bytes;
            offset = next;
        }
        tally.sink += sink;
    }

    @Override
    public void close() throws IOException {
        try {
            log.close();
        } finally {
            BenchData.deleteRecursively(dir);
        }
    }
}
