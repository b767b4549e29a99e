package dev.spool.bench.compare;

import dev.spool.bench.BenchData;
import dev.spool.log.AppendResult;
import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Spool's {@link Log} with the JMH benchmarks' settings ({@link BenchData#openLog}: Kafka's
 * defaults, 4 MiB batches, rolled segments forced on a background thread). Each batch is encoded
 * with a direct {@link BatchBuilder} and appended with {@code Log.append(BatchBuilder)} (checked
 * against the log's limits, its CRC not computed again); "fsync per batch" is {@code append} then
 * {@link Log#flush()}. Reads take views of the segment file's pages ({@code Log.readMapped}), 1 MiB
 * at a time, as Chronicle's tailer reads its mapped files.
 */
final class SpoolSubject implements Subject {
    static final int READ_BYTES_MAX = 1 << 20;

    private final Path dir;
    private final Log log;
    private final Workload workload;
    /** Direct: a batch over a page goes to the page cache in one copy (see {@link BatchBuilder#direct}). */
    private final BatchBuilder builder = BatchBuilder.direct(BenchData.BATCH_BYTES_MAX);

    SpoolSubject(Path dir, Workload workload, boolean hashChain) {
        this.dir = dir;
        this.workload = workload;
        this.log = BenchData.openLog(dir, hashChain);
    }

    @Override
    public long appendBatch(long timestampMs, boolean fsync) throws IOException {
        BenchData.fill(builder, timestampMs, workload.keys(), workload.values());
        AppendResult appended = log.append(builder);
        if (fsync) {
            log.flush();
        }
        return appended.sizeBytes();
    }

    @Override
    public void forceAll() throws IOException {
        log.flush();
    }

    /** Walks each read's records (checking each batch's CRC, as a consumer does) without allocating per record. */
    private final RecordCursor cursor = new RecordCursor();

    /**
     * Reads the log front to back through {@code Log.readMapped(offset, maxBytes)} (views of the
     * segment file's mapped pages: no copy) and visits every record's
     * key and value with a {@link RecordCursor}, by their positions in the cursor's buffer (no view
     * re-pointed per record; {@code key()} and {@code value()} views cost about 10% at 100 B): their
     * lengths and first bytes go into the tally's sink, so the work cannot be dropped.
     */
    @Override
    public void readAll(Tally tally) throws IOException {
        long offset = log.logStartOffset();
        long sink = 0;
        while (true) {
            ReadResult result = log.readMapped(offset, READ_BYTES_MAX); // a larger first batch comes whole
            ByteBuffer bytes = result.batches();
            if (!bytes.hasRemaining()) {
                tally.sink += sink;
                return;
            }
            RecordCursor records = result.cursor(cursor);
            long visited = 0;
            while (records.next()) { // positions in the cursor's buffer, as the Chronicle subject reads its own
                ByteBuffer buffer = records.buffer();
                sink += records.keyLength() + records.valueLength() + buffer.get(records.keyPosition())
                        + buffer.get(records.valuePosition());
                visited++;
            }
            tally.records += visited;
            tally.bytes += bytes.remaining();
            offset = records.nextOffset(); // after the last batch walked: no second pass over the headers
        }
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
