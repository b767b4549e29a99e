package dev.spool.compat.streams;

import dev.spool.kafka.KafkaServer;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.group.ClassicGroupCoordinator;
import dev.spool.kafka.group.GroupCoordinatorConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Spool's Kafka server in this JVM, built as {@code spool serve} builds it: a log manager over the
 * data directory and the classic group coordinator, whose offsets log lives under the reserved
 * prefix in the same directory. Listens on a free loopback port. Closing stops the server (which
 * closes the coordinator) and then the log manager.
 */
final class InProcessSpool implements StreamsTarget {
    private final LogManager manager;
    private final KafkaServer server;

    private InProcessSpool(LogManager manager, KafkaServer server) {
        this.manager = manager;
        this.server = server;
    }

    static InProcessSpool start(Path dataDir) throws IOException {
        LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults());
        try {
            CompositeMeterRegistry registry = new CompositeMeterRegistry();
            ClassicGroupCoordinator groups = ClassicGroupCoordinator.open(
                    dataDir.resolve(LogManager.RESERVED_PREFIX + "consumer_offsets"),
                    GroupCoordinatorConfig.defaults().withMeterRegistry(registry));
            KafkaServer server;
            try {
                server = KafkaServer.start(KafkaServerConfig.defaults().withListen("127.0.0.1", 0), manager,
                        Optional.of(groups), registry);
            } catch (IOException | RuntimeException e) {
                groups.close();
                throw e;
            }
            return new InProcessSpool(manager, server);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public String bootstrap() {
        return "127.0.0.1:" + server.port();
    }

    @Override
    public String logHint() {
        return "Spool logs to this test's output";
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            manager.close();
        }
    }

    @Override
    public String toString() {
        return "Spool at " + bootstrap();
    }
}
