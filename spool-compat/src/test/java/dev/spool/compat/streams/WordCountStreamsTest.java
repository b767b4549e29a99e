package dev.spool.compat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Timeout;
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
 * still be exact (a clean close commits, so nothing is processed twice). More lines are written and
 * the application restarts with the same {@code application.id} over a new, empty state directory,
 * so its store must be restored from the changelog before the counts can come out right again.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a backstop; every wait below has its own deadline
class WordCountStreamsTest {
    private static final long SEED = 0x5B001_C0FFEEL;
    private static final String APPLICATION_ID = "word-count";
    private static final String INPUT = "lines";
    private static final String OUTPUT = "word-counts";
    private static final int INPUT_PARTITIONS = 3;
    private static final int OUTPUT_PARTITIONS = 2;
    private static final int VOCABULARY_WORDS = 60;
    private static final int LINE_WORDS_MAX = 8;
    private static final int FIRST_LINES = 1_500;
    private static final int SECOND_LINES = 1_000;
    private static final long RUN_TIMEOUT_MS = 120_000;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = StreamsTarget.Kind.class, names = "SPOOL")
    void countsAreExactBeforeAndAfterACleanRestart(StreamsTarget.Kind kind, @TempDir Path dir) throws Exception {
        Random random = new Random(SEED);
        List<String> first = lines(random, FIRST_LINES);
        List<String> second = lines(random, SECOND_LINES);
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        try (StreamsTarget target = kind.start(dir.resolve("server"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(INPUT, INPUT_PARTITIONS, (short) 1),
                    new NewTopic(OUTPUT, OUTPUT_PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (LatestCounts output = new LatestCounts(target.bootstrap(), OUTPUT, OUTPUT_PARTITIONS)) {
                produce(target.bootstrap(), first);
                runUntilExact(target, dir.resolve("state-first"), output, counts(first), "first run");

                Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                        .get(30, TimeUnit.SECONDS);
                assertThat(topics).as("topics on %s after the first run", target)
                        .contains(APPLICATION_ID + "-" + WordCountApp.REPARTITION + "-repartition",
                                APPLICATION_ID + "-" + WordCountApp.STORE + "-changelog");

                produce(target.bootstrap(), second);
                runUntilExact(target, dir.resolve("state-restarted"), output, counts(all), "restart");
            }
        }
    }

    /**
     * Starts the application, waits until both the output and the store show {@code expected}, closes
     * it cleanly, and checks the output read to its end is still exactly {@code expected}.
     */
    private static void runUntilExact(StreamsTarget target, Path stateDir, LatestCounts output,
                                      Map<String, Long> expected, String phase) {
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
        }
        output.readToEnd(deadline);
        assertThat(output.latest())
                .as("%s, seed %d: the output read to its end after a clean close (%s)", phase, SEED,
                        difference(expected, output.latest()))
                .isEqualTo(expected);
    }

    /** Fails, with what was seen so far, if the application died or the deadline passed. */
    private static void checkProgress(WordCountApp app, StreamsTarget target, String phase, long deadline,
                                      String what, Map<String, Long> seen, Map<String, Long> expected, String more) {
        boolean late = System.nanoTime() - deadline > 0;
        if (late || !app.alive()) {
            AssertionError error = new AssertionError(phase + " on " + target + ", seed " + SEED + ": "
                    + (late ? "after " + RUN_TIMEOUT_MS + " ms " : "Kafka Streams stopped (" + app.state() + "); ")
                    + what + " differ from the expected counts: " + difference(expected, seen) + more
                    + "; Streams state " + app.state() + "; " + target.logHint());
            if (app.failure() != null) {
                error.initCause(app.failure());
            }
            throw error;
        }
    }

    /** The words whose counts differ, as {@code word expected/seen}, at most 20 of them. */
    static String difference(Map<String, Long> expected, Map<String, Long> seen) {
        Set<String> words = new TreeSet<>(expected.keySet());
        words.addAll(seen.keySet());
        List<String> differing = new ArrayList<>();
        for (String word : words) {
            Long want = expected.get(word);
            Long got = seen.get(word);
            if (!java.util.Objects.equals(want, got)) {
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

    /** Writes {@code lines} to the input topic with acks=all, each keyed by its number, and waits for every ack. */
    private static void produce(String bootstrap, List<String> lines) throws Exception {
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
