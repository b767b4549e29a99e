package dev.spool.compat.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.compat.Servers;
import dev.spool.compat.mirror.MirrorRecords.Copy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.connect.mirror.OffsetSync;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MirrorMaker 2 moves a live Spool deployment into an Apache Kafka cluster, and copies a Kafka topic
 * into Spool: {@code spool serve} and a real Kafka 4.4 broker, MirrorMaker 2's three connectors on a
 * Connect worker in this JVM (see {@link MirrorWorker} for why not its driver), with MirrorMaker 2's
 * defaults except what one single-node cluster on each side needs (replication factors of 1) and
 * intervals of a second instead of a minute or ten.
 *
 * <p>The migration, as an operator runs it: the mirror runs while producers write to Spool; a consumer
 * group reads on Spool, processes each partition up to a point near its tail ({@link #STOPPED_SHORT}),
 * commits there and stops; once MirrorMaker 2 has written
 * the group's translated offsets into Kafka, the group starts on Kafka on the mirrored topic (the
 * default replication policy names it {@code spool.events}), while producers, still on Spool, write
 * more. The group must see every record, and see twice only the records between its translated offset
 * and its committed one, which MirrorMaker 2 bounds by {@code offset.lag.max} (see
 * {@link #OFFSET_LAG_MAX}). Every record must arrive on Kafka with key, value, headers and timestamp
 * intact, at its source offset, and the topic's configuration must follow it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a backstop; every wait below has its own deadline
class MirrorToKafkaTest {
    private static final long SEED = 0x5B001_2AFCAL;
    private static final String TOPIC = "events";
    private static final int PARTITIONS = 3;
    private static final int FIRST_RECORDS = 1_800;
    private static final int SECOND_RECORDS = 1_200;
    private static final String GROUP = "billing";
    private static final String RETENTION_MS = "123456789";
    private static final String CHANGED_RETENTION_MS = "98765432";
    /**
     * MirrorMaker 2's default {@code offset.lag.max}: MirrorSourceTask publishes an offset sync for a
     * partition at the latest when the copy has advanced this many records past the previous sync, and
     * the newest copied record's at each offset commit. A committed offset is translated from the newest
     * sync at or below it (Kafka's OffsetSyncStore keeps every sync this close to the newest one), plus
     * one; a group that stopped less than this many records short of the newest sync is therefore sent
     * back at most this many records: the duplicates it reads after the switch.
     */
    private static final long OFFSET_LAG_MAX = 100;
    /**
     * How many records short of each partition's tail the group stops on Spool: at the tail (translated
     * exactly, from the tail's own sync), 37 and 90 short of it (translated from the regular syncs, one
     * every 101 records, 57 and 4 records back: with 600 records a partition, the sync at offset 505).
     */
    private static final long[] STOPPED_SHORT = {0, 37, 90};
    private static final long WAIT_MS = 60_000;
    private static final Duration POLL = Duration.ofMillis(200);

    private static Servers servers;

    @BeforeAll
    static void startServers() throws Exception {
        // Connect ends the process when its herder fails (through kafka-clients' internal Exit, the hook
        // Kafka's own tests use); here that fails the test instead.
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka Connect tried to exit with " + code + ": " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka Connect tried to halt with " + code + ": " + message);
        });
        servers = Servers.start("mirror");
    }

    @AfterAll
    static void stopServers() throws IOException {
        Exit.resetExitProcedure();
        Exit.resetHaltProcedure();
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void spoolTopicRecordsConfigsAndGroupOffsetsMoveToKafka() throws Exception {
        long started = System.nanoTime();
        String spool = servers.spoolTarget.bootstrap();
        String kafka = servers.kafkaTarget.bootstrap();
        String remote = "spool." + TOPIC;
        Random random = new Random(SEED);
        long timestampBase = System.currentTimeMillis() - 60_000;
        try (Admin spoolAdmin = admin(spool); Admin kafkaAdmin = admin(kafka)) {
            spoolAdmin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1)
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, RETENTION_MS)))).all().get(30, TimeUnit.SECONDS);
            try (MirrorWorker worker = MirrorWorker.start(kafka, "mirror-spool-kafka");
                 KafkaProducer<byte[], byte[]> producer = producer(spool)) {
                ReplicationFlow mirror = new ReplicationFlow(worker, "spool", spool, "kafka", kafka, TOPIC, GROUP);
                mirror.createAll();

                Map<Integer, Copy> written = new TreeMap<>(MirrorRecords.produce(producer, TOPIC, PARTITIONS,
                        random, timestampBase, 0, FIRST_RECORDS));
                Map<Integer, Long> firstEnds = ends(written);
                awaitEnds(kafkaAdmin, remote, firstEnds, mirror);
                awaitTailSyncs(spool, firstEnds, mirror);

                Map<Integer, Long> committed = new TreeMap<>();
                firstEnds.forEach((p, end) -> committed.put(p, end - STOPPED_SHORT[p]));
                List<Copy> onSpool = consumeAndCommit(spool, TOPIC, firstEnds, committed);
                Map<Integer, Long> translated = awaitTranslated(kafkaAdmin, remote, mirror);
                assertTranslated(translated, committed, endOffsets(kafkaAdmin, remote));

                written.putAll(MirrorRecords.produce(producer, TOPIC, PARTITIONS, random, timestampBase,
                        FIRST_RECORDS, SECOND_RECORDS));
                Map<Integer, Long> ends = ends(written);
                Map<Integer, Long> startedAt = new TreeMap<>();
                List<Copy> onKafka = consumeToEnd(kafka, remote, ends, startedAt, mirror);

                assertThat(readAll(kafka, remote, ends)).as("every record of %s copied to Kafka's %s", TOPIC, remote)
                        .containsExactlyInAnyOrderElementsOf(written.values());
                int duplicates = assertGroupAcrossSwitch(written, onSpool, onKafka, committed, translated, startedAt);
                assertThat(topicConfig(kafkaAdmin, remote, TopicConfig.RETENTION_MS_CONFIG))
                        .as("retention.ms of %s on Kafka, %s on Spool", remote, TOPIC).isEqualTo(RETENTION_MS);
                assertConfigChangeFollows(spoolAdmin, kafkaAdmin, remote, mirror);
                System.out.printf("MirrorToKafkaTest: %d records mirrored Spool -> Kafka; group %s processed %d on Spool, "
                                + "%d on Kafka, %d duplicates (committed %s, translated %s, resumed at %s); %d ms%n",
                        written.size(), GROUP, onSpool.size(), onKafka.size(), duplicates, committed, translated,
                        startedAt, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            }
        }
    }

    @Test
    void kafkaTopicMirrorsIntoSpool() throws Exception {
        String spool = servers.spoolTarget.bootstrap();
        String kafka = servers.kafkaTarget.bootstrap();
        String topic = "orders";
        String remote = "kafka." + topic;
        try (Admin spoolAdmin = admin(spool); Admin kafkaAdmin = admin(kafka)) {
            kafkaAdmin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, RETENTION_MS)))).all().get(30, TimeUnit.SECONDS);
            try (MirrorWorker worker = MirrorWorker.start(spool, "mirror-kafka-spool");
                 KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                ReplicationFlow mirror = new ReplicationFlow(worker, "kafka", kafka, "spool", spool, topic, GROUP);
                mirror.createSource();
                Map<Integer, Copy> written = MirrorRecords.produce(producer, topic, 2, new Random(SEED + 1),
                        System.currentTimeMillis() - 60_000, 0, 400);
                Map<Integer, Long> ends = ends(written);
                awaitEnds(spoolAdmin, remote, ends, mirror);
                assertThat(readAll(spool, remote, ends)).as("every record of Kafka's %s copied to Spool's %s", topic,
                        remote).containsExactlyInAnyOrderElementsOf(written.values());
                assertThat(topicConfig(spoolAdmin, remote, TopicConfig.RETENTION_MS_CONFIG))
                        .as("retention.ms of %s on Spool, %s on Kafka", remote, topic).isEqualTo(RETENTION_MS);
            }
        }
    }

    /**
     * A config changed on the live Spool topic reaches the copy: MirrorMaker 2 describes the source
     * topic's configs and sends the target an IncrementalAlterConfigs, SET for each one set on the source
     * and DELETE for each at its default, every {@code sync.topic.configs.interval.seconds}.
     */
    private static void assertConfigChangeFollows(Admin spoolAdmin, Admin kafkaAdmin, String remote, ReplicationFlow mirror)
            throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        spoolAdmin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, CHANGED_RETENTION_MS), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
        await(paced(() -> CHANGED_RETENTION_MS.equals(topicConfig(kafkaAdmin, remote,
                        TopicConfig.RETENTION_MS_CONFIG))),
                () -> "retention.ms=" + CHANGED_RETENTION_MS + " set on Spool's " + TOPIC + " to reach Kafka's " + remote,
                mirror);
    }

    /** The end offset of each partition after the records written: one past the highest offset. */
    private static Map<Integer, Long> ends(Map<Integer, Copy> written) {
        Map<Integer, Long> ends = new TreeMap<>();
        for (Copy copy : written.values()) {
            ends.merge(copy.partition(), copy.offset() + 1, Math::max);
        }
        return ends;
    }

    /** Waits until the mirrored topic's end offsets equal the source's: every record written is copied. */
    private static void awaitEnds(Admin admin, String topic, Map<Integer, Long> ends, ReplicationFlow mirror) throws Exception {
        await(paced(() -> endOffsetsIfCreated(admin, topic).equals(ends)),
                () -> topic + " copied to end offsets " + ends + "; it has " + safeEndOffsets(admin, topic), mirror);
    }

    /**
     * Waits until MirrorMaker 2 has published, for each partition, the offset sync of its last record
     * (it does at its first offset commit after copying it), so the group's offsets committed next are
     * translated from it rather than from an older sync.
     */
    private static void awaitTailSyncs(String sourceBootstrap, Map<Integer, Long> ends, ReplicationFlow mirror)
            throws Exception {
        TopicPartition syncs = new TopicPartition(mirror.offsetSyncsTopic(), 0);
        Map<Integer, Long> newest = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(sourceBootstrap, null, "earliest")) {
            consumer.assign(List.of(syncs));
            await(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    OffsetSync sync = OffsetSync.deserializeRecord(record);
                    if (sync.topicPartition().topic().equals(TOPIC)) {
                        newest.merge(sync.topicPartition().partition(), sync.upstreamOffset(), Math::max);
                    }
                }
                return ends.entrySet().stream().allMatch(e -> newest.getOrDefault(e.getKey(), -1L) == e.getValue() - 1);
            }, () -> "offset syncs of each partition's last record (offsets " + ends + " minus one) in "
                    + syncs + "; newest upstream offsets synced: " + newest, mirror);
        }
    }

    /**
     * The group reads on Spool up to {@code ends}, processes the records below {@code committed}, commits
     * those offsets and leaves, as a consumer stopped in the middle of its polled records does; returns
     * the records it processed.
     */
    private static List<Copy> consumeAndCommit(String bootstrap, String topic, Map<Integer, Long> ends,
                                               Map<Integer, Long> committed) throws Exception {
        List<Copy> processed = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, GROUP, "earliest")) {
            consumer.subscribe(List.of(topic));
            await(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (record.offset() < committed.get(record.partition())) {
                        processed.add(MirrorRecords.copyOf(record));
                    }
                }
                return reached(consumer, topic, ends);
            }, () -> "group " + GROUP + " on " + topic + " reading to " + ends + "; processed " + processed.size(),
                    null);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            committed.forEach((p, offset) -> offsets.put(new TopicPartition(topic, p), new OffsetAndMetadata(offset)));
            consumer.commitSync(offsets, Duration.ofSeconds(30));
        }
        return processed;
    }

    /** Waits until MirrorMaker 2 has committed offsets for the group on every partition of the mirrored topic. */
    private static Map<Integer, Long> awaitTranslated(Admin admin, String topic, ReplicationFlow mirror) throws Exception {
        Map<Integer, Long> translated = new TreeMap<>();
        await(paced(() -> {
            translated.clear();
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            offsets.forEach((partition, offset) -> {
                if (partition.topic().equals(topic) && offset != null) {
                    translated.put(partition.partition(), offset.offset());
                }
            });
            return translated.size() == PARTITIONS;
        }), () -> "group " + GROUP + "'s offsets on " + topic + " in Kafka; so far " + translated, mirror);
        return translated;
    }

    private static void assertTranslated(Map<Integer, Long> translated, Map<Integer, Long> committed,
                                         Map<Integer, Long> targetEnds) {
        for (int p = 0; p < PARTITIONS; p++) {
            long offset = translated.get(p);
            assertThat(offset).as("translated offset of partition %d (committed on Spool %d, Kafka's end %d)", p,
                    committed.get(p), targetEnds.get(p))
                    .isBetween(Math.max(0, committed.get(p) - OFFSET_LAG_MAX), Math.min(committed.get(p),
                            targetEnds.get(p)));
        }
    }

    /**
     * The group starts on Kafka from its translated offsets (no reset: {@code auto.offset.reset=none})
     * and reads to {@code ends}; {@code startedAt} receives each partition's first offset read.
     */
    private static List<Copy> consumeToEnd(String bootstrap, String topic, Map<Integer, Long> ends,
                                           Map<Integer, Long> startedAt, ReplicationFlow mirror) throws Exception {
        List<Copy> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, GROUP, "none")) {
            consumer.subscribe(List.of(topic));
            await(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    startedAt.putIfAbsent(record.partition(), record.offset());
                    read.add(MirrorRecords.copyOf(record));
                }
                return reached(consumer, topic, ends);
            }, () -> "group " + GROUP + " on Kafka's " + topic + " reading to " + ends + "; read " + read.size(), mirror);
            consumer.commitSync(Duration.ofSeconds(30));
        }
        return read;
    }

    /**
     * Across the switch the group read every record written; those it read on both sides are exactly
     * the records from where it resumed on Kafka up to where it had committed on Spool, at most
     * {@link #OFFSET_LAG_MAX} a partition; it read nothing twice on the same side. Returns the number of
     * duplicates.
     */
    private static int assertGroupAcrossSwitch(Map<Integer, Copy> written, List<Copy> onSpool, List<Copy> onKafka,
                                               Map<Integer, Long> committed, Map<Integer, Long> translated,
                                               Map<Integer, Long> startedAt) {
        Map<Integer, Copy> spoolById = byId(onSpool, "on Spool");
        Map<Integer, Copy> kafkaById = byId(onKafka, "on Kafka");
        for (Copy copy : onKafka) {
            assertThat(copy).as("record %d read by the group on Kafka", copy.id()).isEqualTo(written.get(copy.id()));
        }
        for (Copy copy : onSpool) {
            assertThat(copy).as("record %d read by the group on Spool", copy.id()).isEqualTo(written.get(copy.id()));
        }
        Set<Integer> seen = new HashSet<>(spoolById.keySet());
        seen.addAll(kafkaById.keySet());
        assertThat(seen).as("ids the group read on Spool or Kafka").isEqualTo(written.keySet());

        Set<Integer> duplicates = new HashSet<>(spoolById.keySet());
        duplicates.retainAll(kafkaById.keySet());
        Set<Integer> expected = new HashSet<>();
        for (int p = 0; p < PARTITIONS; p++) {
            long resumed = startedAt.get(p);
            assertThat(resumed).as("offset where the group resumed partition %d on Kafka (translated %d)", p,
                    translated.get(p)).isBetween(translated.get(p), committed.get(p));
            for (Copy copy : written.values()) {
                if (copy.partition() == p && copy.offset() >= resumed && copy.offset() < committed.get(p)) {
                    expected.add(copy.id());
                }
            }
        }
        assertThat(duplicates).as("records the group read on both sides").isEqualTo(expected);
        return duplicates.size();
    }

    private static Map<Integer, Copy> byId(List<Copy> copies, String where) {
        Map<Integer, Copy> byId = new HashMap<>();
        for (Copy copy : copies) {
            Copy earlier = byId.put(copy.id(), copy);
            assertThat(earlier).as("record %d read twice by the group %s", copy.id(), where).isNull();
        }
        return byId;
    }

    /** Every record of {@code topic} up to {@code ends}, read without a group. */
    private static List<Copy> readAll(String bootstrap, String topic, Map<Integer, Long> ends) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        ends.keySet().forEach(p -> partitions.add(new TopicPartition(topic, p)));
        List<Copy> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, null, "earliest")) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await(() -> {
                consumer.poll(POLL).forEach(record -> read.add(MirrorRecords.copyOf(record)));
                return reached(consumer, topic, ends);
            }, () -> topic + " read to " + ends + "; read " + read.size(), null);
        }
        return read;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, String topic, Map<Integer, Long> ends) {
        for (Map.Entry<Integer, Long> end : ends.entrySet()) {
            TopicPartition partition = new TopicPartition(topic, end.getKey());
            if (!consumer.assignment().contains(partition) || consumer.position(partition) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static Map<Integer, Long> endOffsets(Admin admin, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic).partitions().size();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<Integer, Long> ends = new TreeMap<>();
        admin.listOffsets(request).all().get(30, TimeUnit.SECONDS)
                .forEach((partition, info) -> ends.put(partition.partition(), info.offset()));
        return ends;
    }

    /** The topic's end offsets, or none while MirrorMaker 2 has not created it yet. */
    private static Map<Integer, Long> endOffsetsIfCreated(Admin admin, String topic) throws Exception {
        try {
            return endOffsets(admin, topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return Map.of();
            }
            throw e;
        }
    }

    private static String safeEndOffsets(Admin admin, String topic) {
        try {
            return endOffsets(admin, topic).toString();
        } catch (Exception e) {
            return "no end offsets (" + e + ")";
        }
    }

    private static String topicConfig(Admin admin, String topic, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get(name).value();
    }

    /** A condition polled until it holds; a consumer's poll blocks, so such a condition paces itself. */
    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} until it holds; fails at the deadline with what was awaited and the connectors' state. */
    private static void await(Condition condition, Supplier<String> what, ReplicationFlow mirror) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("after " + WAIT_MS + " ms, still waiting for " + what.get()
                        + (mirror == null ? "" : "; connectors: " + mirror.statuses()));
            }
        }
    }

    /** An admin-call condition: such calls answer at once, so the poll paces itself. */
    private static Condition paced(Condition condition) {
        return () -> {
            if (condition.holds()) {
                return true;
            }
            Thread.sleep(POLL.toMillis()); // polling another cluster's state; there is nothing to block on
            return false;
        };
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String group, String reset) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        if (group != null) {
            config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
