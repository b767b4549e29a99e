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
 * @param advertisedListeners          where clients of each listener are told to connect (Metadata,
 *                                     FindCoordinator, DescribeCluster), as Kafka's {@code advertised.listeners}:
 *                                     at most one per listener, named by its protocol; a listener without one
 *                                     advertises its listen host, and a port of 0 means the port bound
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
public record KafkaServerConfig(List<Listener> listeners, List<Listener> advertisedListeners,
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
        advertisedListeners = List.copyOf(Objects.requireNonNull(advertisedListeners, "advertisedListeners"));
        Objects.requireNonNull(acksAllDurability, "acksAllDurability");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(security, "security");
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("no listener: a server needs at least one");
        }
        if (listeners.stream().map(Listener::protocol).distinct().count() != listeners.size()) {
            throw new IllegalArgumentException("listeners " + listeners + " name a protocol twice");
        }
        requireAdvertisedListenersMatch(listeners, advertisedListeners);
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

    private static void requireAdvertisedListenersMatch(List<Listener> listeners, List<Listener> advertised) {
        for (Listener listener : advertised) {
            if (listeners.stream().noneMatch(l -> l.protocol() == listener.protocol())) {
                throw new IllegalArgumentException("advertised listener " + listener + " names no listener; the"
                        + " listeners are " + listeners);
            }
        }
        if (advertised.stream().map(Listener::protocol).distinct().count() != advertised.size()) {
            throw new IllegalArgumentException("advertised listeners " + advertised + " name a protocol twice");
        }
    }

    /** The advertised listeners whose protocol is among {@code listeners}' (the rest have nothing to advertise). */
    private static List<Listener> advertisedFor(List<Listener> listeners, List<Listener> advertised) {
        return advertised.stream()
                .filter(a -> listeners.stream().anyMatch(l -> l.protocol() == a.protocol()))
                .toList();
    }

    /** 127.0.0.1:9092, auto-created topics of one partition, acks=all waits for an fsync. */
    public static KafkaServerConfig defaults() {
        return new KafkaServerConfig(List.of(Listener.plaintext(DEFAULT_HOST, DEFAULT_PORT)), List.of(), DEFAULT_REQUEST_BYTES_MAX,
                DEFAULT_CONNECTIONS_MAX, true, 1, Durability.STRICT, DEFAULT_PRODUCER_STATE_SCAN_BYTES,
                DEFAULT_PRODUCERS_PER_PARTITION_MAX, DEFAULT_SHUTDOWN_TIMEOUT_MS, true, ConnectionLimits.defaults(),
                DEFAULT_PARTITIONS_MAX, SecuritySettings.defaults());
    }

    /** One {@code PLAINTEXT} listener on {@code host:port} (advertised listeners of other protocols are dropped). */
    public KafkaServerConfig withListen(String host, int port) {
        List<Listener> next = List.of(Listener.plaintext(host, port));
        return new KafkaServerConfig(next, advertisedFor(next, advertisedListeners),
                requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    /**
     * Advertises {@code host:port} for the first listener (port 0: the port it binds); an empty host
     * and port 0 advertise its listen address.
     */
    public KafkaServerConfig withAdvertised(String host, int port) {
        Listener first = listeners.get(0);
        List<Listener> next = new java.util.ArrayList<>(advertisedListeners);
        next.removeIf(a -> a.protocol() == first.protocol());
        if (!host.isEmpty() || port != 0) {
            next.add(0, new Listener(first.protocol(), host.isEmpty() ? first.host() : host, port));
        }
        return withAdvertisedListeners(next);
    }

    /** Advertises each of {@code next} for the listener of its protocol (instead of those so far). */
    public KafkaServerConfig withAdvertisedListeners(List<Listener> next) {
        return new KafkaServerConfig(listeners, next, requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withRequestBytesMax(int bytes) {
        return new KafkaServerConfig(listeners, advertisedListeners, bytes, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withConnectionsMax(int connections) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connections, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withAutoCreateTopics(boolean enabled) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, enabled, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withDefaultPartitions(int partitions) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, autoCreateTopics, partitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withAcksAllDurability(Durability durability) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, durability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withProducerState(long scanBytes, int producersPerPartition) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, scanBytes,
                producersPerPartition, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withZeroCopyFetch(boolean enabled) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, enabled, limits, partitionsMax, security);
    }

    public KafkaServerConfig withShutdownTimeoutMs(long ms) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, ms, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withLimits(ConnectionLimits next) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, next, partitionsMax, security);
    }

    public KafkaServerConfig withPartitionsMax(int partitions) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax,
                connectionsMax, autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitions, security);
    }

    /**
     * Listens where {@code next} say, each with its protocol (instead of the listeners so far);
     * advertised listeners of protocols no longer listened on are dropped.
     */
    public KafkaServerConfig withListeners(List<Listener> next) {
        return new KafkaServerConfig(next, advertisedFor(next, advertisedListeners), requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, security);
    }

    public KafkaServerConfig withSecurity(SecuritySettings next) {
        return new KafkaServerConfig(listeners, advertisedListeners, requestBytesMax, connectionsMax,
                autoCreateTopics, defaultPartitions, acksAllDurability, producerStateScanBytes,
                producersPerPartitionMax, shutdownTimeoutMs, zeroCopyFetch, limits, partitionsMax, next);
    }
}
