package dev.spool.compat.mirror;

import dev.spool.compat.mirror.MirrorRecords.Copy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.mirror.OffsetSync;

/**
 * The steps of a mirror test on either cluster, each bounded by a deadline: waiting for MirrorMaker 2
 * to copy records, publish offset syncs and write translated group offsets; a consumer group reading
 * and committing; reading a topic whole. A wait that runs out fails with what it waited for and the
 * connectors' states. Stateless.
 */
final class MirrorSteps {
    private static final long WAIT_MS = 60_000;
    private static final Duration POLL = Duration.ofMillis(200);

    private MirrorSteps() {
    }

    /** The end offset of each partition after the records written: one past the highest offset. */
    static Map<Integer, Long> ends(Map<Integer, Copy> written) {
        Map<Integer, Long> ends = new TreeMap<>();
        for (Copy copy : written.values()) {
            ends.merge(copy.partition(), copy.offset() + 1, Math::max);
        }
        return ends;
    }

    /** Waits until the mirrored topic's end offsets equal the source's: every record written is copied. */
    static void awaitEnds(Admin admin, String topic, Map<Integer, Long> ends, ReplicationFlow mirror) throws Exception {
        await(paced(() -> endOffsetsIfCreated(admin, topic).equals(ends)),
                () -> topic + " copied to end offsets " + ends + "; it has " + safeEndOffsets(admin, topic), mirror);
    }

    /**
     * Waits until MirrorMaker 2 has published, for each partition, the offset sync of its last record
     * (it does at its first offset commit after copying it), so a group at the tail is translated from
     * it rather than from an older sync; returns every sync of {@code topic} published so far, per
     * partition, upstream offset to downstream offset.
     */
    static Map<Integer, Map<Long, Long>> awaitTailSyncs(String sourceBootstrap, String topic, Map<Integer, Long> ends,
                                                        ReplicationFlow mirror) throws Exception {
        TopicPartition syncs = new TopicPartition(mirror.offsetSyncsTopic(), 0);
        Map<Integer, Map<Long, Long>> published = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(sourceBootstrap, null, "earliest")) {
            consumer.assign(List.of(syncs));
            await(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    OffsetSync sync = OffsetSync.deserializeRecord(record);
                    if (sync.topicPartition().topic().equals(topic)) {
                        published.computeIfAbsent(sync.topicPartition().partition(), p -> new TreeMap<>())
                                .put(sync.upstreamOffset(), sync.downstreamOffset());
                    }
                }
                return ends.entrySet().stream().allMatch(e -> published.getOrDefault(e.getKey(), Map.of())
                        .containsKey(e.getValue() - 1));
            }, () -> "offset syncs of each partition's last record (offsets " + ends + " minus one) in "
                    + syncs + "; upstream offsets synced: " + published, mirror);
        }
        return published;
    }

    /**
     * The group reads {@code topic} up to {@code ends}, processes the records below {@code committed},
     * commits those offsets and leaves, as a consumer stopped in the middle of its polled records does;
     * returns the records it processed.
     */
    static List<Copy> consumeAndCommit(String bootstrap, String group, String topic, Map<Integer, Long> ends,
                                       Map<Integer, Long> committed) throws Exception {
        List<Copy> processed = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, group, "earliest")) {
            consumer.subscribe(List.of(topic));
            await(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (record.offset() < committed.get(record.partition())) {
                        processed.add(MirrorRecords.copyOf(record));
                    }
                }
                return reached(consumer, topic, ends);
            }, () -> "group " + group + " on " + topic + " reading to " + ends + "; processed " + processed.size(),
                    null);
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            committed.forEach((p, offset) -> offsets.put(new TopicPartition(topic, p), new OffsetAndMetadata(offset)));
            consumer.commitSync(offsets, Duration.ofSeconds(30));
        }
        return processed;
    }

    /**
     * Waits until MirrorMaker 2 has committed offsets for {@code group} on each of the {@code partitions}
     * of the mirrored {@code topic} on the target, and those of the partitions in {@code atTail} (where
     * the group committed at the source's end) equal that end; returns them. A checkpoint the mirror
     * computed before it had read the tail's offset sync translates from an older sync, and the next
     * one moves the group on.
     */
    static Map<Integer, Long> awaitTranslated(Admin target, String group, String topic, int partitions,
                                              Map<Integer, Long> atTail, ReplicationFlow mirror) throws Exception {
        Map<Integer, Long> translated = new TreeMap<>();
        await(paced(() -> {
            translated.clear();
            Map<TopicPartition, OffsetAndMetadata> offsets = target.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            offsets.forEach((partition, offset) -> {
                if (partition.topic().equals(topic) && offset != null) {
                    translated.put(partition.partition(), offset.offset());
                }
            });
            return translated.size() == partitions
                    && atTail.entrySet().stream().allMatch(e -> e.getValue().equals(translated.get(e.getKey())));
        }), () -> "group " + group + "'s offsets on " + topic + " on the target, at " + atTail + " where it "
                + "committed at the tail; so far " + translated, mirror);
        return translated;
    }

    /**
     * The group starts on the target from its translated offsets (no reset: {@code auto.offset.reset=none})
     * and reads to {@code ends}; {@code startedAt} receives each partition's first offset read.
     */
    static List<Copy> consumeToEnd(String bootstrap, String group, String topic, Map<Integer, Long> ends,
                                   Map<Integer, Long> startedAt, ReplicationFlow mirror) throws Exception {
        List<Copy> read = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap, group, "none")) {
            consumer.subscribe(List.of(topic));
            await(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    startedAt.putIfAbsent(record.partition(), record.offset());
                    read.add(MirrorRecords.copyOf(record));
                }
                return reached(consumer, topic, ends);
            }, () -> "group " + group + " on " + topic + " reading to " + ends + "; read " + read.size(), mirror);
            consumer.commitSync(Duration.ofSeconds(30));
        }
        return read;
    }

    /** Every record of {@code topic} up to {@code ends}, read without a group. */
    static List<Copy> readAll(String bootstrap, String topic, Map<Integer, Long> ends) throws Exception {
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

    static Map<Integer, Long> endOffsets(Admin admin, String topic) throws Exception {
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

    static String topicConfig(Admin admin, String topic, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get(name).value();
    }

    /** A condition polled until it holds; a consumer's poll blocks, so such a condition paces itself. */
    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} until it holds; fails at the deadline with what was awaited and the connectors' state. */
    static void await(Condition condition, Supplier<String> what, ReplicationFlow mirror) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("after " + WAIT_MS + " ms, still waiting for " + what.get()
                        + (mirror == null ? "" : "; connectors: " + mirror.statuses()));
            }
        }
    }

    /** An admin-call condition: such calls answer at once, so the poll paces itself. */
    static Condition paced(Condition condition) {
        return () -> {
            if (condition.holds()) {
                return true;
            }
            Thread.sleep(POLL.toMillis()); // polling another cluster's state; there is nothing to block on
            return false;
        };
    }

    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
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
