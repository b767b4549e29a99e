package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CompressionType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's own segment dumper ({@code kafka-dump-log}, {@code org.apache.kafka.tools.DumpLogSegments}
 * of Kafka 4.4, run in a child JVM as its script runs it) reads the segments of a log Spool's
 * cleaner has compacted: every batch valid, exactly the surviving records (offsets, keys, values,
 * tombstones), the offset index consistent with the data, both indexes sane, and no complaint but
 * the offset jumps compaction makes by design. (The time index check is disabled; see
 * {@link #timeIndexesMatchTheCleanedData}.)
 *
 * <p>The log is built with the embedded API over several segments: batches with and without a
 * producer id, gzip-compressed and not, tombstones, and keys written again after their tombstone,
 * then cleaned with {@link LogManager#cleanNow}. Seeded, so each run writes the same log.
 */
class DumpLogSegmentsTest {
    private static final String DUMP = "org.apache.kafka.tools.DumpLogSegments";
    private static final String TOPIC = "changelog";
    private static final int KEYS = 30;
    private static final int ROUNDS = 6;
    private static final long SEED = 20261205L;

    /** Kept after the run, as the servers' directories are, for a failure's post-mortem. */
    private static final Path DATA_DIR = Paths.get("target", "compat", "dump-log-segments").toAbsolutePath();
    /** The cleaned partition's segment files, in offset order. */
    private static List<Path> logFiles;
    /** What the cleaned log must hold: the latest record of every key, by offset (a null value: a tombstone). */
    private static final TreeMap<Long, String[]> SURVIVORS = new TreeMap<>();

    /** One record as the dump prints it: offset, key and value (null for a tombstone). */
    private record Dumped(long offset, String key, String value) {
    }

    @BeforeAll
    static void writeAndClean() throws IOException {
        // Small segments and a dense index: the cleaned log spans several segments, each with index entries.
        LogConfig logConfig = LogConfig.defaults().withSegmentBytes(4096).withIndexIntervalBytes(128);
        LogManagerConfig config = LogManagerConfig.defaults().withLogConfig(logConfig).withoutBackgroundTasks();
        TopicConfig compacted = TopicConfig.defaults(logConfig)
                .withOverride(TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT)
                .withOverride(TopicSetting.MIN_CLEANABLE_DIRTY_RATIO, 10_000);
        Map<String, Long> latest = new LinkedHashMap<>();
        Map<String, String> latestValue = new LinkedHashMap<>();
        Servers.deleteRecursively(DATA_DIR);
        try (LogManager manager = LogManager.open(DATA_DIR, config)) {
            manager.createTopic(TOPIC, 1, compacted);
            Log log = manager.log(TOPIC, 0);
            Random random = new Random(SEED);
            int sequence = 0;
            for (int round = 0; round < ROUNDS; round++) {
                for (int batch = 0; batch < 6; batch++) {
                    BatchBuilder builder = new BatchBuilder(1 << 16);
                    boolean idempotent = batch % 2 == 0;
                    if (idempotent) {
                        builder.producer(7L, (short) 0, sequence);
                    }
                    if (batch % 3 == 1) {
                        builder.compression(CompressionType.GZIP);
                    }
                    List<String[]> records = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        String key = "k" + random.nextInt(KEYS);
                        boolean tombstone = random.nextInt(8) == 0;
                        String value = tombstone ? null : key + "-r" + round + "-" + random.nextInt(1000);
                        builder.append(System.currentTimeMillis(), utf8(key), value == null ? null : utf8(value), null);
                        records.add(new String[] {key, value});
                    }
                    if (idempotent) {
                        sequence += records.size();
                    }
                    long base = append(log, builder);
                    for (int i = 0; i < records.size(); i++) {
                        latest.put(records.get(i)[0], base + i);
                        latestValue.put(records.get(i)[0], records.get(i)[1]);
                    }
                }
                log.roll();
            }
            assertThat(manager.cleanNow(TOPIC)).as("records removed").isPositive();
            try (Stream<Path> files = Files.list(log.dir())) {
                logFiles = files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList();
            }
        }
        latest.forEach((key, offset) -> SURVIVORS.put(offset, new String[] {key, latestValue.get(key)}));
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static long append(Log log, BatchBuilder builder) throws IOException {
        ByteBuffer built = builder.build();
        return log.append(ByteBuffer.allocate(built.remaining()).put(built).flip()).firstOffset();
    }

    private static Proc.Result dump(String... args) throws Exception {
        Proc.Result result = Proc.run(Proc.java(DUMP, args));
        assertThat(result.exit()).as(result.output()).isZero();
        return result;
    }

    private static String files(String extension) {
        return String.join(",", logFiles.stream().map(f -> f.toString().replaceAll("\\.log$", extension)).toList());
    }

    /** The record lines of a deep dump: {@code | offset: N … key: K payload: V}, no payload for a tombstone. */
    private static final Pattern RECORD = Pattern.compile(
            "\\| offset: (\\d+) .*?keySize: (-?\\d+) valueSize: (-?\\d+) .*? key: (\\S+)(?: payload: (.*))?");

    @Test
    void deepIterationListsExactlyTheSurvivingRecordsInValidBatches() throws Exception {
        assertThat(logFiles).as("cleaned segments").hasSizeGreaterThan(1);
        Proc.Result out = dump("--deep-iteration", "--print-data-log", "--files", files(".log"));
        List<Dumped> dumped = new ArrayList<>();
        int batches = 0;
        for (String line : out.output().split("\n")) {
            if (line.startsWith("baseOffset: ")) {
                batches++;
                assertThat(line).as("batch header\n" + out.output()).contains("isvalid: true");
            }
            Matcher m = RECORD.matcher(line);
            if (m.matches()) {
                boolean tombstone = m.group(3).equals("-1");
                assertThat(tombstone).as("a value of size -1 prints no payload: " + line).isEqualTo(m.group(5) == null);
                dumped.add(new Dumped(Long.parseLong(m.group(1)), m.group(4), tombstone ? null : m.group(5)));
            }
        }
        List<Dumped> expected = SURVIVORS.entrySet().stream()
                .map(e -> new Dumped(e.getKey(), e.getValue()[0], e.getValue()[1])).toList();
        assertThat(batches).as("batches dumped").isPositive();
        assertThat(dumped).as("records in the cleaned segments\n" + out.output()).isEqualTo(expected);
        assertThat(complaints(out)).as("anything the dump reports besides compaction's offset jumps")
                .isEmpty();
        assertThat(offsetJumps(out)).as("offset jumps the dump reports, per segment").isEqualTo(expectedJumps());
    }

    @Test
    void offsetIndexesMatchTheCleanedDataAndBothIndexesPassTheSanityCheck() throws Exception {
        Proc.Result offsets = dump("--files", files(".index"));
        assertThat(offsets.output()).as("offset index entries").contains("offset: ");
        assertThat(complaints(offsets)).as(offsets.output()).isEmpty();
        Proc.Result sanity = dump("--index-sanity-check", "--files", files(".index") + "," + files(".timeindex"));
        for (Path log : logFiles) {
            String name = log.getFileName().toString().replaceAll("\\.log$", "");
            boolean empty = Files.size(log.resolveSibling(name + ".index")) == 0; // the new active segment's
            assertThat(sanity.output()).as(sanity.output())
                    .contains(name + (empty ? ".index is empty." : ".index passed sanity check."))
                    .contains(name + ".timeindex passed sanity check.");
        }
        assertThat(complaints(sanity)).as(sanity.output()).isEmpty();
    }

    /**
     * The dumper checks each time index entry against the batch holding its offset: the largest
     * timestamp of that batch's records must be the entry's. Spool's cleaner keeps an emptied
     * producer batch's header (its max timestamp included) and may index that timestamp at the
     * batch's last offset; the dumper then finds no record there and reports
     * "Found timestamp mismatch … Index timestamp: T, log timestamp: -1".
     */
    @Test
    void timeIndexesMatchTheCleanedData() throws Exception {
        Proc.Result times = dump("--files", files(".timeindex"));
        assertThat(times.output()).as("time index entries").contains("timestamp: ");
        assertThat(complaints(times)).as(times.output()).isEmpty();
    }

    /** The dump's lines that report a problem, but for the offset jumps ({@link #offsetJumps}). */
    private static List<String> complaints(Proc.Result out) {
        List<String> found = new ArrayList<>();
        for (String line : out.output().split("\n")) {
            String l = line.toLowerCase();
            if (l.contains("mismatch") || l.contains("corrupt") || l.contains("invalid") || l.contains("not found")
                    || l.contains("exception") || l.contains("error") || l.contains("isvalid: false")
                    || l.contains("trailing") || l.contains("does not match")) {
                found.add(line);
            }
        }
        return found;
    }

    /**
     * The "Non-consecutive offsets in FILE" section: per segment file name, each reported pair
     * {@code A is followed by B} as {@code A->B}.
     */
    private static Map<String, List<String>> offsetJumps(Proc.Result out) {
        Map<String, List<String>> jumps = new TreeMap<>();
        List<String> current = null;
        for (String line : out.output().split("\n")) {
            if (line.startsWith("Non-consecutive offsets in ")) {
                String file = Path.of(line.substring("Non-consecutive offsets in ".length()).strip()).getFileName()
                        .toString();
                current = jumps.computeIfAbsent(file, f -> new ArrayList<>());
            } else if (current != null && line.matches("\\s+-?\\d+ is followed by \\d+")) {
                String[] parts = line.strip().split(" is followed by ");
                current.add(parts[0] + "->" + parts[1]);
            } else {
                current = null;
            }
        }
        jumps.values().forEach(list -> list.sort(null));
        return jumps;
    }

    /**
     * The jumps Kafka's dumper reports on a compacted segment: it counts from -1 in each file, so a
     * segment whose first record is not offset 0 starts with one, and each removed run makes one.
     */
    private static Map<String, List<String>> expectedJumps() {
        Map<String, List<String>> jumps = new TreeMap<>();
        for (int i = 0; i < logFiles.size(); i++) {
            long base = Long.parseLong(logFiles.get(i).getFileName().toString().replaceAll("\\.log$", ""));
            long next = i + 1 < logFiles.size()
                    ? Long.parseLong(logFiles.get(i + 1).getFileName().toString().replaceAll("\\.log$", ""))
                    : Long.MAX_VALUE;
            List<String> pairs = new ArrayList<>();
            long last = -1;
            for (long offset : SURVIVORS.subMap(base, next).keySet()) {
                if (offset != last + 1) {
                    pairs.add(last + "->" + offset);
                }
                last = offset;
            }
            if (!pairs.isEmpty()) {
                pairs.sort(null);
                jumps.put(logFiles.get(i).getFileName().toString(), pairs);
            }
        }
        return jumps;
    }
}
