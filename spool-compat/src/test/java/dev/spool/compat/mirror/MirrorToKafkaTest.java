package dev.spool.compat.mirror;

import static dev.spool.compat.mirror.MirrorSteps.admin;
import static dev.spool.compat.mirror.MirrorSteps.await;
import static dev.spool.compat.mirror.MirrorSteps.awaitEnds;
import static dev.spool.compat.mirror.MirrorSteps.awaitTailSyncs;
import static dev.spool.compat.mirror.MirrorSteps.awaitTranslated;
import static dev.spool.compat.mirror.MirrorSteps.consumeAndCommit;
import static dev.spool.compat.mirror.MirrorSteps.consumeToEnd;
import static dev.spool.compat.mirror.MirrorSteps.endOffsets;
import static dev.spool.compat.mirror.MirrorSteps.ends;
import static dev.spool.compat.mirror.MirrorSteps.paced;
import static dev.spool.compat.mirror.MirrorSteps.producer;
import static dev.spool.compat.mirror.MirrorSteps.readAll;
import static dev.spool.compat.mirror.MirrorSteps.topicConfig;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.compat.Servers;
import dev.spool.compat.connect.ConnectWorker;
import dev.spool.compat.mirror.MirrorRecords.Copy;
import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MirrorMaker 2 moves a live Spool deployment into an Apache Kafka cluster, and a Kafka topic into
 * Spool: {@code spool serve} and a real Kafka 4.4 broker, MirrorMaker 2's three connectors on a
 * Connect worker in this JVM (see {@link ReplicationFlow} for why not its driver), with MirrorMaker 2's
 * defaults except what one single-node cluster on each side needs (replication factors of 1) and
 * intervals of a second instead of a minute or ten.
 *
 * <p>The migration, as an operator runs it: the mirror runs while producers write to Spool; a consumer
 * group reads on Spool, processes each partition up to a point near its tail ({@link #STOPPED_SHORT}),
 * commits there and stops; once MirrorMaker 2 has written the group's translated offsets into Kafka,
 * the group starts on Kafka on the mirrored topic (the default replication policy names it
 * {@code spool.events}), while producers, still on Spool, write more. The group must see every record,
 * and see twice only the records between its translated offset and its committed one (see
 * {@link #assertTranslated} for where MirrorMaker 2 may send a group back to). Every record must
 * arrive on Kafka with key, value, headers and timestamp intact, at its source offset, and the topic's
 * configuration must follow it, at creation and when changed. The second test runs the same steps the
 * other way, smaller, with the group at the tail.
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
     * How many records short of each partition's tail the group stops on Spool: at the tail (translated
     * exactly, from the tail's own sync), 37 and 90 short of it (translated from an older sync, so the
     * group reads some records twice).
     */
    private static final long[] STOPPED_SHORT = {0, 37, 90};

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
            try (ConnectWorker worker = ReplicationFlow.startWorker(kafka, "mirror-spool-kafka");
                 KafkaProducer<byte[], byte[]> producer = producer(spool)) {
                ReplicationFlow mirror = new ReplicationFlow(worker, "spool", spool, "kafka", kafka, TOPIC, GROUP);
                mirror.createAll();

                Map<Integer, Copy> written = new TreeMap<>(MirrorRecords.produce(producer, TOPIC, PARTITIONS,
                        random, timestampBase, 0, FIRST_RECORDS));
                Map<Integer, Long> firstEnds = ends(written);
                awaitEnds(kafkaAdmin, remote, firstEnds, mirror);
                Map<Integer, Map<Long, Long>> syncs = awaitTailSyncs(spool, TOPIC, firstEnds, mirror);

                Map<Integer, Long> committed = new TreeMap<>();
                firstEnds.forEach((p, end) -> committed.put(p, end - STOPPED_SHORT[p]));
                List<Copy> onSpool = consumeAndCommit(spool, GROUP, TOPIC, firstEnds, committed);
                Map<Integer, Long> atTail = new TreeMap<>(committed);
                atTail.keySet().removeIf(p -> STOPPED_SHORT[p] != 0);
                Map<Integer, Long> translated = awaitTranslated(kafkaAdmin, GROUP, remote, PARTITIONS, atTail, mirror);
                assertTranslated(translated, committed, endOffsets(kafkaAdmin, remote), syncs);

                written.putAll(MirrorRecords.produce(producer, TOPIC, PARTITIONS, random, timestampBase,
                        FIRST_RECORDS, SECOND_RECORDS));
                Map<Integer, Long> ends = ends(written);
                Map<Integer, Long> startedAt = new TreeMap<>();
                List<Copy> onKafka = consumeToEnd(kafka, GROUP, remote, ends, startedAt, mirror);

                assertThat(readAll(kafka, remote, ends)).as("every record of %s copied to Kafka's %s", TOPIC, remote)
                        .containsExactlyInAnyOrderElementsOf(written.values());
                assertThat(countsAndChecksums(remote, kafka)).as("spool topics checksum of the copy on Kafka")
                        .isEqualTo(countsAndChecksums(TOPIC, spool));
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

    /**
     * The way back, smaller: a Kafka topic's records, config and consumer group move into Spool. Here
     * Spool is the target: the worker's topics, the copies, MirrorMaker 2's checkpoints and heartbeats,
     * and the translated offsets it writes into the group, all live on Spool.
     */
    @Test
    void kafkaTopicRecordsConfigsAndGroupOffsetsMoveToSpool() throws Exception {
        String spool = servers.spoolTarget.bootstrap();
        String kafka = servers.kafkaTarget.bootstrap();
        String topic = "orders";
        String remote = "kafka." + topic;
        String group = "shipping";
        Random random = new Random(SEED + 1);
        long timestampBase = System.currentTimeMillis() - 60_000;
        try (Admin spoolAdmin = admin(spool); Admin kafkaAdmin = admin(kafka)) {
            kafkaAdmin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, RETENTION_MS)))).all().get(30, TimeUnit.SECONDS);
            try (ConnectWorker worker = ReplicationFlow.startWorker(spool, "mirror-kafka-spool");
                 KafkaProducer<byte[], byte[]> producer = producer(kafka)) {
                ReplicationFlow mirror = new ReplicationFlow(worker, "kafka", kafka, "spool", spool, topic, group);
                mirror.createAll();
                Map<Integer, Copy> written = new TreeMap<>(MirrorRecords.produce(producer, topic, 2, random,
                        timestampBase, 0, 400));
                Map<Integer, Long> firstEnds = ends(written);
                awaitEnds(spoolAdmin, remote, firstEnds, mirror);
                Map<Integer, Map<Long, Long>> syncs = awaitTailSyncs(kafka, topic, firstEnds, mirror);

                List<Copy> onKafka = consumeAndCommit(kafka, group, topic, firstEnds, firstEnds);
                Map<Integer, Long> translated = awaitTranslated(spoolAdmin, group, remote, 2, firstEnds, mirror);
                assertTranslated(translated, firstEnds, endOffsets(spoolAdmin, remote), syncs);

                written.putAll(MirrorRecords.produce(producer, topic, 2, random, timestampBase, 400, 100));
                Map<Integer, Long> ends = ends(written);
                Map<Integer, Long> startedAt = new TreeMap<>();
                List<Copy> onSpool = consumeToEnd(spool, group, remote, ends, startedAt, mirror);

                assertThat(readAll(spool, remote, ends)).as("every record of Kafka's %s copied to Spool's %s", topic,
                        remote).containsExactlyInAnyOrderElementsOf(written.values());
                int duplicates = assertGroupAcrossSwitch(written, onKafka, onSpool, firstEnds, translated, startedAt);
                assertThat(topicConfig(spoolAdmin, remote, TopicConfig.RETENTION_MS_CONFIG))
                        .as("retention.ms of %s on Spool, %s on Kafka", remote, topic).isEqualTo(RETENTION_MS);
                System.out.printf("MirrorToKafkaTest: %d records mirrored Kafka -> Spool; group %s processed %d on "
                                + "Kafka, %d on Spool, %d duplicates (committed %s, translated %s, resumed at %s)%n",
                        written.size(), group, onKafka.size(), onSpool.size(), duplicates, firstEnds, translated,
                        startedAt);
            }
        }
    }

    /**
     * A config changed on the live Spool topic reaches the copy: MirrorMaker 2 describes the source
     * topic's configs and sends the target an IncrementalAlterConfigs, SET for each one set on the source
     * and DELETE for each at its default, every {@code sync.topic.configs.interval.seconds}.
     */
    /**
     * What {@code spool topics checksum TOPIC --bootstrap-server SERVER} prints, less the topic's
     * name and the offsets: per partition the record count and the checksum of keys and values,
     * and the topic's checksum.
     */
    private static List<String> countsAndChecksums(String topic, String server) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = dev.spool.cli.SpoolCommand.execute(new String[] {"topics", "checksum", topic, "--bootstrap-server",
                server}, java.io.InputStream.nullInputStream(), new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        assertThat(code).as("spool topics checksum %s on %s: %s", topic, server, err).isZero();
        List<String> lines = out.toString().lines().toList();
        List<String> figures = new java.util.ArrayList<>();
        figures.add(lines.get(0).replace("topic " + topic + ":", "topic:"));
        lines.stream().skip(2).map(line -> line.split("\\s+")).forEach(f -> figures.add(f[0] + " " + f[3] + " " + f[4]));
        return figures;
    }

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

    /**
     * Each partition's translated offset is where one of MirrorMaker 2's offset syncs at or below the
     * committed offset puts it (the sync's downstream offset, plus one when the group is past the sync),
     * never past the committed offset or the target's end. (That a group which committed at the
     * source's end is translated exactly to the target's end, from the tail's own sync, is what
     * {@link MirrorSteps#awaitTranslated} waits for: it fails when that does not come.)
     *
     * <p>Which sync is used is MirrorMaker 2's choice, not the newest one below the committed offset:
     * Kafka's OffsetSyncStore keeps a few syncs, spaced wider the further they lie behind the newest, and
     * keeps only the newest of those it read before it started. A group that stopped 37 records short of
     * the tail has been sent back to offset 1 (syncs at 0, about every 100 records and at the tail),
     * so only the bounds above hold in every run.
     */
    private static void assertTranslated(Map<Integer, Long> translated, Map<Integer, Long> committed,
                                         Map<Integer, Long> targetEnds, Map<Integer, Map<Long, Long>> syncs) {
        for (int p = 0; p < committed.size(); p++) {
            long offset = translated.get(p);
            long at = committed.get(p);
            Set<Long> possible = new TreeSet<>();
            syncs.getOrDefault(p, Map.of()).forEach((upstream, downstream) -> {
                if (upstream <= at) {
                    possible.add(downstream + (upstream == at ? 0 : 1));
                }
            });
            String what = String.format("translated offset of partition %d (committed on the source %d, the target's "
                    + "end %d, syncs %s)", p, at, targetEnds.get(p), syncs.get(p));
            assertThat(offset).as(what).isLessThanOrEqualTo(Math.min(at, targetEnds.get(p))).isIn(possible);
        }
    }

    /**
     * Across the switch the group read every record written; those it read on both clusters are exactly
     * the records from where it resumed on the target up to where it had committed on the source; it
     * read nothing twice on the same cluster. Returns the number
     * of duplicates.
     */
    private static int assertGroupAcrossSwitch(Map<Integer, Copy> written, List<Copy> onSource, List<Copy> onTarget,
                                               Map<Integer, Long> committed, Map<Integer, Long> translated,
                                               Map<Integer, Long> startedAt) {
        Map<Integer, Copy> sourceById = byId(onSource, "on the source");
        Map<Integer, Copy> targetById = byId(onTarget, "on the target");
        for (Copy copy : onSource) {
            assertThat(copy).as("record %d read by the group on the source", copy.id()).isEqualTo(written.get(copy.id()));
        }
        for (Copy copy : onTarget) {
            assertThat(copy).as("record %d read by the group on the target", copy.id()).isEqualTo(written.get(copy.id()));
        }
        Set<Integer> seen = new HashSet<>(sourceById.keySet());
        seen.addAll(targetById.keySet());
        assertThat(seen).as("ids the group read on either cluster").isEqualTo(written.keySet());

        Set<Integer> duplicates = new HashSet<>(sourceById.keySet());
        duplicates.retainAll(targetById.keySet());
        Set<Integer> expected = new HashSet<>();
        for (int p = 0; p < committed.size(); p++) {
            long resumed = startedAt.get(p);
            assertThat(resumed).as("offset where the group resumed partition %d on the target (translated %d)", p,
                    translated.get(p)).isBetween(translated.get(p), committed.get(p));
            for (Copy copy : written.values()) {
                if (copy.partition() == p && copy.offset() >= resumed && copy.offset() < committed.get(p)) {
                    expected.add(copy.id());
                }
            }
        }
        assertThat(duplicates).as("records the group read on both clusters").isEqualTo(expected);
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
}
