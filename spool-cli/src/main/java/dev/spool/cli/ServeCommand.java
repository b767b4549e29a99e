package dev.spool.cli;

import dev.spool.kafka.KafkaServer;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.network.ConnectionLimits;
import dev.spool.kafka.network.Listener;
import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.kafka.group.OffsetsLogCheck;
import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.ParameterException;

/**
 * {@code spool serve}: the Kafka-compatible server on the data directory, until SIGTERM or
 * SIGINT. Shutdown is graceful: stop accepting, answer the requests in flight, close the
 * connections, then close the log manager, which flushes every log and writes the clean-shutdown
 * marker (so the next start scans nothing).
 *
 * <p>Startup prints one line on stdout with the listen address ({@code host:port} for a single
 * PLAINTEXT listener, otherwise every listener as {@code PROTOCOL://host:port}) and the data
 * directory (and the metrics address when {@code --metrics-listen} is given). Where it listens and
 * how each listener is secured come from {@link ListenerOptions}.
 */
@Command(name = "serve", description = "Serve the data directory to Kafka clients (the Kafka wire protocol).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;
    @Mixin
    ListenerOptions listeners;
    @Mixin
    AclOptions acls;
    @Mixin
    SaslOptions sasl;
    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics, and /health and /ready (off by default).")
    String metricsListen;
    @Option(names = "--partitions", paramLabel = "N", defaultValue = "1",
            description = "Partitions of topics created without a count (default: ${DEFAULT-VALUE}).")
    int partitions;
    @Option(names = "--allow-remote-unauthenticated",
            description = "Listen on an address other than loopback without authenticating clients (PLAINTEXT, or SSL "
                    + "without --ssl-client-auth required), or serve metrics there: any client that reaches it can "
                    + "read, write and delete every topic.")
    boolean allowRemoteUnauthenticated;
    @Option(names = "--no-auto-create-topics", description = "Unknown topics are an error instead of being created.")
    boolean noAutoCreate;
    @Option(names = "--acks-all", paramLabel = "strict|none", defaultValue = "strict",
            description = "What acks=all waits for: strict (an fsync, default) or none (the page cache, as Kafka).")
    String acksAll;
    @Option(names = "--request-bytes-max", paramLabel = "BYTES", defaultValue = "104857600",
            description = "Largest request accepted (default: ${DEFAULT-VALUE}).")
    int requestBytesMax;
    @Option(names = "--connections-max", paramLabel = "N", defaultValue = "1024",
            description = "Most client connections at once (default: ${DEFAULT-VALUE}).")
    int connectionsMax;
    @Option(names = "--max-connections-per-ip", paramLabel = "N",
            description = "Most connections at once from one address (Kafka's max.connections.per.ip; default: no limit).")
    Integer connectionsPerIpMax;
    @Option(names = "--connections-max-idle-ms", paramLabel = "MS", defaultValue = "600000",
            description = "Close a connection idle this long (Kafka's connections.max.idle.ms; default: ${DEFAULT-VALUE}).")
    long connectionIdleMsMax;
    @Option(names = "--request-read-ms-max", paramLabel = "MS", defaultValue = "60000",
            description = "Close a connection that takes longer to send one whole request (default: ${DEFAULT-VALUE}).")
    long requestReadMsMax;
    @Option(names = "--max-partitions", paramLabel = "N", defaultValue = "10000",
            description = "Most partitions the server holds, all topics together; creating more is refused "
                    + "(default: ${DEFAULT-VALUE}).")
    int partitionsMax;
    @Option(names = "--retention-ms", paramLabel = "MS", defaultValue = "" + LogConfig.DEFAULT_RETENTION_MS,
            description = "Delete a topic's oldest segments once older than this, unless the topic sets its own "
                    + "retention.ms; -1 keeps everything (Kafka's log.retention.ms; default: ${DEFAULT-VALUE}, 7 days).")
    long retentionMs;
    @Option(names = "--retention-bytes", paramLabel = "BYTES", defaultValue = "-1",
            description = "Delete a partition's oldest segments beyond this size, unless the topic sets its own "
                    + "retention.bytes; -1 for no limit (Kafka's log.retention.bytes; default: ${DEFAULT-VALUE}).")
    long retentionBytes;
    @Option(names = "--segment-bytes", paramLabel = "BYTES", defaultValue = "" + LogConfig.DEFAULT_SEGMENT_BYTES,
            description = "Roll to a new segment file at this size (Kafka's log.segment.bytes; default: ${DEFAULT-VALUE}).")
    int segmentBytes;
    @Option(names = "--message-max-bytes", paramLabel = "BYTES", defaultValue = "" + LogConfig.DEFAULT_BATCH_BYTES_MAX,
            description = "Largest record batch a topic accepts unless it sets its own max.message.bytes "
                    + "(Kafka's message.max.bytes; default: ${DEFAULT-VALUE}).")
    int messageBytesMax;
    @Option(names = "--config", paramLabel = "FILE", description = "Read settings from a properties file with Kafka's "
            + "key names (listeners, log.dirs, num.partitions …; docs/configuration.md lists them). The command line "
            + "wins over SPOOL_* environment variables, which win over the file.")
    Path configFile;
    @Spec
    CommandSpec spec;
    @Option(names = "--fetch-max-bytes", paramLabel = "BYTES", defaultValue = "57671680",
            description = "Most record bytes in one Fetch response (Kafka's fetch.max.bytes; default: ${DEFAULT-VALUE}).")
    int fetchBytesMax;
    @Option(names = "--queued-max-request-bytes", paramLabel = "BYTES", defaultValue = "268435456",
            description = "Most bytes of requests held at once, all connections together; a connection waits for room "
                    + "(Kafka's queued.max.request.bytes; at least --request-bytes-max; default: ${DEFAULT-VALUE}).")
    long queuedRequestBytesMax;

    /** Counted down to stop the server: by the JVM's shutdown hook, or by a test. */
    final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        ServerProperties.apply(spec, Optional.ofNullable(configFile), System.getenv());
        if (metricsListen != null) {
            requireLoopbackUnlessAllowed("--metrics-listen", HostPort.parse(common, "--metrics-listen", metricsListen));
        }
        Durability acksAllDurability = Settings.durability(common, acksAll);
        if (partitions < 1) {
            throw new ParameterException(common.spec.commandLine(), "--partitions must be at least 1");
        }
        KafkaServerConfig config = listeners.applyTo(KafkaServerConfig.defaults(), common.spec.commandLine(),
                        allowRemoteUnauthenticated)
                .withAutoCreateTopics(!noAutoCreate)
                .withAcksAllDurability(acksAllDurability)
                .withRequestBytesMax(requestBytesMax)
                .withConnectionsMax(connectionsMax)
                .withDefaultPartitions(partitions)
                .withLimits(limits())
                .withPartitionsMax(partitionsMax);
        config = acls.applyTo(config);
        config = sasl.apply(config, common.spec);
        PrintStream out = common.root().out;
        Thread hook = new Thread(this::stopFromSignal, "spool-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (MetricsHolder metrics = MetricsHolder.start(common, metricsListen);
             LogManager manager = LogManager.open(common.dataDir,
                     LogManagerConfig.defaults().withLogConfig(logConfig()).withMeterRegistry(metrics.registry()));
             KafkaServer server = start(config, manager, metrics.registry())) {
            metrics.serving(manager); // the data directory is loaded and the Kafka listener bound
            manager.offlinePartitions().values().forEach(offline ->
                    common.root().err.println("spool: ERROR " + offline.getMessage() + "; the rest serves"));
            out.println("spool: serving the Kafka protocol on " + describe(server)
                    + ", data directory " + common.dataDir
                    + metrics.endpoint().map(e -> ", metrics on http://" + e.address().getHostString() + ":"
                    + e.address().getPort() + "/metrics").orElse(""));
            out.flush();
            stopRequested.await();
            metrics.stopping();
            common.root().err.println("spool: stopping (finishing requests in flight, then flushing)");
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook is running
            }
        }
        return SpoolCommand.EXIT_OK;
    }

    /**
     * The metrics endpoint does not authenticate: reachable from other machines, it would show anyone
     * the server's metrics (topic names among them). So an address other than loopback needs the
     * user's explicit word; the Kafka listeners are checked by {@link ListenerOptions}.
     */
    private void requireLoopbackUnlessAllowed(String option, HostPort at) {
        if (allowRemoteUnauthenticated || ListenerOptions.isLoopback(at.host())) {
            return;
        }
        throw new ParameterException(common.spec.commandLine(), "refusing " + option + " " + at.host() + ":" + at.port()
                + ": it does not authenticate, so anyone who reaches this address could read the server's metrics;"
                + " listen on 127.0.0.1, or pass --allow-remote-unauthenticated to accept that");
    }

    /** Where the server listens: {@code host:port} for one PLAINTEXT listener, else each listener as Kafka writes it. */
    private static String describe(KafkaServer server) {
        Map<Listener, InetSocketAddress> bound = server.addresses();
        List<String> parts = new ArrayList<>();
        bound.forEach((listener, address) -> parts.add(new Listener(listener.protocol(),
                listener.host(), address.getPort()).toString()));
        Listener first = bound.keySet().iterator().next();
        if (bound.size() == 1 && first.protocol() == SecurityProtocol.PLAINTEXT) {
            return first.host() + ":" + server.port();
        }
        return String.join(", ", parts);
    }

    /** What topics run with where they set nothing of their own: Kafka's broker-wide log settings. */
    private LogConfig logConfig() {
        if (retentionMs < -1 || retentionBytes < -1) {
            throw new ParameterException(spec.commandLine(), "--retention-ms and --retention-bytes must be -1 (no limit) "
                    + "or positive, were " + retentionMs + " and " + retentionBytes);
        }
        try {
            return LogConfig.defaults().withSegmentBytes(segmentBytes).withBatchBytesMax(messageBytesMax)
                    .withRetentionMs(retentionMs).withRetentionBytes(retentionBytes);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--segment-bytes " + segmentBytes + " / --message-max-bytes "
                    + messageBytesMax + ": " + e.getMessage());
        }
    }

    private ConnectionLimits limits() {
        atLeastOne("--max-connections-per-ip", connectionsPerIpMax == null ? 1 : connectionsPerIpMax);
        atLeastOne("--connections-max-idle-ms", connectionIdleMsMax);
        atLeastOne("--request-read-ms-max", requestReadMsMax);
        atLeastOne("--fetch-max-bytes", fetchBytesMax);
        atLeastOne("--max-partitions", partitionsMax);
        if (queuedRequestBytesMax < requestBytesMax) {
            throw new ParameterException(spec.commandLine(), "--queued-max-request-bytes must be at least "
                    + "--request-bytes-max (" + requestBytesMax + "), or a request of the largest size could never be "
                    + "read; was " + queuedRequestBytesMax);
        }
        ConnectionLimits limits = ConnectionLimits.defaults().withConnectionIdleMsMax(connectionIdleMsMax)
                .withRequestReadMsMax(requestReadMsMax).withFetchBytesMax(fetchBytesMax)
                .withQueuedRequestBytesMax(queuedRequestBytesMax);
        return connectionsPerIpMax == null ? limits : limits.withConnectionsPerIpMax(connectionsPerIpMax);
    }

    private void atLeastOne(String option, long value) {
        if (value < 1) {
            throw new ParameterException(common.spec.commandLine(), option + " must be at least 1, was " + value);
        }
    }

    /**
     * Starts the server with the consumer-group coordinator, whose committed offsets live in a log
     * of their own under the data directory; the server closes the coordinator when it stops. A
     * damaged offsets log takes only the groups offline: the server starts without a coordinator
     * (so it does not advertise the group APIs) after one error line naming the log and the repair.
     */
    private KafkaServer start(KafkaServerConfig config, LogManager manager, MeterRegistry registry)
            throws IOException {
        Path offsetsDir = common.dataDir.resolve(OffsetsLogCheck.DIR_NAME);
        Optional<ClassicGroupCoordinator> groups;
        try {
            groups = Optional.of(ClassicGroupCoordinator.open(offsetsDir,
                    GroupCoordinatorConfig.defaults().withMeterRegistry(registry)));
        } catch (IOException e) { // damage (CorruptLogException, CorruptOffsetRecordException) or an unreadable file
            common.root().err.println("spool: ERROR consumer groups are offline: the committed-offsets log " + offsetsDir
                    + " is damaged (" + e.getMessage().replace('\n', ' ') + "); the rest serves. Stop the server and"
                    + " run `spool repair " + OffsetsLogCheck.DIR_NAME + "`");
            groups = Optional.empty();
        }
        try {
            return KafkaServer.start(config, manager, groups.map(g -> (GroupCoordinator) g), registry);
        } catch (IOException | RuntimeException e) {
            groups.ifPresent(ClassicGroupCoordinator::close);
            throw e;
        }
    }

    /** The shutdown hook (SIGTERM, SIGINT): asks the serving thread to stop, then waits for it. */
    private void stopFromSignal() {
        stopRequested.countDown();
        try {
            stopped.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A {@code HOST:PORT} option. */
    record HostPort(String host, int port) {
        static HostPort parse(CommonOptions common, String option, String value) {
            return parse(common.spec.commandLine(), option, value);
        }

        static HostPort parse(CommandLine command, String option, String value) {
            int colon = value.lastIndexOf(':');
            String host = colon < 0 ? "" : value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(value.substring(colon + 1));
                if (!host.isEmpty() && port >= 0 && port <= 65535) {
                    return new HostPort(host, port);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ParameterException(command, option + " must be HOST:PORT with a port from 0 to "
                    + "65535, not '" + value + "'");
        }
    }
}
