package dev.spool.bench;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each batch codec on realistic events: one operation encodes (and compresses) or decodes (and
 * decompresses) a batch of 100 JSON-like events of about 1 KiB. {@code :plainBytes} counts the
 * uncompressed record bytes per second (the rate that matters to a producer), and
 * {@code :storedBytes} the bytes the batch takes on disk, so stored ÷ plain is the ratio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
public class CompressionBenchmark {
    private static final int EVENTS = 100;

    @Param({"NONE", "GZIP", "SNAPPY", "LZ4", "ZSTD"})
    public CompressionType codec;

    private byte[][] events;
    private BatchBuilder builder;
    private ByteBuffer encoded;
    private int plainBytes;

    /** Per-iteration counters: uncompressed and stored bytes processed. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long plainBytes;
        public long storedBytes;

        @Setup(Level.Iteration)
        public void clear() {
            plainBytes = 0;
            storedBytes = 0;
        }
    }

    /** About 1 KiB of JSON with the repetition real events have: field names, enums, similar values. */
    static byte[][] events(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] kinds = {"page_view", "add_to_cart", "checkout", "search", "login"};
        String[] browsers = {"firefox", "chrome", "safari", "edge"};
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            StringBuilder json = new StringBuilder(1100);
            json.append("{\"id\":\"").append(Long.toHexString(random.nextLong()))
                    .append(Long.toHexString(random.nextLong()))
                    .append("\",\"type\":\"").append(kinds[random.nextInt(kinds.length)])
                    .append("\",\"user\":\"user-").append(random.nextInt(100_000))
                    .append("\",\"session\":\"").append(Long.toHexString(random.nextLong()))
                    .append("\",\"ts\":").append(1_763_000_000_000L + random.nextInt(1_000_000))
                    .append(",\"url\":\"https://shop.example.com/products/").append(random.nextInt(5000))
                    .append("?ref=campaign-").append(random.nextInt(40))
                    .append("\",\"agent\":{\"browser\":\"").append(browsers[random.nextInt(browsers.length)])
                    .append("\",\"version\":\"").append(random.nextInt(130)).append('.').append(random.nextInt(10))
                    .append("\",\"os\":\"linux\"},\"items\":[");
            while (json.length() < 960) {
                json.append("{\"sku\":\"SKU-").append(random.nextInt(20_000)).append("\",\"qty\":")
                        .append(1 + random.nextInt(4)).append(",\"price\":").append(random.nextInt(20_000) / 100.0)
                        .append("},");
            }
            json.setLength(json.length() - 1);
            json.append("]}");
            out[i] = json.toString().getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    @Setup(Level.Trial)
    public void setUp() {
        events = events(EVENTS, BenchData.SEED);
        builder = new BatchBuilder(BenchData.BATCH_BYTES_MAX).compression(codec);
        encoded = encode();
        BatchBuilder plain = new BatchBuilder(BenchData.BATCH_BYTES_MAX);
        for (byte[] event : events) {
            plain.tryAppend(1_763_000_000_000L, null, event);
        }
        plainBytes = plain.build().remaining();
    }

    private ByteBuffer encode() {
        builder.reset();
        for (byte[] event : events) {
            builder.tryAppend(1_763_000_000_000L, null, event);
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        return copy;
    }

    @Benchmark
    public int compress(Bytes bytes) {
        builder.reset();
        for (byte[] event : events) {
            builder.tryAppend(1_763_000_000_000L, null, event);
        }
        int stored = builder.build().remaining();
        bytes.plainBytes += plainBytes;
        bytes.storedBytes += stored;
        return stored;
    }

    @Benchmark
    public List<Record> decompress(Bytes bytes) throws IOException {
        List<Record> records = RecordBatch.records(encoded, 0);
        bytes.plainBytes += plainBytes;
        bytes.storedBytes += encoded.remaining();
        return records;
    }
}
