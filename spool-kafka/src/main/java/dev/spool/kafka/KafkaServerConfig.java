package dev.spool.kafka;

import dev.spool.kafka.network.ConnectionLimits;
import dev.spool.log.Durability;
import dev.spool.kafka.network.Listener;
import dev.spool.kafka.security.SecuritySettings;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link KafkaServer} runs. Immutable; start from {@link #defaults()} and change fields with
 * the {@code with…} methods. Limits carry their unit last.
 *
 * @param listeners                    where to listen and with which security protocol, one listener per
 *                                     protocol; {@code PLAINTEXT://127.0.0.1:9092} unless told otherwise (a port
 *                                     of 0 picks a free one: {@link KafkaServer#port()} tells which)
 * @param advertisedHost               host clients of the first listener are told to connect to (Metadata,
 *                                     FindCoordinator); empty means its listen host
 * @param advertisedPort               port clients of the first listener are told; 0 means the bound port
 * @param requestBytesMax              largest request frame accepted (Kafka {@code socket.request.max.bytes});
 *                                     a larger length prefix closes the connection before anything is allocated
 * @param connectionsMax               most client connections open at once; more are closed on accept
 * @param autoCreateTopics             Metadata and Produce create unknown topics (Kafka
 *                                     {@code auto.create.topics.enable})
 * @param defaultPartitions            partitions of a topic created without a count ({@code num.partitions})
 * @param acksAllDurability            what {@code acks=all} waits for: {@link Durability#STRICT} (an fsync, the
 *                                     default) or {@link Durability#NONE} (the page cache, Kafka's own default)
 * @param producerStateScanBytes       bytes at the tail of a partition scanned to rebuild idempotent-producer
 *                                     state the first time the partition is produced to after a start
 * @param producersPerPartitionMax     producer ids whose sequence state one partition keeps; the least
 *                                     recently used is forgotten beyond it (Kafka's KIP-936 memory problem)
 * @param shutdownTimeoutMs            how long a graceful close waits for requests in flight
 * @param zeroCopyFetch                Fetch sends stored batches from their segment files with
 *                                     {@code transferTo} (the default); false reads them into the heap first
 * @param limits                       per-address connections, idle and read deadlines, fetch response size
 * @param partitionsMax                most partitions the server holds, all topics together ({@code max.partitions},
 *                                     as KIP-578 names it): CreateTopics, CreatePartitions and auto-creation
 *                                     beyond it are refused, so clients cannot exhaust file descriptors and memory
 * @param security                     TLS material, SASL mechanisms and the authorizer
 */
public record KafkaServerConfig(List<Listener> listeners, String advertisedHost, int advertisedPort,
                                int requestBytesMax, int connectionsMax, boolean autoCreateTopics,
                                int defaultPartitions, Durability acksAllDurability, long producerStateScanBytes,
                                int producersPerPartitionMax, long shutdownTimeoutMs, boolean zeroCopyFetch,
                                ConnectionLimits limits, int partitionsMax,
                                SecuritySettings security) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 9092;
    /** Kafka's {@code socket.request.max.bytes}. */
    public static final int DEFAULT_REQUEST_BYTES_MAX = 100 << 20;
    public static final int DEFAULT_CONNECTIONS_MAX = 1024;
    public static final long DEFAULT_PRODUCER_STATE_SCAN_BYTES = 32L << 20;
    public static final int DEFAULT_PRODUCERS_PER_PARTITION_MAX = 10_000;
    public static final long DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;
    /** Each partition holds a few open files: 10,000 stays well inside a raised descriptor limit. */
    public static final int DEFAULT_PARTITIONS_MAX = 10_000;

    public KafkaServerConfig {
        listeners = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        Objects.requireNonNull(acksAllDurability, "acksAllDurability");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(security, "security");
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("no listener: a server needs at least one");
        }
        if (listeners.stream().map(Listener::protocol).distinct().count() != listeners.size()) {
            throw new IllegalArgumentException("listeners " + listeners + " name a protocol twice");
        }
        requirePort("advertisedPort", advertisedPort);
        if (requestBytesMax < 64) {
            throw new IllegalArgumentException("requestBytesMax must be at least 64, was " + requestBytesMax);
        }
        if (connectionsMax < 1 || defaultPartitions < 1 || producersPerPartitionMax < 1) {
            throw new IllegalArgumentException("connectionsMax, defaultPartitions and producersPerPartitionMax "
                    + "must be positive");
        }
        if (partitionsMax < 1) {
            throw new IllegalArgumentException("partitionsMax must be at least 1, was " + partitionsMax);
        }
        if (producerStateScanBytes < 0 || shutdownTimeoutMs < 0) {
            throw new IllegalArgumentException("producerStateScanBytes and shutdownTimeoutMs must not be negative");
        }
    }

    /** The host the first listener binds. */
    public String listenHost() {
        return listeners.get(0).host();
    }

    /** The port the first listener binds (0: a free one). */
    public int listenPort() {
        return listeners.get(0).port();
    }

    private static void requirePort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0 to 65535, was " + port);
        }
    }

    /** 127.0.0.1:9092, auto-created topics of one partition, acks=all waits for an fsync. */
    public static KafkaServerConfig defaults() {
        return new KafkaServerConfig(List.of(Listener.plaintext(DEFAULT_HOST, DEFAULT_PORT)), "", 0, DEFAULT_REQUEST_BYTES_MAX,
                DEFAULT_CONNECTIONS_MAX, true, 1, Durability.STRICT, DEFAULT_PRODUCER_STATE_SCAN_BYTES,
                DEFAULT_PRODUCERS_PER_PARTITION_MAX, DEFAULT_SHUTDOWN_TIMEOUT_MS, true, ConnectionLimits.defaults(),
                DEFAULT_PARTITIONS_MAX, SecuritySettings.defaults());
    }

    /** One {@code PLAINTEXT} listener on {@code host:port}. */
    public KafkaServerConfig withListen(String host, int port) {
        return new KafkaServerConfig(List.of(Listener.plaintext(host, port)), advertisedHost, advertisedPort,
                requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withAdvertised(String host, int port) {
        return new KafkaServerConfig(listeners, host, port, requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withRequestBytesMax(int bytes) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, bytes, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withConnectionsMax(int connections) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connections, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withAutoCreateTopics(boolean enabled) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, enabled, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withDefaultPartitions(int partitions) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, partitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withAcksAllDurability(Durability durability) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, durability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withProducerState(long scanBytes, int producersPerPartition) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, scanBytes,
                producersPerPartition, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withZeroCopyFetch(boolean enabled) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, enabled, limits, partitionsMax, security);
    }

    public KafkaServerConfig withShutdownTimeoutMs(long ms) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, ms, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withLimits(ConnectionLimits next) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, next, partitionsMax, security);
    }

    public KafkaServerConfig withPartitionsMax(int partitions) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitions, security);
    }

    /** Listens where {@code next} say, each with its protocol (instead of the listeners so far). */
    public KafkaServerConfig withListeners(List<Listener> next) {
        return new KafkaServerConfig(next, advertisedHost, advertisedPort, requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withSecurity(SecuritySettings next) {
        return new KafkaServerConfig(listeners, advertisedHost, advertisedPort, requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, next);
    }
}
