package dev.spool.log.golden;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.KafkaInterop;
import dev.spool.log.record.KafkaInterop.Hdr;
import dev.spool.log.record.KafkaInterop.Producer;
import dev.spool.log.record.KafkaInterop.Rec;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The content of the golden files of format version 1 and the code that writes them. Everything
 * is fixed (timestamps, producer fields, the clock the log sees), so writing twice gives the same
 * bytes; {@link GoldenFilesTest} checks both that the committed files read back exactly and that
 * the current code still writes them byte for byte.
 *
 * <p>To regenerate after a deliberate format change (then bump the version directory instead of
 * overwriting v1 if old files must stay readable), from the repository root:
 * <pre>mvn -B -pl spool-core test -Dtest=GoldenFilesTest -Dspool.golden.regenerate=true</pre>
 * and commit the binary files. Maven does not remove resources from {@code target/test-classes}
 * that are gone from the source tree: if file names changed, delete {@code target} before the
 * next run.
 */
public final class GoldenLog {
    /** Where the committed files live, relative to the spool-core module (Maven's working directory for tests). */
    public static final Path SOURCE_DIR = Path.of("src", "test", "resources", "golden", "v1");
    public static final String TOPIC_DIR = "topic-0";
    public static final String SINGLE_BATCH_FILE = "batch-single.bin";
    public static final long SINGLE_BATCH_BASE_OFFSET = 42L;

    /** The log's wall clock while writing: fixed, so no roll happens by age. */
    public static final long CLOCK_MS = 1_700_000_100_000L;
    public static final long T0 = 1_700_000_000_000L;

    /** Small segments and index interval, so that 12 batches make 3 segments with index entries. */
    public static final LogConfig CONFIG = LogConfig.defaults().withSegmentBytes(600).withIndexIntervalBytes(100)
            .withHashChain(false); // format v1 predates the chain's sidecars

    public static final int BATCH_COUNT = 12;

    private GoldenLog() {
    }

    /** The records of batch {@code i}: 1 to 3 records mixing null/empty keys and values and headers. */
    public static List<Rec> batch(int i) {
        List<Rec> records = new ArrayList<>();
        int count = 1 + i % 3;
        for (int j = 0; j < count; j++) {
            long timestamp = i == 7 ? T0 + 7_000 - 500L * j : T0 + 1_000L * i + j; // batch 7 goes backwards
            String key = (i + j) % 4 == 0 ? null : "key-" + i + "-" + j;
            String value = (i + j) % 5 == 0 ? null : (i + j) % 5 == 1 ? "" : "value " + i + "." + j;
            List<Hdr> headers = switch ((i + j) % 3) {
                case 0 -> List.of();
                case 1 -> List.of(new Hdr("trace", ("t" + i + j).getBytes(StandardCharsets.UTF_8)));
                default -> List.of(new Hdr("κλειδί-🔑", null), new Hdr("empty", new byte[0]));
            };
            records.add(new Rec(timestamp, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers));
        }
        return records;
    }

    /** Batch 4 comes from an idempotent producer, batch 9 from a transactional one. */
    public static Producer producer(int i) {
        return switch (i) {
            case 4 -> new Producer(1001L, (short) 2, 10, false);
            case 9 -> new Producer(2002L, (short) 5, 0, true);
            default -> Producer.NONE;
        };
    }

    /** Every record of the log in order, with the offsets the log assigns. */
    public static List<KafkaInterop.Seen> expectedRecords() {
        List<KafkaInterop.Seen> out = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < BATCH_COUNT; i++) {
            List<Rec> batch = batch(i);
            out.addAll(KafkaInterop.expected(batch, offset));
            offset += batch.size();
        }
        return out;
    }

    public static List<Rec> singleBatch() {
        return List.of(
                Rec.of(T0, "key", "value", new Hdr("trace-id", "abc".getBytes(StandardCharsets.UTF_8)),
                        new Hdr("no-value", null)),
                Rec.of(T0 - 10, null, "null key, earlier timestamp"),
                Rec.of(T0 + 10, "tombstone", null),
                Rec.of(T0 + 5, "empty value", "", new Hdr("日本語", new byte[] {0, -1})));
    }

    public static Producer singleBatchProducer() {
        return new Producer(123_456_789L, (short) 7, 1_000, true);
    }

    /** Writes the golden log into {@code dir}/topic-0 and the single batch into {@code dir}. */
    public static void writeAll(Path dir) throws IOException {
        Path topic = dir.resolve(TOPIC_DIR);
        try (Log log = Log.open(FileIO.real(), topic, CONFIG, LoadState.unknown(), () -> CLOCK_MS)) {
            for (int i = 0; i < BATCH_COUNT; i++) {
                log.append(KafkaInterop.encodeOurs(batch(i), producer(i), 0L));
            }
        }
        ByteBuffer single = KafkaInterop.encodeOurs(singleBatch(), singleBatchProducer(), SINGLE_BATCH_BASE_OFFSET);
        if (RecordBatch.baseOffset(single, 0) != SINGLE_BATCH_BASE_OFFSET) {
            throw new IllegalStateException("base offset not stamped");
        }
        byte[] bytes = new byte[single.remaining()];
        single.get(bytes);
        Files.write(dir.resolve(SINGLE_BATCH_FILE), bytes);
    }

    /** Regenerates the committed files: deletes what is in {@code target}, then writes it afresh. */
    public static void main(String[] args) throws IOException {
        Path target = args.length > 0 ? Path.of(args[0]) : SOURCE_DIR;
        regenerate(target);
    }

    static void regenerate(Path target) throws IOException {
        if (Files.exists(target)) {
            try (var files = Files.walk(target)) {
                List<Path> existing = files.filter(Files::isRegularFile).toList();
                for (Path path : existing) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(target);
        writeAll(target);
        System.out.println("Wrote the golden files to " + target.toAbsolutePath());
    }
}
