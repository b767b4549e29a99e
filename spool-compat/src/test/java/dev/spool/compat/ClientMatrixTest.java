package dev.spool.compat;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Paths;
import java.util.HashMap;
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
 * The real-client compatibility matrix: every operation of every client, against a real Kafka 4.4
 * broker and against {@code spool serve}, both started once for the class. A cell's two runs go in
 * parallel. A dynamic test fails when its operation passes on Kafka and fails on Spool; an
 * operation failing on both is recorded with its reason and allowed (the client, not Spool, is
 * at odds with Kafka 4). The whole matrix is written to {@code target/compat-matrix.md}.
 *
 * <p>A client that is not installed skips its cells with the command that installs it, unless
 * the environment says {@code CI=true}, where a missing client is a failure.
 *
 * <p>Cells run concurrently (junit-platform.properties sets how many), the class itself alone: each
 * cell has topics and groups of its own, and most of a cell's time is a child process starting or
 * a group rebalancing.
 */
class ClientMatrixTest {
    /**
     * Both servers clean compacted topics, looking for work every 200 ms instead of Kafka's 15 s, so a
     * cell on a compacted topic ({@link CompactedCells}) sees it cleaned within seconds.
     */
    private static final List<String> CLEANER = List.of("log.cleaner.enable=true", "log.cleaner.backoff.ms=200");
    /** Runs only the cells whose operation contains this text, when set (e.g. {@code -Dcompat.cells=compacted}). */
    private static final String ONLY = System.getProperty("compat.cells", "");
    private static Servers servers;
    private static final Map<String, Fixtures> FIXTURES = new HashMap<>();
    private static final Matrix MATRIX = new Matrix();
    private static ExecutorService pool;

    @BeforeAll
    static void startServers() throws Exception {
        servers = Servers.start("clients", CLEANER);
        for (Target target : servers.targets()) {
            FIXTURES.put(target.name(), new Fixtures(target));
        }
        pool = Executors.newCachedThreadPool();
        for (List<Cell> cells : List.of(JavaClientCells.cells(), ToolCells.cells(), KcatCells.cells(),
                ScriptCells.cells(ScriptCells.CONFLUENT_PYTHON), ScriptCells.cells(ScriptCells.KAFKA_PYTHON),
                ScriptCells.cells(ScriptCells.KAFKAJS))) {
            MATRIX.declare(cells);
        }
    }

    @AfterAll
    static void writeMatrixAndStop() throws Exception {
        try {
            MATRIX.write(Paths.get("target", "compat-matrix.md"));
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
            FIXTURES.values().forEach(Fixtures::close);
            if (servers != null) {
                servers.close();
            }
        }
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> javaClient() {
        return cells(Optional.empty(), JavaClientCells.cells());
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> kafkaTools() {
        return cells(Optional.empty(), ToolCells.cells());
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> kcat() {
        return cells(Installed.kcat(), KcatCells.cells());
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> confluentKafkaPython() {
        return cells(Installed.pythonModule("confluent_kafka", "python3-confluent-kafka"),
                ScriptCells.cells(ScriptCells.CONFLUENT_PYTHON));
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> kafkaPython() {
        return cells(Installed.pythonModule("kafka", "python3-kafka"), ScriptCells.cells(ScriptCells.KAFKA_PYTHON));
    }

    @TestFactory
    @Execution(ExecutionMode.CONCURRENT)
    Stream<DynamicTest> kafkajs() {
        return cells(Installed.kafkajs(), ScriptCells.cells(ScriptCells.KAFKAJS));
    }

    /** One dynamic test per cell; {@code missing} is why the client cannot run here, if it cannot. */
    private static Stream<DynamicTest> cells(Optional<String> missing, List<Cell> cells) {
        return cells.stream().filter(cell -> cell.operation().contains(ONLY)).map(cell -> DynamicTest.dynamicTest(cell.client() + ": " + cell.operation(), () -> {
            if (missing.isPresent()) {
                Matrix.Outcome skipped = new Matrix.Outcome(Matrix.Status.SKIP, "not installed: " + missing.get());
                servers.targets().forEach(target -> MATRIX.record(cell, target, skipped));
                if ("true".equals(System.getenv("CI"))) {
                    fail("CI=true and " + missing.get());
                }
                Assumptions.abort(missing.get());
            }
            runBoth(cell);
        }));
    }

    private static void runBoth(Cell cell) throws Exception {
        Future<Matrix.Outcome> kafka = pool.submit(() -> runOne(cell, servers.kafkaTarget));
        Future<Matrix.Outcome> spool = pool.submit(() -> runOne(cell, servers.spoolTarget));
        Matrix.Outcome onKafka = kafka.get();
        Matrix.Outcome onSpool = spool.get();
        if (onKafka.status() == Matrix.Status.PASS && onSpool.status() == Matrix.Status.FAIL) {
            fail("'" + cell.operation() + "' with " + cell.client() + " passes on Kafka"
                    + (onKafka.detail().isEmpty() ? "" : " (" + onKafka.detail() + ")") + " and fails on Spool:\n"
                    + onSpool.detail());
        }
    }

    private static Matrix.Outcome runOne(Cell cell, Target target) {
        Matrix.Outcome outcome;
        try {
            String note = cell.check().run(FIXTURES.get(target.name()), cell.topic());
            outcome = new Matrix.Outcome(Matrix.Status.PASS, note == null ? "" : note);
        } catch (Cell.Unsupported e) {
            outcome = new Matrix.Outcome(Matrix.Status.SKIP, e.getMessage());
        } catch (Throwable e) {
            outcome = new Matrix.Outcome(Matrix.Status.FAIL, describe(e));
        }
        MATRIX.record(cell, target, outcome);
        return outcome;
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
}
