package dev.spool.kafka;

import dev.spool.kafka.network.ConnectionLimits;
import dev.spool.log.Durability;
import java.util.Objects;

/**
 * How a {@link KafkaServer} runs. Immutable; start from {@link #defaults()} and change fields with
 * the {@code with…} methods. Limits carry their unit last.
 *
 * @param listenHost                   interface to bind; 127.0.0.1 unless told otherwise
 * @param listenPort                   port to bind; 0 picks a free one ({@link KafkaServer#port()} tells which)
 * @param advertisedHost               host clients are told to connect to (Metadata, FindCoordinator);
 *                                     empty means the listen host
 * @param advertisedPort               port clients are told; 0 means the bound port
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
 */
public record KafkaServerConfig(String listenHost, int listenPort, String advertisedHost, int advertisedPort,
                                int requestBytesMax, int connectionsMax, boolean autoCreateTopics,
                                int defaultPartitions, Durability acksAllDurability, long producerStateScanBytes,
                                int producersPerPartitionMax, long shutdownTimeoutMs, boolean zeroCopyFetch,
                                ConnectionLimits limits, int partitionsMax) {

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
        Objects.requireNonNull(listenHost, "listenHost");
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        Objects.requireNonNull(acksAllDurability, "acksAllDurability");
        Objects.requireNonNull(limits, "limits");
        if (listenHost.isEmpty()) {
            throw new IllegalArgumentException("listenHost is empty");
        }
        requirePort("listenPort", listenPort);
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

    private static void requirePort(String name, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0 to 65535, was " + port);
        }
    }

    /** 127.0.0.1:9092, auto-created topics of one partition, acks=all waits for an fsync. */
    public static KafkaServerConfig defaults() {
        return new KafkaServerConfig(DEFAULT_HOST, DEFAULT_PORT, "", 0, DEFAULT_REQUEST_BYTES_MAX,
                DEFAULT_CONNECTIONS_MAX, true, 1, Durability.STRICT, DEFAULT_PRODUCER_STATE_SCAN_BYTES,
                DEFAULT_PRODUCERS_PER_PARTITION_MAX, DEFAULT_SHUTDOWN_TIMEOUT_MS, true, ConnectionLimits.defaults(),
                DEFAULT_PARTITIONS_MAX);
    }

    public KafkaServerConfig withListen(String host, int port) {
        return new KafkaServerConfig(host, port, advertisedHost, advertisedPort, requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withAdvertised(String host, int port) {
        return new KafkaServerConfig(listenHost, listenPort, host, port, requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withRequestBytesMax(int bytes) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, bytes, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withConnectionsMax(int connections) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connections, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withAutoCreateTopics(boolean enabled) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, enabled, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withDefaultPartitions(int partitions) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, partitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withAcksAllDurability(Durability durability) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, durability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withProducerState(long scanBytes, int producersPerPartition) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, scanBytes,
                producersPerPartition, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withZeroCopyFetch(boolean enabled) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, enabled, limits, partitionsMax);
    }

    public KafkaServerConfig withShutdownTimeoutMs(long ms) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, ms, zeroCopyFetch, limits, partitionsMax);
    }

    public KafkaServerConfig withLimits(ConnectionLimits next) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, next, partitionsMax);
    }

    public KafkaServerConfig withPartitionsMax(int partitions) {
        return new KafkaServerConfig(listenHost, listenPort, advertisedHost, advertisedPort, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitions);
    }
}
