package dev.spool.log.compaction;

import dev.spool.log.CleanerSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.CompactionConfig;
import dev.spool.log.LogConfig;
import dev.spool.log.compaction.CompactionLogs.Kv;
import dev.spool.log.io.FileIO;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;

/**
 * Any sequence of appends (keys from a small set, some tombstones), rolls and cleanings, then a
 * read of the whole log, with ours and with Kafka's {@link FileRecords} over the segment files,
 * equals the model: per key the latest record below the active segment at the last cleaning,
 * plus everything after it, in offset order. Tombstones are kept (delete retention never passes).
 */
class CompactionPropertyTest {

    /** One step: an append of {@code keys} (a negative key is a tombstone of key -k-1), a roll, or a cleaning. */
    record Step(String kind, List<Integer> keys) {
        @Override
        public String toString() {
            return kind.equals("append") ? "append" + keys : kind;
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> append = Arbitraries.integers().between(-4, 3).list().ofMinSize(1).ofMaxSize(4)
                .map(keys -> new Step("append", keys));
        Arbitrary<Step> roll = Arbitraries.just(new Step("roll", List.of()));
        Arbitrary<Step> clean = Arbitraries.just(new Step("clean", List.of()));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, append), net.jqwik.api.Tuple.of(2, roll), net.jqwik.api.Tuple.of(1, clean))
                .list().ofMaxSize(40);
    }

    @Property(tries = 150)
    void readsAfterAppendsRollsAndCleaningsEqualTheModel(@ForAll("steps") List<Step> steps) throws IOException {
        Path dir = Files.createTempDirectory("compaction-property");
        try {
            run(dir, steps);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(Path dir, List<Step> steps) throws IOException {
        CleanerSettings settings = CleanerSettings.defaults();
        List<Kv> model = new ArrayList<>();
        Set<Long> removed = new HashSet<>();
        long dirty = 0;
        Path logDir = dir.resolve("t-0");
        LogConfig config = LogConfig.defaults().withSegmentBytes(400) // tombstones kept: the model keeps them
                .withCompaction(CompactionConfig.defaults().withDeleteRetentionMs(Long.MAX_VALUE));
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            for (Step step : steps) {
                switch (step.kind()) {
                    case "append" -> append(log, step.keys(), model);
                    case "roll" -> log.roll();
                    default -> {
                        long activeBase = log.segments().get(log.segmentCount() - 1).baseOffset();
                        dirty = log.clean(new Cleaner(FileIO.real(), settings), dirty).firstDirtyOffset();
                        assertThat(dirty).isEqualTo(activeBase);
                        removeSuperseded(model, activeBase, removed);
                    }
                }
            }
            List<Kv> expected = model.stream().filter(kv -> !removed.contains(kv.offset())).toList();
            assertThat(CompactionLogs.readAll(log)).isEqualTo(expected);
            log.flush();
            assertThat(readWithKafka(log, logDir)).isEqualTo(expected);
        }
    }

    private static void append(Log log, List<Integer> keys, List<Kv> model) throws IOException {
        String[] keyValues = new String[keys.size() * 2];
        for (int i = 0; i < keys.size(); i++) {
            int key = keys.get(i);
            keyValues[2 * i] = "k" + (key < 0 ? -key - 1 : key);
            keyValues[2 * i + 1] = key < 0 ? null : "v" + (model.size() + i);
        }
        long base = CompactionLogs.append(log, 1000L, keyValues);
        for (int i = 0; i < keys.size(); i++) {
            model.add(new Kv(base + i, keyValues[2 * i], keyValues[2 * i + 1]));
        }
    }

    /** The model of a cleaning: below the active base only each key's latest record stays. */
    private static void removeSuperseded(List<Kv> model, long activeBase, Set<Long> removed) {
        Map<String, Long> latest = new HashMap<>();
        for (Kv kv : model) {
            if (kv.offset() < activeBase) {
                latest.put(kv.key(), kv.offset());
            }
        }
        for (Kv kv : model) {
            if (kv.offset() < activeBase && latest.get(kv.key()) != kv.offset()) {
                removed.add(kv.offset());
            }
        }
    }

    /**
     * Reads every segment file with Kafka's reader, each up to the size the open log published:
     * the active segment's file also holds the space allocated ahead of its writes (cut when the
     * segment is sealed), which no reader of a live file may go into.
     */
    private static List<Kv> readWithKafka(Log log, Path logDir) throws IOException {
        java.util.Map<Long, Long> published = new java.util.HashMap<>();
        for (var segment : log.segments()) {
            published.put(segment.baseOffset(), segment.sizeBytes());
        }
        List<Kv> out = new ArrayList<>();
        List<Path> logs;
        try (Stream<Path> files = Files.list(logDir)) {
            logs = files.filter(p -> p.toString().endsWith(SegmentFiles.LOG_SUFFIX)).sorted().toList();
        }
        long expectedBase = 0;
        for (Path path : logs) {
            long base = SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.LOG_SUFFIX)
                    .getAsLong();
            try (FileRecords file = FileRecords.open(path.toFile(), false)) {
                FileRecords records = file.slice(0, Math.toIntExact(published.get(base)));
                for (FileChannelRecordBatch batch : records.batches()) {
                    batch.ensureValid();
                    assertThat(batch.baseOffset()).as("batches are contiguous").isEqualTo(expectedBase);
                    for (org.apache.kafka.common.record.internal.Record record : batch) {
                        out.add(new Kv(record.offset(), text(record.key()), text(record.value())));
                    }
                    expectedBase = batch.nextOffset();
                }
            }
        }
        return out;
    }

    private static String text(ByteBuffer buffer) {
        return buffer == null ? null : StandardCharsets.UTF_8.decode(buffer).toString();
    }
}
