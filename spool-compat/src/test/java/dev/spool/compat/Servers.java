package dev.spool.compat;

import dev.spool.bench.kafka.BrokerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * The two servers a test class runs its cells against, each in a child JVM: Spool as
 * {@code spool serve} runs it (with the group coordinator) and a single-node Apache Kafka 4.4
 * KRaft broker with Kafka's defaults (but for the first rebalance's delay, see below). Both start together (Kafka's start dominates) over fresh
 * directories under {@code target/compat/<name>}; the brokers' logs stay there for a failure's
 * post-mortem. Not thread-safe: opened in a class's {@code @BeforeAll}, closed in its {@code @AfterAll}.
 * Public for the module's other test packages.
 */
public final class Servers implements AutoCloseable {
    /**
     * A fresh group's first rebalance waits for nothing, as in Kafka's quickstart configuration and
     * Spool's default; Kafka's own default (3 s) would add three seconds to every cell that joins a group.
     */
    private static final String KAFKA_GROUP_DELAY = "group.initial.rebalance.delay.ms=0";
    private static final List<String> JVM_FLAGS = List.of("-Xms512m", "-Xmx512m", "-XX:+UseG1GC");

    private final BrokerProcess spool;
    private final BrokerProcess kafka;
    public final Target spoolTarget;
    public final Target kafkaTarget;

    private Servers(BrokerProcess spool, BrokerProcess kafka) {
        this.spool = spool;
        this.kafka = kafka;
        this.spoolTarget = new Target("spool", spool.bootstrap());
        this.kafkaTarget = new Target("kafka", kafka.bootstrap());
    }

    /** Starts both servers over fresh directories under {@code target/compat/NAME}; one name per test class. */
    public static Servers start(String name) throws IOException, InterruptedException {
        return start(name, List.of());
    }

    /**
     * As {@link #start(String)}, both servers given the same broker settings {@code KEY=VALUE}
     * under Kafka's names; Spool takes only the log cleaner's ({@code log.cleaner.enable},
     * {@code log.cleaner.backoff.ms} …), so that both clean a compacted topic on the same schedule.
     */
    public static Servers start(String name, List<String> brokerSettings) throws IOException, InterruptedException {
        Path root = Paths.get("target", "compat", name).toAbsolutePath();
        deleteRecursively(root);
        Files.createDirectories(root);
        int[] ports = freePorts(2);
        int port = ports[0];
        int controllerPort = ports[1];
        List<String> kafkaArgs = new ArrayList<>(List.of("kafka", root.resolve("kafka").toString(),
                Integer.toString(port), Integer.toString(controllerPort), KAFKA_GROUP_DELAY));
        kafkaArgs.addAll(brokerSettings);
        CompletableFuture<BrokerProcess> kafka = CompletableFuture.supplyAsync(() -> startOrThrow(kafkaArgs,
                root.resolve("kafka.log")));
        List<String> spoolArgs = new ArrayList<>(List.of("spool-serve", root.resolve("spool").toString()));
        spoolArgs.addAll(brokerSettings);
        BrokerProcess spool;
        try {
            spool = BrokerProcess.start(JVM_FLAGS, spoolArgs, root.resolve("spool.log"));
        } catch (IOException e) {
            kafka.thenAccept(Servers::closeQuietly);
            throw e;
        }
        try {
            return new Servers(spool, kafka.get());
        } catch (ExecutionException e) {
            closeQuietly(spool);
            throw new IOException("The Kafka broker did not start; see " + root.resolve("kafka.log"), e.getCause());
        }
    }

    public List<Target> targets() {
        return List.of(kafkaTarget, spoolTarget);
    }

    private static BrokerProcess startOrThrow(List<String> args, Path log) {
        try {
            return BrokerProcess.start(JVM_FLAGS, args, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} free ports, all different: the sockets are open at once while they are picked. */
    public static int[] freePorts(int count) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Closes a broker whose start is being abandoned: the start's error is the one to report. */
    public static void closeQuietly(BrokerProcess broker) {
        try {
            broker.close();
        } catch (IOException e) {
            // already failing: the start's error is the one to report
        }
    }

    @Override
    public void close() throws IOException {
        try {
            spool.close();
        } finally {
            kafka.close();
        }
    }
}
