package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.model.Batches;
import dev.spool.log.model.LogHarness;
import dev.spool.log.model.RecordSpec;
import dev.spool.log.record.Record;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The log manager against a map of topic to per-partition end offsets: random creations,
 * deletions (also of topics that do not exist, and creations of ones that do), produces to random
 * partitions, flushes and reopens. After every action {@code topics()} and {@code describeTopic}
 * match the model, the data directory holds exactly one directory per live partition and nothing
 * but the lock, marker and checkpoint files besides, and after a reopen every record reads back.
 */
class LogManagerPropertyTest {
    private static final List<String> NAMES = List.of("orders", "a", "a.b", "a_b", "x-1");
    private static final Set<String> ALLOWED_FILES = Set.of(DataDirFiles.LOCK_FILE, DataDirFiles.CLEAN_SHUTDOWN_FILE,
            DataDirFiles.RECOVERY_POINT_CHECKPOINT, DataDirFiles.LOG_START_CHECKPOINT);

    sealed interface Action {
    }

    record Create(int name, int partitions) implements Action {
    }

    record Delete(int name) implements Action {
    }

    record Produce(int name, int partition, int records) implements Action {
    }

    record Flush() implements Action {
    }

    record Reopen() implements Action {
    }

    @Property(tries = 60)
    void managerAgreesWithModel(@ForAll("actions") List<Action> actions) throws IOException {
        Path dataDir = Files.createTempDirectory("spool-manager-");
        LogManagerConfig config = LogManagerConfig.defaults().withoutBackgroundTasks()
                .withLogConfig(LogConfig.defaults().withSegmentBytes(400).withIndexIntervalBytes(64));
        TreeMap<String, List<Long>> model = new TreeMap<>();
        LogManager manager = LogManager.open(dataDir, config);
        try {
            for (Action action : actions) {
                manager = apply(manager, action, model, dataDir, config);
                check(manager, model, dataDir);
            }
        } finally {
            manager.close();
            LogHarness.deleteRecursively(dataDir);
        }
    }

    private static LogManager apply(LogManager manager, Action action, TreeMap<String, List<Long>> model, Path dataDir,
                                    LogManagerConfig config) throws IOException {
        if (action instanceof Create create) {
            String name = NAMES.get(create.name());
            if (model.containsKey(name)) {
                assertThatThrownBy(() -> manager.createTopic(name, create.partitions()))
                        .isInstanceOf(TopicExistsException.class);
            } else {
                manager.createTopic(name, create.partitions());
                List<Long> ends = new ArrayList<>();
                for (int p = 0; p < create.partitions(); p++) {
                    ends.add(0L);
                }
                model.put(name, ends);
            }
        } else if (action instanceof Delete delete) {
            String name = NAMES.get(delete.name());
            if (model.containsKey(name)) {
                manager.deleteTopic(name);
                model.remove(name);
            } else {
                assertThatThrownBy(() -> manager.deleteTopic(name)).isInstanceOf(UnknownTopicException.class);
            }
        } else if (action instanceof Produce produce) {
            String name = NAMES.get(produce.name());
            List<Long> ends = model.get(name);
            if (ends == null) {
                assertThatThrownBy(() -> manager.log(name, 0)).isInstanceOf(UnknownTopicException.class);
                return manager;
            }
            int partition = Math.floorMod(produce.partition(), ends.size());
            long first = ends.get(partition);
            List<RecordSpec> records = new ArrayList<>();
            for (long o = first; o < first + produce.records(); o++) {
                records.add(RecordSpec.ofValue(o, valueFor(name, partition, o)));
            }
            AppendResult result = manager.log(name, partition).append(Batches.encodeOne(records));
            assertThat(result.firstOffset()).isEqualTo(first);
            ends.set(partition, first + produce.records());
        } else if (action instanceof Flush) {
            manager.flush();
        } else if (action instanceof Reopen) {
            manager.close();
            assertThat(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)).exists();
            LogManager reopened = LogManager.open(dataDir, config);
            assertThat(reopened.openedClean()).isTrue();
            assertThat(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)).doesNotExist();
            readBackEverything(reopened, model);
            return reopened;
        }
        return manager;
    }

    private static String valueFor(String topic, int partition, long offset) {
        return topic + "/" + partition + "/" + offset;
    }

    private static void check(LogManager manager, TreeMap<String, List<Long>> model, Path dataDir) throws IOException {
        assertThat(manager.topics()).containsExactlyElementsOf(model.keySet());
        for (String name : NAMES) {
            List<Long> ends = model.get(name);
            if (ends == null) {
                assertThat(manager.describeTopic(name)).isEmpty();
                assertThat(manager.topicExists(name)).isFalse();
                continue;
            }
            TopicDescription description = manager.describeTopic(name).orElseThrow();
            assertThat(description.partitions()).hasSize(ends.size());
            for (int p = 0; p < ends.size(); p++) {
                TopicDescription.PartitionDescription partition = description.partitions().get(p);
                assertThat(partition.partition()).isEqualTo(p);
                assertThat(partition.logStartOffset()).isZero();
                assertThat(partition.logEndOffset()).as("%s-%d end", name, p).isEqualTo(ends.get(p));
                assertThat(partition.sizeBytes() > 0).isEqualTo(ends.get(p) > 0);
                assertThat(partition.segmentCount()).isPositive();
            }
            assertThat(description.recordCount()).isEqualTo(ends.stream().mapToLong(Long::longValue).sum());
        }
        Set<String> expectedDirs = new TreeSet<>();
        model.forEach((name, ends) -> {
            for (int p = 0; p < ends.size(); p++) {
                expectedDirs.add(new TopicPartition(name, p).dirName());
            }
        });
        Set<String> dirs;
        Set<String> files;
        try (Stream<Path> list = Files.list(dataDir)) {
            List<Path> entries = list.collect(Collectors.toList());
            dirs = entries.stream().filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
            files = entries.stream().filter(p -> !Files.isDirectory(p)).map(p -> p.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(dirs).as("partition directories").isEqualTo(expectedDirs);
        assertThat(ALLOWED_FILES).as("files in the data directory").containsAll(files);
    }

    private static void readBackEverything(LogManager manager, TreeMap<String, List<Long>> model) throws IOException {
        for (var topic : model.entrySet()) {
            for (int p = 0; p < topic.getValue().size(); p++) {
                Log log = manager.log(topic.getKey(), p);
                long offset = 0;
                while (offset < topic.getValue().get(p)) {
                    for (Batches.ReadBatch batch : Batches.decode(log.read(offset, 1000).batches())) {
                        for (Record record : batch.records()) {
                            assertThat(record.offset()).isEqualTo(offset);
                            assertThat(new String(record.valueBytes(), StandardCharsets.UTF_8))
                                    .isEqualTo(valueFor(topic.getKey(), p, offset));
                            offset++;
                        }
                    }
                }
            }
        }
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Integer> name = Arbitraries.integers().between(0, NAMES.size() - 1);
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                Tuple.of(3, Combinators.combine(name, Arbitraries.integers().between(1, 3)).as(Create::new)),
                Tuple.of(2, name.map(Delete::new)),
                Tuple.of(6, Combinators.combine(name, Arbitraries.integers().between(0, 5),
                        Arbitraries.integers().between(1, 6)).as(Produce::new)),
                Tuple.of(1, Arbitraries.just(new Flush())),
                Tuple.of(2, Arbitraries.just(new Reopen())));
        return action.list().ofMaxSize(30);
    }
}
