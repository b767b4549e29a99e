package dev.spool.bench.compare;

import dev.spool.bench.BenchData;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * One cell's input: {@code recordsPerBatch} records of a 16-byte key and a {@code valueBytes}
 * value, "half compressible" (half random bytes, half a repeated pattern), from the same seed and
 * generator as the JMH benchmarks ({@link BenchData}), so every system appends the same bytes.
 *
 * <p>Keys and values are held both as buffers (Spool, Kafka) and as arrays (Chronicle Queue).
 * Immutable after construction; the buffers are shared, so users take a {@code duplicate()} when
 * they move a position.
 */
public final class Workload {
    private final int valueBytes;
    private final int recordsPerBatch;
    private final ByteBuffer[] keys;
    private final ByteBuffer[] values;
    private final byte[][] keyArrays;
    private final byte[][] valueArrays;

    public Workload(int valueBytes, int recordsPerBatch) {
        if (valueBytes < 1 || recordsPerBatch < 1) {
            throw new IllegalArgumentException("Value bytes and records per batch must be positive: " + valueBytes
                    + ", " + recordsPerBatch);
        }
        this.valueBytes = valueBytes;
        this.recordsPerBatch = recordsPerBatch;
        SplittableRandom random = new SplittableRandom(BenchData.SEED);
        this.keys = BenchData.keys(recordsPerBatch, random);
        this.values = BenchData.values(recordsPerBatch, valueBytes, random);
        this.keyArrays = new byte[recordsPerBatch][];
        this.valueArrays = new byte[recordsPerBatch][];
        for (int i = 0; i < recordsPerBatch; i++) {
            keyArrays[i] = keys[i].array();
            valueArrays[i] = values[i].array();
        }
    }

    public int valueBytes() {
        return valueBytes;
    }

    public int recordsPerBatch() {
        return recordsPerBatch;
    }

    /** Key and value bytes of one record, the payload a user hands over (framing excluded). */
    public int payloadBytesPerRecord() {
        return BenchData.KEY_BYTES + valueBytes;
    }

    ByteBuffer[] keys() {
        return keys;
    }

    ByteBuffer[] values() {
        return values;
    }

    byte[] keyArray(int index) {
        return keyArrays[index];
    }

    byte[] valueArray(int index) {
        return valueArrays[index];
    }

    /** "1 KiB × 100" style label. */
    public String label() {
        String value = valueBytes % 1024 == 0 ? (valueBytes / 1024) + " KiB" : valueBytes + " B";
        return value + " × " + recordsPerBatch;
    }
}
