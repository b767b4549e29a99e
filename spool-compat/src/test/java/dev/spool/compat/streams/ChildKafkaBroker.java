package dev.spool.compat.streams;

import dev.spool.bench.kafka.BrokerProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Apache Kafka broker (single-node KRaft, Kafka's defaults) in a child JVM, started by the
 * wire benchmark's launcher over a fresh directory; its output goes to {@code broker.log} there.
 */
final class ChildKafkaBroker implements StreamsTarget {
    /** Small and fixed, so a test run does not depend on the machine's memory. */
    private static final List<String> JVM_FLAGS = List.of("-Xmx512m", "-XX:+UseG1GC");

    private final BrokerProcess process;
    private final Path log;

    private ChildKafkaBroker(BrokerProcess process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ChildKafkaBroker start(Path dir) throws IOException {
        Path log = dir.resolve("broker.log");
        BrokerProcess process = BrokerProcess.start(JVM_FLAGS, List.of("kafka", dir.resolve("broker").toString(),
                Integer.toString(freePort()), Integer.toString(freePort())), log);
        return new ChildKafkaBroker(process, log);
    }

    /**
     * A port free at the moment of asking. The child binds it a moment later, so another process
     * could take it in between; on loopback in a test run that race is rare, and it fails loudly.
     */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String bootstrap() {
        return process.bootstrap();
    }

    @Override
    public String logHint() {
        return "broker log: " + log;
    }

    @Override
    public void close() throws IOException {
        process.close();
    }

    @Override
    public String toString() {
        return "Kafka at " + bootstrap();
    }
}
