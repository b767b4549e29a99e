package dev.spool.compat.security;

import static org.assertj.core.api.Assertions.fail;

import dev.spool.compat.Installed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Every client through every secure listener, against a real Kafka 4.4 broker and against
 * {@code spool serve}, both started once for the class with the same certificate and users
 * ({@link SecureServers}). A cell's two runs go in parallel, and a cell fails when it fails on
 * Kafka (the harness, not the server, is wrong then: each of these works against Kafka) or when it
 * passes on Kafka and fails on Spool. When this build of {@code spool serve} lacks the security
 * options, every cell still runs on Kafka and then skips, naming the missing options. The outcomes
 * are written to {@code target/compat-security-matrix.md}.
 *
 * <p>A client that is not installed skips its cells with the command that installs it, unless
 * {@code CI=true}, where that fails. {@code -Dcompat.cells=TEXT} runs only the cells whose client
 * or operation contains TEXT (e.g. {@code SCRAM-SHA-512}, {@code kcat}).
 */
class SecureClientsTest {
    private static final String ONLY = System.getProperty("compat.cells", "");
    private static final Map<String, SecureHarness> HARNESSES = new HashMap<>();
    /** Client and operation, then each server's outcome: "pass", "pass (note)", "FAIL: …", "n/a: …". */
    private static final Map<String, Map<String, String>> OUTCOMES = new LinkedHashMap<>();
    private static SecureServers servers;
    private static ExecutorService pool;

    @BeforeAll
    static void startServers() throws Exception {
        servers = SecureServers.start("security");
        for (SecureTarget target : servers.targets()) {
            HARNESSES.put(target.name(), new SecureHarness(target, servers.certs));
        }
        pool = Executors.newCachedThreadPool();
        for (List<SecureCell> cells : List.of(SecureClients.java(), SecureClients.kcat(),
                SecureClients.confluentPython(), SecureClients.kafkajs())) {
            cells.forEach(cell -> OUTCOMES.put(row(cell), new LinkedHashMap<>())); // the table's order
        }
    }

    @AfterAll
    static void writeOutcomesAndStop() throws Exception {
        try {
            writeOutcomes(Paths.get("target", "compat-security-matrix.md"));
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            HARNESSES.values().forEach(SecureHarness::close);
            if (servers != null) {
                servers.close();
            }
        }
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> javaClient() {
        return cells(Optional.empty(), SecureClients.java());
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> kcat() {
        return cells(Installed.kcat(), SecureClients.kcat());
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> confluentKafkaPython() {
        return cells(Installed.pythonModule("confluent_kafka", "python3-confluent-kafka"),
                SecureClients.confluentPython());
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> kafkajs() {
        return cells(Installed.kafkajs(), SecureClients.kafkajs());
    }

    private static Stream<DynamicTest> cells(Optional<String> missing, List<SecureCell> cells) {
        return cells.stream().filter(cell -> (cell.client() + " " + cell.operation()).contains(ONLY))
                .map(cell -> DynamicTest.dynamicTest(cell.client() + ": " + cell.operation(), () -> {
                    if (missing.isPresent()) {
                        record(cell, "kafka", "n/a: not installed: " + missing.get());
                        if ("true".equals(System.getenv("CI"))) {
                            fail("CI=true and " + missing.get());
                        }
                        Assumptions.abort(missing.get());
                    }
                    runBoth(cell);
                }));
    }

    private static void runBoth(SecureCell cell) throws Exception {
        Future<Optional<String>> kafka = pool.submit(() -> runOne(cell, servers.kafkaTarget));
        Optional<String> spoolLacking = servers.spoolLacking(cell.access());
        Future<Optional<String>> spool = spoolLacking.isEmpty()
                ? pool.submit(() -> runOne(cell, servers.spoolTarget.orElseThrow())) : null;
        Optional<String> onKafka = kafka.get();
        Optional<String> onSpool = spool == null ? Optional.empty() : spool.get();
        if (spool == null) {
            record(cell, "spool", "n/a: " + spoolLacking.orElseThrow());
        }
        if (onKafka.isPresent()) {
            SecureCell.KnownBug bug = cell.kafkaBug();
            if (bug == null || !onKafka.get().contains(bug.symptom())) {
                fail("'" + cell.operation() + "' with " + cell.client() + " fails on Kafka, where it must pass"
                        + " (the harness is wrong):\n" + onKafka.get());
            }
            record(cell, "kafka", "FAIL, a known client bug: " + bug.reason() + ": " + onKafka.get());
            Assumptions.abort("fails on Kafka 4.4 itself, a known client bug: " + bug.reason() + "; on Spool it "
                    + (spool == null ? "did not run" : onSpool.isPresent() ? "fails too" : "passes"));
        }
        if (onSpool.isPresent()) {
            fail("'" + cell.operation() + "' with " + cell.client() + " passes on Kafka and fails on Spool:\n"
                    + onSpool.get());
        }
        if (spool == null) {
            Assumptions.abort("passes on Kafka; not run on Spool: " + spoolLacking.orElseThrow());
        }
    }

    /** Runs the cell on one server; the failure's description, or empty when it passed. */
    private static Optional<String> runOne(SecureCell cell, SecureTarget target) {
        long start = System.nanoTime();
        try {
            String note = cell.check().run(HARNESSES.get(target.name()), cell.topic());
            record(cell, target.name(), "pass in " + seconds(start) + (note == null ? "" : " (" + note + ")"));
            return Optional.empty();
        } catch (Throwable e) {
            String description = describe(e);
            record(cell, target.name(), "FAIL in " + seconds(start) + ": " + description);
            return Optional.of(description);
        }
    }

    private static String seconds(long startNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t != e) {
                b.append("\ncaused by ");
            }
            b.append(t instanceof AssertionError ? "" : t.getClass().getSimpleName() + ": ").append(t.getMessage());
        }
        return b.toString();
    }

    private static void record(SecureCell cell, String server, String outcome) {
        synchronized (OUTCOMES) {
            OUTCOMES.computeIfAbsent(row(cell), row -> new LinkedHashMap<>()).put(server, outcome);
        }
    }

    private static String row(SecureCell cell) {
        return cell.client() + " | " + cell.operation();
    }

    /** One row per cell that ran, in declared order: each server's outcome, its first line shortened. */
    private static void writeOutcomes(Path file) throws IOException {
        List<String> lines = new ArrayList<>(List.of("# Secure listeners: client compatibility", "",
                "Each client through each secure listener, against a real Apache Kafka 4.4 broker and `spool serve`.",
                "", "| client | operation | kafka | spool |", "|---|---|---|---|"));
        synchronized (OUTCOMES) {
            for (Map.Entry<String, Map<String, String>> row : OUTCOMES.entrySet()) {
                if (row.getValue().isEmpty()) {
                    continue; // filtered out
                }
                lines.add("| " + row.getKey() + " | " + cell(row.getValue().get("kafka")) + " | "
                        + cell(row.getValue().get("spool")) + " |");
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    private static String cell(String outcome) {
        if (outcome == null) {
            return "";
        }
        String first = outcome.strip().replaceAll("\\s+", " ").replace("|", "\\|");
        return first.length() > 160 ? first.substring(0, 157) + "…" : first;
    }
}
