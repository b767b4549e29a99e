package dev.spool.log.real;

import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Record values a checker can recompute without trusting whoever wrote them: the first 20 bytes
 * name the value (run, writer, sequence number, length) and the rest are pseudo-random bytes drawn
 * from a seed and that name. A value read back either regenerates exactly, or it was never written.
 */
final class Payloads {
    static final int NAME_BYTES = 20;

    private Payloads() {
    }

    /** The value written as {@code (run, writer, sequence)}: its length, 20 to about 4 KiB, comes from the name too. */
    static byte[] value(long seed, int run, int writer, long sequence) {
        SplittableRandom random = new SplittableRandom(seed ^ (run * 0x9E3779B97F4A7C15L) ^ (writer * 0xC2B2AE3D27D4EB4FL)
                ^ (sequence * 0x165667B19E3779F9L));
        int length = NAME_BYTES + random.nextInt(4096);
        byte[] value = new byte[length];
        ByteBuffer.wrap(value).putInt(run).putInt(writer).putLong(sequence).putInt(length);
        for (int i = NAME_BYTES; i < length; i++) {
            value[i] = (byte) random.nextInt(256);
        }
        return value;
    }

    /** A value of the given length whose bytes derive from {@code seed} and {@code index} (for the disk-full tests). */
    static byte[] filler(long seed, long index, int length) {
        SplittableRandom random = new SplittableRandom(seed * 31 + index);
        byte[] value = new byte[length];
        for (int i = 0; i < length; i++) {
            value[i] = (byte) random.nextInt(256);
        }
        return value;
    }

    /** One batch holding {@code value} as its only record. */
    static ByteBuffer batch(byte[] value, long timestamp) {
        BatchBuilder builder = new BatchBuilder(value.length + 256);
        builder.append(timestamp, null, ByteBuffer.wrap(value), new dev.spool.log.record.Header[0]);
        ByteBuffer built = builder.build();
        return ByteBuffer.allocate(built.remaining()).put(built).flip();
    }

    /** Every record of {@code log} from its start, by offset, read and decoded as a consumer does (CRC checked). */
    static TreeMap<Long, byte[]> readAll(Log log) throws IOException {
        TreeMap<Long, byte[]> values = new TreeMap<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, 1 << 20);
            ByteBuffer batches = result.batches();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                RecordBatch.validate(batches, at, Integer.MAX_VALUE);
                for (Record record : RecordBatch.records(batches, at)) {
                    values.put(record.offset(), record.valueBytes());
                }
            }
            long next = result.nextOffset(offset);
            if (next <= offset) {
                throw new IOException("Read at offset " + offset + " of " + log.dir() + " did not advance");
            }
            offset = next;
        }
        return values;
    }
}
