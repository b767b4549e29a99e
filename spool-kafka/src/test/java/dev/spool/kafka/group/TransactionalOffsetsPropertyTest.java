package dev.spool.kafka.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random runs of plain commits, transactional commits, commit and abort markers, deleted
 * offsets, compactions and restarts, checked after every step against a model of Kafka's rules in a
 * few maps: committed offsets by group and partition; pending ones by producer; a COMMIT copies the
 * producer's pending offsets over the committed ones, an ABORT forgets them; a tombstone removes the
 * key's committed offset and every producer's pending one.
 */
class TransactionalOffsetsPropertyTest {
    private static final List<String> GROUPS = List.of("g0", "g1");
    private static final int PARTITIONS = 3;
    private static final int PRODUCERS = 3;

    @TempDir
    Path dir;
    private final ManualScheduler scheduler = new ManualScheduler();
    private ClassicGroupCoordinator coordinator;

    private record Key(String group, TopicPartition partition) {
    }

    private final Map<Key, Long> committed = new HashMap<>();
    private final Map<Long, Map<Key, Long>> pending = new HashMap<>();


    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
    }

    @Test
    void everyStepAgreesWithTheModel() throws IOException {
        for (long seed = 1; seed <= 5; seed++) {
            committed.clear();
            pending.clear();
            Path runDir = dir.resolve("run-" + seed);
            coordinator = ClassicGroupCoordinator.open(runDir, GroupCoordinatorConfig.defaults()
                    .withClock(scheduler.clock()).withCompactionRecordsMin(10), scheduler);
            Random random = new Random(seed);
            for (int step = 0; step < 150; step++) {
                String done = step(random, runDir);
                check("seed " + seed + " step " + step + " (" + done + ")");
            }
            coordinator.close();
            coordinator = null;
        }
    }

    private String step(Random random, Path runDir) throws IOException {
        Key key = new Key(GROUPS.get(random.nextInt(GROUPS.size())), new TopicPartition("t",
                random.nextInt(PARTITIONS)));
        long producerId = 500 + random.nextInt(PRODUCERS);
        long offset = random.nextInt(10_000);
        int pick = random.nextInt(100);
        if (pick < 25) {
            coordinator.commitOffsets(TestConsumer.commitRequest(key.group(), -1, "", Map.of(key.partition(), offset)),
                    (short) 9, TestConsumer.ALL_PARTITIONS).join();
            committed.put(key, offset);
            return "commit " + key + " " + offset;
        } else if (pick < 55) {
            coordinator.txnOffsetCommit(TxnOffsets.request(key.group(), producerId, Map.of(key.partition(), offset)),
                    (short) 5, TestConsumer.ALL_PARTITIONS).join();
            pending.computeIfAbsent(producerId, p -> new HashMap<>()).put(key, offset);
            return "txn commit " + producerId + " " + key + " " + offset;
        } else if (pick < 80) {
            boolean commit = random.nextBoolean();
            coordinator.completeTransaction(producerId, (short) 1, commit).join();
            Map<Key, Long> ended = pending.remove(producerId);
            if (commit && ended != null) {
                committed.putAll(ended);
            }
            return (commit ? "commit " : "abort ") + producerId;
        } else if (pick < 90) {
            coordinator.offsetStore().commit(key.group(), List.of(OffsetStore.Commit.tombstone(
                    key.partition().topic(), key.partition().partition()))).join();
            committed.remove(key);
            pending.values().forEach(offsets -> offsets.remove(key));
            pending.values().removeIf(Map::isEmpty);
            return "delete " + key;
        } else if (pick < 95) {
            coordinator.offsetStore().compact();
            return "compact";
        }
        coordinator.close();
        coordinator = ClassicGroupCoordinator.open(runDir, GroupCoordinatorConfig.defaults()
                .withClock(scheduler.clock()).withCompactionRecordsMin(10), scheduler);
        return "restart";
    }

    private void check(String where) {
        OffsetStore store = coordinator.offsetStore();
        for (String group : GROUPS) {
            for (int partition = 0; partition < PARTITIONS; partition++) {
                Key key = new Key(group, new TopicPartition("t", partition));
                assertThat(store.find(group, "t", partition).map(CommittedOffset::offset))
                        .as("committed %s at %s", key, where).isEqualTo(Optional.ofNullable(committed.get(key)));
                assertThat(store.hasPending(group, "t", partition)).as("pending %s at %s", key, where)
                        .isEqualTo(pending.values().stream().anyMatch(offsets -> offsets.containsKey(key)));
            }
        }
        Map<Long, Map<Key, Long>> actual = new HashMap<>();
        store.pendingOffsets().forEach((producerId, groups) -> groups.forEach((group, partitions) ->
                partitions.forEach((key, value) -> actual.computeIfAbsent(producerId, p -> new HashMap<>())
                        .put(new Key(group, new TopicPartition(key.topic(), key.partition())), value.offset()))));
        assertThat(actual).as("pending offsets at %s", where).isEqualTo(pending);
    }
}
