package dev.spool.kafka;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import java.io.IOException;
import java.nio.file.Path;

/** A server and its log manager on a test directory, on a free port; restartable on the same directory. */
final class RunningServer implements AutoCloseable {
    private final Path dataDir;
    private final KafkaServerConfig config;
    /** Makes the coordinator of each start (the server closes it when it stops); null for none. */
    private final CoordinatorFactory coordinators;
    private LogManager manager;
    private KafkaServer server;
    private boolean running;

    RunningServer(Path dataDir, KafkaServerConfig config) throws IOException {
        this(dataDir, config, java.util.Optional.empty());
    }

    /** With one coordinator for the first start only (a restart would pass it closed). */
    RunningServer(Path dataDir, KafkaServerConfig config,
                  java.util.Optional<dev.spool.kafka.group.GroupCoordinator> coordinator) throws IOException {
        this(dataDir, config, coordinator.<CoordinatorFactory>map(c -> d -> c).orElse(null));
    }

    /** With a new coordinator from {@code coordinators} at every start, restarts included. */
    RunningServer(Path dataDir, KafkaServerConfig config, CoordinatorFactory coordinators) throws IOException {
        this.dataDir = dataDir;
        this.config = config.withListen("127.0.0.1", 0);
        this.coordinators = coordinators;
        start(0);
    }

    /** A coordinator for a data directory. */
    interface CoordinatorFactory {
        dev.spool.kafka.group.GroupCoordinator open(Path dataDir) throws IOException;
    }

    /** The server's own group coordinator with its defaults, its offsets log in the data directory. */
    static CoordinatorFactory groups() {
        return dataDir -> dev.spool.kafka.group.ClassicGroupCoordinator.open(
                dataDir.resolve(LogManager.RESERVED_PREFIX + "consumer_offsets"),
                dev.spool.kafka.group.GroupCoordinatorConfig.defaults());
    }

    RunningServer(Path dataDir) throws IOException {
        this(dataDir, KafkaServerConfig.defaults());
    }

    private void start(int port) throws IOException {
        manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks());
        java.util.Optional<dev.spool.kafka.group.GroupCoordinator> coordinator = coordinators == null
                ? java.util.Optional.empty() : java.util.Optional.of(coordinators.open(dataDir));
        server = KafkaServer.start(config.withListen("127.0.0.1", port), manager, coordinator,
                new io.micrometer.core.instrument.composite.CompositeMeterRegistry());
        running = true;
    }

    /** Stops the server and its log manager gracefully and starts them again on the same port. */
    void restart() throws IOException {
        int port = server.port();
        stop();
        start(port);
    }

    void stop() throws IOException {
        running = false;
        server.close();
        manager.close();
    }

    /** An Admin client of this server, with timeouts short enough for tests and quick retries. */
    org.apache.kafka.clients.admin.Admin admin() {
        java.util.Properties props = new java.util.Properties();
        props.put(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        props.put(org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        props.put(org.apache.kafka.clients.admin.AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "20");
        return org.apache.kafka.clients.admin.Admin.create(props);
    }

    String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    int port() {
        return server.port();
    }

    KafkaServer server() {
        return server;
    }

    LogManager manager() {
        return manager;
    }

    @Override
    public void close() throws IOException {
        if (running) {
            stop();
        }
    }
}
