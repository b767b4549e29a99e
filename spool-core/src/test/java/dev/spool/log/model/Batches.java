package dev.spool.log.model;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Encodes record specs into Kafka v2 batches and decodes what a read returned. */
public final class Batches {
    private static final int BUILDER_BYTES = 1 << 16;

    private Batches() {
    }

    /** One buffer holding one batch per inner list, in order. Each batch is an independent copy. */
    public static ByteBuffer encode(List<List<RecordSpec>> batches) {
        List<ByteBuffer> built = new ArrayList<>();
        int total = 0;
        for (List<RecordSpec> records : batches) {
            ByteBuffer batch = encodeOne(records);
            built.add(batch);
            total += batch.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (ByteBuffer batch : built) {
            out.put(batch);
        }
        return out.flip();
    }

    public static ByteBuffer encodeOne(List<RecordSpec> records) {
        BatchBuilder builder = new BatchBuilder(BUILDER_BYTES);
        for (RecordSpec record : records) {
            builder.append(record.timestamp(), wrap(record.key()), wrap(record.value()),
                    record.headers().toArray(new Header[0]));
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        return copy;
    }

    private static ByteBuffer wrap(byte[] bytes) {
        return bytes == null ? null : ByteBuffer.wrap(bytes);
    }

    /** The size of each batch in a buffer produced by {@link #encode}. */
    public static List<Integer> batchSizes(ByteBuffer buffer) {
        List<Integer> sizes = new ArrayList<>();
        for (int at = buffer.position(); at < buffer.limit(); at += RecordBatch.sizeInBytes(buffer, at)) {
            sizes.add(RecordBatch.sizeInBytes(buffer, at));
        }
        return sizes;
    }

    /** One batch as a read returned it: its offsets and its decoded records. */
    public record ReadBatch(long baseOffset, long lastOffset, int sizeBytes, List<Record> records) {
    }

    /**
     * Splits a read result into batches, checking each is whole and passes its CRC and framing
     * checks; throws {@link AssertionError} naming the position otherwise.
     */
    public static List<ReadBatch> decode(ByteBuffer buffer) {
        List<ReadBatch> out = new ArrayList<>();
        int at = buffer.position();
        while (at < buffer.limit()) {
            if (buffer.limit() - at < RecordBatch.HEADER_BYTES) {
                throw new AssertionError("Read returned " + (buffer.limit() - at) + " trailing bytes at position "
                        + at + ": half a batch");
            }
            try {
                RecordBatch.validate(buffer, at, Integer.MAX_VALUE);
                RecordBatch.validateRecords(buffer, at);
                int size = RecordBatch.sizeInBytes(buffer, at);
                out.add(new ReadBatch(RecordBatch.baseOffset(buffer, at), RecordBatch.lastOffset(buffer, at), size,
                        RecordBatch.records(buffer, at)));
                at += size;
            } catch (CorruptRecordException e) {
                throw new AssertionError("Read returned a bad batch at position " + at + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
