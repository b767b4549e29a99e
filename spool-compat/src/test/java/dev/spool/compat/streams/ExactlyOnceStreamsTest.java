package dev.spool.compat.streams;

import static dev.spool.compat.streams.WordCountStreamsTest.INPUT;
import static dev.spool.compat.streams.WordCountStreamsTest.OUTPUT;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kafka Streams' word count in {@code exactly_once_v2} gives exact counts across a crash of the
 * application: run against Spool's server and against a real Kafka broker, the same cell on both.
 *
 * <p>The first instance fails in the middle of its input (an exception thrown from the topology at a
 * chosen line: its stream thread dies without committing). Under {@code at_least_once} the lines
 * processed since the last commit would be counted again by the next instance; under exactly-once
 * the crashed instance's open transaction (its output, changelog and repartition records and its
 * consumed offsets) is aborted, so nothing is counted twice. A {@code read_committed} reader of the
 * output checks at every poll that no count ever goes past its final value, and that the counts
 * become exact once a second instance has processed everything, and again after more lines.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS) // a backstop; every wait below has its own deadline
class ExactlyOnceStreamsTest {
    private static final long SEED = 0xE05_2L;
    private static final String APPLICATION_ID = "word-count-eos";
    private static final long RUN_TIMEOUT_MS = 120_000;
    private static final int CRASH_AT_LINE = 700;

    @ParameterizedTest(name = "{0}")
    @EnumSource(StreamsTarget.Kind.class)
    void countsAreExactAcrossACrashOfTheApplication(StreamsTarget.Kind kind,
                                                   @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        Random random = new Random(SEED);
        try (StreamsTarget target = kind.start(dir.resolve("server"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(INPUT, 3, (short) 1), new NewTopic(OUTPUT, 2, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            WordCountStreamsTest.awaitLeaders(admin, List.of(INPUT, OUTPUT));
            List<String> written = new ArrayList<>(WordCountStreamsTest.lines(random, 1_500));
            WordCountStreamsTest.produce(target.bootstrap(), written);
            Path state = dir.resolve("state");
            try (LatestCounts output = new LatestCounts(target.bootstrap(), OUTPUT, 2, "read_committed")) {
                Map<String, Long> expected = WordCountStreamsTest.counts(written);
                try (WordCountApp crashing = WordCountApp.start(target.bootstrap(), APPLICATION_ID, state, INPUT,
                        OUTPUT, StreamsConfig.EXACTLY_ONCE_V2, CRASH_AT_LINE)) {
                    await(target, "the first instance's crash", deadline(), output, expected,
                            () -> !crashing.alive() ? Optional.of(true) : Optional.empty(), crashing, true);
                    assertThat(crashing.failure()).as("what stopped the first instance on %s", target)
                            .hasStackTraceContaining("The crash this test asked for");
                }
                runUntilExact(target, state, output, expected, "after the crash");

                List<String> more = WordCountStreamsTest.lines(random, 500);
                WordCountStreamsTest.produce(target.bootstrap(), more);
                written.addAll(more);
                runUntilExact(target, state, output, WordCountStreamsTest.counts(written), "with more lines");
            }
        }
    }

    /** Runs a healthy instance until the committed output and its store are exactly {@code expected}. */
    private static void runUntilExact(StreamsTarget target, Path state, LatestCounts output,
                                      Map<String, Long> expected, String phase) throws Exception {
        long deadline = deadline();
        try (WordCountApp app = WordCountApp.start(target.bootstrap(), APPLICATION_ID, state, INPUT, OUTPUT,
                StreamsConfig.EXACTLY_ONCE_V2, 0)) {
            await(target, phase + ": the committed output", deadline, output, expected,
                    () -> output.latest().equals(expected) ? Optional.of(true) : Optional.empty(), app, false);
            await(target, phase + ": the count store", deadline, output, expected,
                    () -> app.storeContents().filter(expected::equals).map(store -> true), app, false);
        }
        output.readToEnd(deadline);
        assertThat(output.latest()).as("%s on %s, seed %d: the committed output read to its end (%s)", phase, target,
                SEED, WordCountStreamsTest.difference(expected, output.latest())).isEqualTo(expected);
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_TIMEOUT_MS);
    }

    /**
     * Polls the output until {@code done} holds; fails if a count went past its final value (a line
     * counted twice), if {@code app} died when {@code crashExpected} is false, or at the deadline.
     */
    private static void await(StreamsTarget target, String what, long deadline, LatestCounts output,
                              Map<String, Long> expected, java.util.function.Supplier<Optional<Boolean>> done,
                              WordCountApp app, boolean crashExpected) {
        while (done.get().isEmpty()) {
            boolean overcounted = output.latest().entrySet().stream()
                    .anyMatch(e -> e.getValue() > expected.getOrDefault(e.getKey(), 0L));
            if (overcounted || System.nanoTime() - deadline > 0 || (!crashExpected && !app.alive())) {
                AssertionError error = new AssertionError(what + " on " + target + ", seed " + SEED + ": "
                        + (overcounted ? "words were counted more often than they occur; "
                        : !app.alive() && !crashExpected ? "Kafka Streams stopped (" + app.state() + "); "
                        : "not reached after " + RUN_TIMEOUT_MS + " ms; ")
                        + WordCountStreamsTest.difference(expected, output.latest()) + "; " + output.records()
                        + " committed output records read; " + target.logHint());
                if (app.failure() != null) {
                    error.initCause(app.failure());
                }
                throw error;
            }
            output.poll();
        }
    }
}
