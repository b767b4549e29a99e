package dev.spool.log.segment;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.Random;

/** Batches of seeded random values for the segment package's tests. */
final class RandomBatches {
    private static final int BATCH_BYTES_MAX = 1 << 20;

    private RandomBatches() {
    }

    /** One batch of {@code records} records of {@code valueBytes} bytes from {@code random}, based at {@code base}. */
    static byte[] batch(Random random, long base, long timestamp, int records, int valueBytes) {
        BatchBuilder builder = new BatchBuilder(BATCH_BYTES_MAX);
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            random.nextBytes(value);
            builder.tryAppend(timestamp + i, null, value);
        }
        ByteBuffer built = builder.build();
        byte[] bytes = new byte[built.remaining()];
        built.get(bytes);
        RecordBatch.setBaseOffset(ByteBuffer.wrap(bytes), 0, base); // outside the CRC, as in Kafka
        return bytes;
    }
}
