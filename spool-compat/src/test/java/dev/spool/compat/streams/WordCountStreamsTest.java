package dev.spool.compat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kafka Streams' word count, {@code at_least_once}, gives exact counts: run against Spool's server
 * and against a real Kafka broker, the same cell on both sides.
 *
 * <p>Only the input and output topics are created here; the repartition and changelog topics are
 * created by Streams itself, as it does on any broker. The application runs until the latest count
 * per word on the output equals the counts computed here from the same seeded lines, and the count
 * store (queried interactively) agrees; then it closes cleanly, and the output read to its end must
 * still be exact (a clean close commits, so nothing is processed twice). Twice more, lines are
 * written and the application restarts with the same {@code application.id}: first over a new, empty
 * state directory, so its store must be restored from the whole changelog before the counts can come
 * out right, then over that same directory, so it restores from its checkpoint onwards; a restore
 * listener counts the changelog records read back, at least one per word counted before over the new
 * directory, fewer than that over the reused one. The changelog topic must be compacted, as Streams
 * creates it.
 *
 * <p>While each run is up, the repartition topic must also be purged: after a commit Streams deletes
 * the records it has consumed from it (DeleteRecords). That is checked last, so a server that lacks
 * it still shows whether its counts were right.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a backstop; every wait below has its own deadline
class WordCountStreamsTest {
    private static final long SEED = 0x5B001_C0FFEEL;
    private static final String APPLICATION_ID = "word-count";
    static final String INPUT = "lines";
    static final String OUTPUT = "word-counts";
    private static final int INPUT_PARTITIONS = 3;
    private static final int OUTPUT_PARTITIONS = 2;
    private static final int VOCABULARY_WORDS = 60;
    private static final int LINE_WORDS_MAX = 8;
    private static final long RUN_TIMEOUT_MS = 120_000;
    /** Streams purges every {@code repartition.purge.interval.ms} (100 ms here), right after a commit. */
    private static final long PURGE_TIMEOUT_MS = 10_000;

    /**
     * The runs, in order: each writes its lines, then runs the application until the counts of every
     * line so far are exact, then closes it. The second starts over an empty state directory (its
     * store is restored from the changelog), the third over the second's (restored from its checkpoint).
     */
    private static final List<Run> RUNS = List.of(
            new Run("first run", 1_500, "state-a", Restore.NOTHING),
            new Run("restart over a new state directory", 1_000, "state-b", Restore.WHOLE_CHANGELOG),
            new Run("restart over the previous state directory", 500, "state-b", Restore.FROM_CHECKPOINT));

    private record Run(String name, int lines, String stateDir, Restore restore) {
    }

    /** What a run must restore into its count store before it counts its own lines. */
    private enum Restore {
        /** The changelog is empty. */
        NOTHING,
        /** Every word counted so far, read back from the changelog into an empty state directory. */
        WHOLE_CHANGELOG,
        /** Less than one record per word counted so far: the store on disk and its checkpoint were reused. */
        FROM_CHECKPOINT
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(StreamsTarget.Kind.class)
    void countsAreExactAcrossCleanRestarts(StreamsTarget.Kind kind,
                                           @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Random random = new Random(SEED);
        try (StreamsTarget target = kind.start(dir.resolve("server"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(INPUT, INPUT_PARTITIONS, (short) 1),
                    new NewTopic(OUTPUT, OUTPUT_PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            awaitLeaders(admin, List.of(INPUT, OUTPUT));
            List<String> written = new ArrayList<>();
            List<String> unpurged = new ArrayList<>();
            try (LatestCounts output = new LatestCounts(target.bootstrap(), OUTPUT, OUTPUT_PARTITIONS)) {
                for (Run run : RUNS) {
                    int wordsBefore = counts(written).size();
                    List<String> lines = lines(random, run.lines());
                    produce(target.bootstrap(), lines);
                    written.addAll(lines);
                    runUntilExact(target, admin, dir.resolve(run.stateDir()), output, counts(written), run,
                            wordsBefore).ifPresent(unpurged::add);
                }
            }
            Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                    .get(30, TimeUnit.SECONDS);
            assertThat(topics).as("topics on %s", target)
                    .contains(APPLICATION_ID + "-" + WordCountApp.REPARTITION + "-repartition",
                            APPLICATION_ID + "-" + WordCountApp.STORE + "-changelog");
            String changelog = APPLICATION_ID + "-" + WordCountApp.STORE + "-changelog";
            ConfigResource changelogConfig = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
            assertThat(admin.describeConfigs(List.of(changelogConfig)).all().get(30, TimeUnit.SECONDS)
                    .get(changelogConfig).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                    .as("on %s, cleanup.policy of the changelog topic Streams created", target)
                    .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
            assertThat(unpurged).as("On %s the counts were exact in every run, but Streams' purge of its "
                    + "repartition topic (DeleteRecords up to the consumed offsets, after a commit) did not "
                    + "advance the topic's start offsets within %d ms", target, PURGE_TIMEOUT_MS).isEmpty();
        }
    }

    /**
     * Starts the application, waits until both the output and the store show {@code expected}, closes
     * it cleanly, and checks the output read to its end is still exactly {@code expected}. Before the
     * close it also waits (briefly) for Streams to purge the repartition topic it has consumed; returns
     * what it saw if that did not happen, for the caller to report once the counts are checked.
     */
    private static Optional<String> runUntilExact(StreamsTarget target, Admin admin, Path stateDir,
                                                  LatestCounts output, Map<String, Long> expected, Run run,
                                                  int wordsBefore) throws Exception {
        String phase = run.name();
        Optional<String> unpurged;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_TIMEOUT_MS);
        try (WordCountApp app = WordCountApp.start(target.bootstrap(), APPLICATION_ID, stateDir, INPUT, OUTPUT)) {
            while (!output.latest().equals(expected)) {
                checkProgress(app, target, phase, deadline, "the output's latest counts", output.latest(), expected,
                        "; " + output.records() + " output records read");
                output.poll();
            }
            Optional<Map<String, Long>> store = app.storeContents();
            while (store.isEmpty() || !store.get().equals(expected)) {
                checkProgress(app, target, phase, deadline, "the count store", store.orElse(Map.of()), expected, "");
                output.poll(); // also the wait between two queries
                store = app.storeContents();
            }
            assertRestored(app.restoredRecords(), run, wordsBefore, target);
            unpurged = awaitRepartitionPurged(admin, output, phase);
        }
        output.readToEnd(deadline);
        assertThat(output.latest())
                .as("%s, seed %d: the output read to its end after a clean close (%s)", phase, SEED,
                        difference(expected, output.latest()))
                .isEqualTo(expected);
        return unpurged;
    }

    /**
     * The store's restore was the one the run's state directory calls for. Checked once the counts are
     * exact, so every restore has ended: a task restores its store before it processes a record.
     */
    private static void assertRestored(long restored, Run run, int wordsBefore, StreamsTarget target) {
        String what = run.name() + " on " + target + ": changelog records restored into the store, with "
                + wordsBefore + " words counted before this run";
        switch (run.restore()) {
            case NOTHING -> assertThat(restored).as(what).isZero();
            case WHOLE_CHANGELOG -> assertThat(restored).as(what).isGreaterThanOrEqualTo(wordsBefore);
            case FROM_CHECKPOINT -> assertThat(restored).as(what).isLessThan(wordsBefore);
        }
    }

    /**
     * Waits until every partition of the repartition topic starts at its end: the application, all
     * input counted, deletes the records it has consumed after each commit. Empty once it has; the
     * offsets last seen if it has not within {@link #PURGE_TIMEOUT_MS}.
     */
    private static Optional<String> awaitRepartitionPurged(Admin admin, LatestCounts output, String phase)
            throws Exception {
        String topic = APPLICATION_ID + "-" + WordCountApp.REPARTITION + "-repartition";
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < INPUT_PARTITIONS; p++) {
            earliest.put(new TopicPartition(topic, p), OffsetSpec.earliest());
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PURGE_TIMEOUT_MS);
        while (true) {
            Map<TopicPartition, Long> starts = offsets(admin, earliest);
            Map<TopicPartition, Long> ends = offsets(admin, latest);
            if (starts.equals(ends)) {
                return Optional.empty();
            }
            if (System.nanoTime() - deadline > 0) {
                return Optional.of(phase + ": start offsets " + starts + ", end offsets " + ends);
            }
            output.poll(); // the wait between two looks; the output has no more records to come
        }
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, Map<TopicPartition, OffsetSpec> specs)
            throws Exception {
        Map<TopicPartition, Long> out = new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
        admin.listOffsets(specs).all().get(30, TimeUnit.SECONDS).forEach((partition, info) ->
                out.put(partition, info.offset()));
        return out;
    }

    /**
     * Fails, with what was seen so far, if the application died, the deadline passed, or a word's count
     * went past its expected final value: a word's counts only grow, on the output (one partition per
     * word, in order) as in the store, so a count above the expected one means a line counted twice.
     */
    private static void checkProgress(WordCountApp app, StreamsTarget target, String phase, long deadline,
                                      String what, Map<String, Long> seen, Map<String, Long> expected, String more) {
        boolean late = System.nanoTime() - deadline > 0;
        boolean overcounted = seen.entrySet().stream()
                .anyMatch(e -> e.getValue() > expected.getOrDefault(e.getKey(), 0L));
        if (late || overcounted || !app.alive()) {
            String why = late ? "after " + RUN_TIMEOUT_MS + " ms "
                    : overcounted ? "words were counted more often than they occur; "
                    : "Kafka Streams stopped (" + app.state() + ")" + failureSummary(app.failure()) + "; ";
            AssertionError error = new AssertionError(phase + " on " + target + ", seed " + SEED + ": " + why
                    + what + " differ from the expected counts: " + difference(expected, seen) + more
                    + "; Streams state " + app.state() + "; " + target.logHint());
            if (app.failure() != null) {
                error.initCause(app.failure());
            }
            throw error;
        }
    }

    /** The failure and its root cause in one line, for the message itself (the cause is chained too). */
    private static String failureSummary(Throwable failure) {
        if (failure == null) {
            return "";
        }
        Throwable root = failure;
        for (int depth = 0; root.getCause() != null && depth < 10; depth++) {
            root = root.getCause();
        }
        return " with " + failure + (root == failure ? "" : ", caused by " + root);
    }

    /** The words whose counts differ, as {@code word expected/seen}, at most 20, those counted too often first. */
    static String difference(Map<String, Long> expected, Map<String, Long> seen) {
        Set<String> words = new TreeSet<>(expected.keySet());
        words.addAll(seen.keySet());
        List<String> differing = new ArrayList<>();
        int overcounted = 0;
        for (String word : words) {
            Long want = expected.get(word);
            Long got = seen.get(word);
            if (got != null && (want == null || got > want)) {
                differing.add(overcounted++, word + " " + want + "/" + got); // the worse news first
            } else if (!java.util.Objects.equals(want, got)) {
                differing.add(word + " " + want + "/" + got);
            }
        }
        return differing.isEmpty() ? "none differ"
                : differing.size() + " of " + words.size() + " words differ (word expected/seen): "
                + String.join(", ", differing.subList(0, Math.min(20, differing.size())));
    }

    /** Lines of 1 to {@link #LINE_WORDS_MAX} words; low-numbered words are more frequent. */
    static List<String> lines(Random random, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int words = 1 + random.nextInt(LINE_WORDS_MAX);
            StringBuilder line = new StringBuilder();
            for (int w = 0; w < words; w++) {
                double skewed = random.nextDouble() * random.nextDouble();
                line.append(w == 0 ? "" : " ").append("word").append((int) (skewed * VOCABULARY_WORDS));
            }
            out.add(line.toString());
        }
        return out;
    }

    static Map<String, Long> counts(List<String> lines) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : lines) {
            for (String word : line.split(" ")) {
                out.merge(word, 1L, Long::sum);
            }
        }
        return out;
    }

    /**
     * Waits until every partition of {@code topics} has a leader. A Kafka broker under load can still be
     * electing leaders when CreateTopics returns; an idempotent producer whose first batch then meets
     * NOT_LEADER_OR_FOLLOWER may go on to OUT_OF_ORDER_SEQUENCE_NUMBER and retry until it times out.
     */
    static void awaitLeaders(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            boolean led = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                    .flatMap(t -> t.partitions().stream()).allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            if (led) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("No leader for every partition of " + topics + " after 60 s");
            }
            Thread.sleep(100);
        }
    }

    /** Writes {@code lines} to the input topic with acks=all, each keyed by its number, and waits for every ack. */
    static void produce(String bootstrap, List<String> lines) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                acks.add(producer.send(new ProducerRecord<>(INPUT, "line-" + i, lines.get(i))));
            }
            producer.flush();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
