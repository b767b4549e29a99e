package dev.spool.kafka;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import java.io.IOException;
import java.nio.file.Path;

/** A server and its log manager on a test directory, on a free port; restartable on the same directory. */
final class RunningServer implements AutoCloseable {
    private final Path dataDir;
    private final KafkaServerConfig config;
    private final java.util.Optional<dev.spool.kafka.group.GroupCoordinator> coordinator;
    private LogManager manager;
    private KafkaServer server;
    private boolean running;

    RunningServer(Path dataDir, KafkaServerConfig config) throws IOException {
        this(dataDir, config, java.util.Optional.empty());
    }

    RunningServer(Path dataDir, KafkaServerConfig config,
                  java.util.Optional<dev.spool.kafka.group.GroupCoordinator> coordinator) throws IOException {
        this.dataDir = dataDir;
        this.config = config.withListen("127.0.0.1", 0);
        this.coordinator = coordinator;
        start(0);
    }

    RunningServer(Path dataDir) throws IOException {
        this(dataDir, KafkaServerConfig.defaults());
    }

    private void start(int port) throws IOException {
        manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks());
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
