package dev.spool.bench.compare;

import dev.spool.bench.BenchData;
import java.io.IOException;
import java.nio.file.Path;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Chronicle Queue (single queue, default daily roll cycle): one excerpt per record, holding the
 * key's then the value's bytes. Chronicle writes through a memory map, so a "batch" means nothing
 * to it: the harness writes the batch's records one excerpt each.
 *
 * <p>"fsync per batch": the queue is built with {@link SyncMode#SYNC} and {@link ExcerptAppender#sync()}
 * is called after each batch's excerpts, which {@code msync}s the mapped range just written
 * (Chronicle has no per-excerpt durability of its own). Stored bytes count Chronicle's 4-byte
 * excerpt header. The tailer reads each excerpt's key and value in place, through the map.
 */
final class ChronicleSubject implements Subject {
    private static final int EXCERPT_HEADER_BYTES = 4;

    private final Path dir;
    private final Workload workload;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;

    ChronicleSubject(Path dir, Workload workload, boolean fsync) {
        this.dir = dir;
        this.workload = workload;
        this.queue = ChronicleQueue.singleBuilder(dir).syncMode(fsync ? SyncMode.SYNC : SyncMode.NONE).build();
        this.appender = queue.createAppender();
    }

    @Override
    public long appendBatch(long timestampMs, boolean fsync) {
        int records = workload.recordsPerBatch();
        for (int i = 0; i < records; i++) {
            try (DocumentContext context = appender.writingDocument()) {
                Bytes<?> bytes = context.wire().bytes();
                bytes.write(workload.keyArray(i));
                bytes.write(workload.valueArray(i));
            }
        }
        if (fsync) {
            appender.sync();
        }
        return (long) records * (EXCERPT_HEADER_BYTES + workload.payloadBytesPerRecord());
    }

    @Override
    public void forceAll() throws IOException {
        Subjects.forceFiles(dir);
    }

    /**
     * Reads every excerpt with a tailer and visits its key (the first {@code KEY_BYTES}) and value
     * (the rest) in place, as the others visit theirs: lengths and first bytes into the sink.
     */
    @Override
    public void readAll(Tally tally) {
        long sink = 0;
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.toStart();
            while (true) {
                try (DocumentContext context = tailer.readingDocument()) {
                    if (!context.isPresent()) {
                        break;
                    }
                    Bytes<?> bytes = context.wire().bytes();
                    long start = bytes.readPosition();
                    int length = (int) bytes.readRemaining();
                    int valueBytes = length - BenchData.KEY_BYTES;
                    sink += BenchData.KEY_BYTES + valueBytes + bytes.readByte(start)
                            + bytes.readByte(start + BenchData.KEY_BYTES);
                    tally.records++;
                    tally.bytes += EXCERPT_HEADER_BYTES + length;
                }
            }
        }
        tally.sink += sink;
    }

    @Override
    public void close() {
        try {
            appender.close();
            queue.close();
        } finally {
            BenchData.deleteRecursively(dir);
        }
    }
}
