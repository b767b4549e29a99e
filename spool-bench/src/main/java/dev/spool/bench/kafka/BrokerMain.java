package dev.spool.bench.kafka;

import dev.spool.kafka.KafkaServer;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.log.Durability;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.CleanerSettings;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * The entry point of a broker's child JVM in the wire benchmark (started by {@link BrokerProcess}):
 * one server on loopback over a fresh data directory, either Spool's Kafka-compatible server or a
 * real Apache Kafka broker (KRaft, one combined broker and controller). The compatibility tests
 * (spool-compat) start it too, in the {@code spool-serve} mode.
 *
 * <pre>
 *   BrokerMain spool DIR strict|none          acks=all waits for an fsync (strict) or the page cache (none)
 *   BrokerMain spool-serve DIR [KEY=VALUE…]    as {@code spool serve} runs: with the group coordinator; the
 *                                              cleaner settings given under Kafka's broker names (below)
 *   BrokerMain kafka DIR PORT CONTROLLER_PORT [KEY=VALUE…] [--add-scram=MECHANISM=[name=N,password=P]…]
 *                                              Kafka's own defaults (topics may override them), but for
 *                                              the broker settings given as KEY=VALUE
 * </pre>
 *
 * <p>The {@code kafka} mode's settings may replace the listeners (PLAINTEXT on PORT for clients, the
 * controller's on CONTROLLER_PORT): a test adds {@code SSL://}, {@code SASL_PLAINTEXT://} and
 * {@code SASL_SSL://} listeners with {@code listeners}, {@code advertised.listeners},
 * {@code listener.security.protocol.map} and the {@code ssl.*} and {@code listener.name.*} settings,
 * keeping the PLAINTEXT and CONTROLLER ones (the broker talks to its controller over them). Each
 * {@code --add-scram=…} goes to the storage tool's format as {@code --add-scram …}, so the SCRAM
 * users exist before the broker first accepts a client (as {@code kafka-storage.sh format} creates them).
 *
 * <p>The {@code spool-serve} mode takes the log cleaner's settings as the Kafka broker takes them, so
 * a test can give both servers the same list: {@code log.cleaner.enable}, {@code log.cleaner.backoff.ms},
 * {@code log.cleaner.dedupe.buffer.size} and {@code log.cleaner.io.max.bytes.per.second}. Any other
 * key is refused: Spool would silently run without it.
 *
 * <p>Protocol with the parent: once the server accepts clients the child prints one line
 * {@code READY host:port} on stdout; it serves until its stdin reaches end of file (the parent
 * closed it, or died), then shuts down gracefully (flushing its logs) and exits with 0. Anything
 * else it prints is log output.
 */
public final class BrokerMain {
    static final String READY = "READY ";
    private static final String ADD_SCRAM = "--add-scram=";

    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: BrokerMain spool DIR strict|none | spool-serve DIR [KEY=VALUE…]"
                    + " | kafka DIR PORT CONTROLLER_PORT [KEY=VALUE…]");
        }
        Path dir = Paths.get(args[1]);
        Files.createDirectories(dir);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        switch (args[0]) {
            case "spool" -> runSpool(dir, durability(args), out);
            case "spool-serve" -> runSpoolServe(dir, cleaner(overrides(Arrays.copyOfRange(args, 2, args.length))), out);
            case "kafka" -> runKafka(dir, port(args, 2), port(args, 3), overrides(settings(args, 4, false)),
                    settings(args, 4, true), out);
            default -> throw new IllegalArgumentException("Unknown broker kind '" + args[0] + "': spool, spool-serve or kafka");
        }
        // Stopped and flushed: exit even if a library left a non-daemon thread behind.
        System.exit(0);
    }

    private static Durability durability(String[] args) {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: BrokerMain spool DIR strict|none");
        }
        return switch (args[2]) {
            case "strict" -> Durability.STRICT;
            case "none" -> Durability.NONE;
            default -> throw new IllegalArgumentException("acks=all durability must be strict or none, not " + args[2]);
        };
    }

    private static int port(String[] args, int index) {
        if (args.length < 4) {
            throw new IllegalArgumentException("usage: BrokerMain kafka DIR PORT CONTROLLER_PORT [KEY=VALUE…]"
                    + " [--add-scram=MECHANISM=[name=N,password=P]…]");
        }
        int port = Integer.parseInt(args[index]);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1 to 65535, was " + port);
        }
        return port;
    }

    /**
     * The arguments from {@code args[from]} on that are SCRAM credentials for the storage tool
     * ({@code --add-scram=VALUE}, given as VALUE) when {@code scram}, else all the others.
     */
    private static String[] settings(String[] args, int from, boolean scram) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            boolean isScram = args[i].startsWith(ADD_SCRAM);
            if (isScram == scram) {
                out.add(isScram ? args[i].substring(ADD_SCRAM.length()) : args[i]);
            }
        }
        return out.toArray(String[]::new);
    }

    /** The broker settings {@code args}, each {@code KEY=VALUE}. */
    private static Properties overrides(String[] args) {
        Properties overrides = new Properties();
        for (int i = 0; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("A broker setting must be KEY=VALUE, not '" + args[i] + "'");
            }
            overrides.setProperty(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        return overrides;
    }

    /**
     * The cleaner's defaults with the Kafka broker settings in {@code settings} applied: each of
     * Kafka's {@code log.cleaner.*} names maps onto the field of {@link CleanerSettings} it means.
     */
    static CleanerSettings cleaner(Properties settings) {
        CleanerSettings cleaner = CleanerSettings.defaults();
        for (String key : settings.stringPropertyNames()) {
            String value = settings.getProperty(key).strip();
            try {
                cleaner = switch (key) {
                    case "log.cleaner.enable" -> cleaner.withEnabled(bool(key, value));
                    case "log.cleaner.backoff.ms" -> cleaner.withBackoffMs(Long.parseLong(value));
                    case "log.cleaner.dedupe.buffer.size" -> cleaner.withDedupeBufferBytes(Integer.parseInt(value));
                    // a double in Kafka, its default Double.MAX_VALUE: no limit
                    case "log.cleaner.io.max.bytes.per.second" ->
                        cleaner.withIoBytesPerSecond((long) Math.min(Double.parseDouble(value), Long.MAX_VALUE));
                    default -> throw new IllegalArgumentException("spool-serve takes only the cleaner settings"
                            + " log.cleaner.enable, log.cleaner.backoff.ms, log.cleaner.dedupe.buffer.size and"
                            + " log.cleaner.io.max.bytes.per.second, not '" + key + "'");
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("The broker setting " + key + " must be a number, not '" + value
                        + "'", e);
            }
        }
        return cleaner;
    }

    private static boolean bool(String key, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("The broker setting " + key + " must be true or false, not '"
                    + value + "'");
        };
    }

    /** Spool as {@code spool serve} runs it: the log manager's defaults, no group coordinator. */
    private static void runSpool(Path dir, Durability acksAll, PrintStream out) throws IOException {
        KafkaServerConfig config = KafkaServerConfig.defaults().withListen("127.0.0.1", 0)
                .withAcksAllDurability(acksAll);
        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults());
             KafkaServer server = KafkaServer.start(config, manager)) {
            out.println(READY + "127.0.0.1:" + server.port());
            awaitEndOfInput();
        }
    }

    /**
     * Spool exactly as {@code spool serve DIR --listen 127.0.0.1:0} builds it: the server's defaults
     * (acks=all waits for an fsync, unknown topics are created with one partition) and the
     * consumer-group coordinator, its committed offsets in a reserved log under the data directory.
     * The server closes the coordinator when it stops. {@code cleaner} cleans the compacted topics.
     */
    private static void runSpoolServe(Path dir, CleanerSettings cleaner, PrintStream out) throws IOException {
        KafkaServerConfig config = KafkaServerConfig.defaults().withListen("127.0.0.1", 0);
        CompositeMeterRegistry registry = new CompositeMeterRegistry();
        LogManagerConfig logs = LogManagerConfig.defaults().withMeterRegistry(registry).withCleaner(cleaner);
        try (LogManager manager = LogManager.open(dir, logs)) {
            ClassicGroupCoordinator groups = ClassicGroupCoordinator.open(
                    dir.resolve(LogManager.RESERVED_PREFIX + "consumer_offsets"),
                    GroupCoordinatorConfig.defaults().withMeterRegistry(registry));
            KafkaServer server;
            try {
                server = KafkaServer.start(config, manager, Optional.of(groups), registry);
            } catch (IOException | RuntimeException e) {
                groups.close();
                throw e;
            }
            try (server) {
                out.println(READY + "127.0.0.1:" + server.port());
                awaitEndOfInput();
            }
        }
    }

    /**
     * A single-node KRaft cluster (combined broker and controller, the layout of Kafka's
     * quickstart), its storage formatted by Kafka's own storage tool exactly as
     * {@code kafka-storage.sh format --standalone} does, then Kafka's own server class.
     * Everything not set here keeps Kafka's default.
     */
    private static void runKafka(Path dir, int port, int controllerPort, Properties overrides, String[] scramUsers,
            PrintStream out) throws Exception {
        Properties props = new Properties();
        props.setProperty("process.roles", "broker,controller");
        props.setProperty("node.id", "1");
        props.setProperty("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        props.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.setProperty("advertised.listeners",
                "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.setProperty("controller.listener.names", "CONTROLLER");
        props.setProperty("inter.broker.listener.name", "PLAINTEXT");
        props.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        props.setProperty("log.dirs", dir.resolve("data").toString());
        // One node: the internal topics cannot have three replicas.
        props.setProperty("offsets.topic.replication.factor", "1");
        props.setProperty("transaction.state.log.replication.factor", "1");
        props.setProperty("transaction.state.log.min.isr", "1");
        props.setProperty("share.coordinator.state.topic.replication.factor", "1");
        props.setProperty("share.coordinator.state.topic.min.isr", "1");
        props.putAll(overrides);
        Path propsFile = dir.resolve("server.properties");
        try (var writer = Files.newBufferedWriter(propsFile, StandardCharsets.UTF_8)) {
            props.store(writer, "wire benchmark: single-node KRaft broker");
        }
        List<String> format = new ArrayList<>(List.of("format", "--cluster-id", Uuid.randomUuid().toString(),
                "--config", propsFile.toString(), "--standalone"));
        for (String user : scramUsers) {
            format.add("--add-scram");
            format.add(user);
        }
        int formatted = StorageTool.execute(format.toArray(String[]::new), System.err);
        if (formatted != 0) {
            throw new IllegalStateException("Kafka's storage tool could not format " + dir + " (exit " + formatted + ")");
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        try {
            out.println(READY + "127.0.0.1:" + port);
            awaitEndOfInput();
        } finally {
            server.shutdown();
            server.awaitShutdown();
        }
    }

    /** Blocks until the parent closes our stdin (or dies, which closes it too). */
    private static void awaitEndOfInput() throws IOException {
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) {
            // the parent sends nothing; end of input is the signal
        }
    }
}
