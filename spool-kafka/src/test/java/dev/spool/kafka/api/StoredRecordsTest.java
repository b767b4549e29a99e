package dev.spool.kafka.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.protocol.FileRecordsSlice;
import dev.spool.log.FileSlice;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Fetch bounded by an offset (a {@code read_committed} fetch's last stable offset) returns only
 * the leading whole batches below it, whether it sends them from the file or copies them.
 */
class StoredRecordsTest {
    @TempDir
    Path dir;

    /**
     * The bytes of the unbounded slice's leading batches whose last offset is below {@code endOffset}, and the
     * offset after them ({@code endOffset} when none, the log end when the bound is at or past it): read whole
     * from the file and walked here.
     */
    private static long[] leadingBelow(Log log, long offset, int maxBytes, long endOffset) throws IOException {
        FileSlice slice = log.readSlice(offset, maxBytes).slice().orElseThrow();
        if (endOffset >= log.logEndOffset()) {
            return new long[] {slice.sizeBytes(), log.logEndOffset()};
        }
        ByteBuffer bytes = ByteBuffer.allocate(slice.sizeBytes());
        while (bytes.hasRemaining()) {
            slice.file().read(bytes, slice.position() + bytes.position());
        }
        bytes.flip();
        int at = 0;
        long next = endOffset;
        while (at < bytes.limit() && RecordBatch.lastOffset(bytes, at) < endOffset) {
            next = RecordBatch.lastOffset(bytes, at) + 1;
            at += RecordBatch.sizeInBytes(bytes, at);
        }
        return new long[] {at, next};
    }

    @Test
    void aBoundedZeroCopyReadEndsAtTheLastWholeBatchBelowTheBound() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            for (int i = 0; i < 600; i++) { // batches of one to three records
                BatchBuilder builder = new BatchBuilder(4096);
                for (int r = 0; r <= i % 3; r++) {
                    builder.tryAppend(1000 + i, null, ("value-" + i + "-" + r).getBytes(StandardCharsets.UTF_8));
                }
                log.append(builder.build());
            }
            long logEnd = log.logEndOffset();
            for (long offset : new long[] {0, 5, 500}) {
                for (long endOffset : new long[] {offset, offset + 1, offset + 2, 700, logEnd - 1, logEnd}) {
                    for (int maxBytes : new int[] {1, 4096, 1 << 20}) {
                        String what = "from " + offset + " below " + endOffset + ", at most " + maxBytes;
                        long[] expected = leadingBelow(log, offset, maxBytes, endOffset);
                        StoredRecords.Read sent = StoredRecords.zeroCopy().read(log, offset, maxBytes, endOffset);
                        assertThat(sent.records().sizeInBytes()).as(what).isEqualTo((int) expected[0]);
                        assertThat(sent.upperBoundOffset()).as(what).isEqualTo(expected[1]);
                        if (sent.records() instanceof FileRecordsSlice slice) {
                            slice.releaseIfUnsent(); // as a dropped response does
                        }
                        StoredRecords.Read copied = StoredRecords.copying().read(log, offset, maxBytes, endOffset);
                        ByteBuffer batches = ((MemoryRecords) copied.records()).buffer();
                        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                            assertThat(RecordBatch.lastOffset(batches, at)).as(what).isLessThan(endOffset);
                        }
                    }
                }
            }
            StoredRecords.Read most = StoredRecords.zeroCopy().read(log, 0, 1 << 20, 700);
            assertThat(most.upperBoundOffset()).isBetween(698L, 700L); // the last whole batch below 700
            assertThat(most.records().sizeInBytes()).isGreaterThan(300 * 61);
        }
    }
}
