package dev.spool.bench.cleaner;

import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.CleanerSettings;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Spool through its public embedded API: a {@link LogManager} with no background tasks (no
 * checkpoint, retention, flush or cleaner threads), one topic of one partition whose cleanup
 * policy is {@code compact}, and {@link LogManager#cleanNow} for the round. The round's bytes come
 * from the manager's meters ({@code spool.cleaner.read.bytes} and {@code spool.cleaner.written.bytes}).
 */
final class SpoolEngine implements Engine {
    static final String NAME = "spool";
    private static final String TOPIC = "cleaner-bench";
    private static final int READ_BYTES_MAX = 1 << 20;

    private final LogManager manager;
    private final Log log;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final BatchBuilder builder;

    SpoolEngine(Path dir, int segmentBytes, int dedupeBufferBytes) throws IOException {
        LogConfig logConfig = LogConfig.defaults();
        LogManagerConfig config = LogManagerConfig.defaults()
                .withLogConfig(logConfig)
                .withoutBackgroundTasks()
                .withMeterRegistry(meters)
                .withCleaner(CleanerSettings.defaults().withDedupeBufferBytes(dedupeBufferBytes).withEnabled(false));
        this.manager = LogManager.open(dir, config);
        manager.createTopic(TOPIC, 1, TopicConfig.defaults(logConfig)
                .withOverride(TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT)
                .withOverride(TopicSetting.SEGMENT_BYTES, segmentBytes));
        this.log = manager.log(TOPIC, 0);
        this.builder = new BatchBuilder(log.config().batchBytesMax());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void append(byte[][] keys, byte[][] values, int count, long timestampMs) throws IOException {
        builder.reset();
        for (int i = 0; i < count; i++) {
            builder.append(timestampMs, ByteBuffer.wrap(keys[i]), ByteBuffer.wrap(values[i]), null);
        }
        log.append(builder.build());
    }

    @Override
    public void seal() throws IOException {
        log.roll();
        manager.flush();
    }

    @Override
    public long logEndOffset() {
        return log.logEndOffset();
    }

    @Override
    public long sizeBytes() {
        return log.sizeBytes();
    }

    @Override
    public int segmentCount() {
        return log.segmentCount();
    }

    @Override
    public Round clean() throws IOException {
        double read = meters.counter("spool.cleaner.read.bytes").count();
        double written = meters.counter("spool.cleaner.written.bytes").count();
        long removed = manager.cleanNow(TOPIC);
        return new Round((long) (meters.counter("spool.cleaner.read.bytes").count() - read),
                (long) (meters.counter("spool.cleaner.written.bytes").count() - written), removed);
    }

    @Override
    public void readAll(Visitor visitor) throws IOException {
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, READ_BYTES_MAX);
            for (Record record : result.records()) {
                if (record.offset() >= offset) {
                    visitor.record(record.offset(), record.key().orElse(null), record.value().orElse(null));
                }
            }
            long next = result.nextOffset(offset);
            if (next <= offset) {
                throw new IOException("Spool read at offset " + offset + " did not advance (log end "
                        + log.logEndOffset() + ")");
            }
            offset = next;
        }
    }

    @Override
    public long batchCount() throws IOException {
        long batches = 0;
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ByteBuffer read = log.read(offset, READ_BYTES_MAX).batches();
            long next = offset;
            for (int at = read.position(); at + RecordBatch.LOG_OVERHEAD_BYTES <= read.limit()
                    && at + RecordBatch.sizeInBytes(read, at) <= read.limit(); at += RecordBatch.sizeInBytes(read, at)) {
                if (RecordBatch.lastOffset(read, at) >= offset) {
                    batches++;
                    next = RecordBatch.lastOffset(read, at) + 1;
                }
            }
            if (next <= offset) {
                throw new IOException("Spool read at offset " + offset + " returned no whole batch");
            }
            offset = next;
        }
        return batches;
    }

    @Override
    public void close() throws IOException {
        manager.close();
    }
}
