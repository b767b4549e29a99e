package dev.spool.kafka;

import dev.spool.kafka.api.AdvertisedAddress;
import dev.spool.kafka.api.KafkaApis;
import dev.spool.kafka.txn.TransactionStore;
import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.metrics.ServerMetrics;
import dev.spool.kafka.network.NetworkServer;
import dev.spool.kafka.network.TlsContexts;
import dev.spool.kafka.producer.ProducerIdManager;
import dev.spool.kafka.security.CredentialStore;
import dev.spool.log.LogManager;
import dev.spool.log.io.FileIO;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka-compatible server over the logs of one {@link LogManager}: unmodified Kafka clients
 * produce, consume and administer topics through it.
 *
 * <h2>Design</h2>
 * Three layers, each in its package: {@code network} (Netty: framing, requests answered in order
 * per connection, limits), {@code protocol} (kafka-clients' generated classes behind a thin
 * adapter; the advertised versions), {@code api} (one handler per API over the log manager).
 * Threads: a Produce is decoded and handled on its connection's event loop and handed to the
 * log's writer, whose acknowledgement sends the answer back through the event loop (two threads;
 * a connection's next Produce starts while the previous one waits for its fsync, so they share
 * it); a zero-copy Fetch runs on the event loop too; every other request runs on a small handler
 * pool. Nothing waits on a thread (acks=all appends, long-poll fetches and group joins complete
 * futures). Producer ids come from {@link ProducerIdManager}, which keeps them unique across
 * restarts in the data directory.
 *
 * <p>The caller owns the log manager and the group coordinator (the coordinator is optional:
 * without one the group APIs are not advertised). {@link #close()} is the graceful shutdown:
 * stop accepting, answer waiting fetches, finish the requests in flight, close connections;
 * closing the log manager afterwards flushes and writes the clean-shutdown marker. Thread-safe.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaServer.class);

    private final KafkaServerConfig config;
    private final NetworkServer network;
    private final KafkaApis apis;
    private final ExecutorService handlers;
    private final ScheduledExecutorService timer;
    private final Optional<GroupCoordinator> coordinator;
    private volatile boolean closed;

    private KafkaServer(KafkaServerConfig config, NetworkServer network, KafkaApis apis, ExecutorService handlers,
                        ScheduledExecutorService timer, Optional<GroupCoordinator> coordinator) {
        this.config = config;
        this.network = network;
        this.apis = apis;
        this.handlers = handlers;
        this.timer = timer;
        this.coordinator = coordinator;
    }

    /** Starts a server over {@code manager} without a group coordinator and without meters. */
    public static KafkaServer start(KafkaServerConfig config, LogManager manager) throws IOException {
        return start(config, manager, Optional.empty(), new CompositeMeterRegistry());
    }

    /**
     * Starts a server over {@code manager}, routing the group APIs to {@code coordinator} if
     * present and recording meters in {@code registry}. Returns once it listens.
     */
    public static KafkaServer start(KafkaServerConfig config, LogManager manager,
                                    Optional<GroupCoordinator> coordinator, MeterRegistry registry) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(coordinator, "coordinator");
        ProducerIdManager producerIds = ProducerIdManager.open(FileIO.real(), manager.dataDir());
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ExecutorService handlers = Executors.newFixedThreadPool(threads, daemon("spool-kafka-handler"));
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon("spool-kafka-timer"));
        ServerMetrics metrics = new ServerMetrics(registry, manager, coordinator);
        try {
            // The advertised port may be the bound one, known only after binding: the handlers read
            // it through this holder.
            // TLS material is read once, before anything listens: a file it cannot use stops the start.
            TlsContexts tls = TlsContexts.create(config.security().tls(), config.listeners());
            AdvertisedAddress advertised = new AdvertisedAddress(config);
            CredentialStore credentials = CredentialStore.open(FileIO.real(), manager.dataDir());
            if (config.listeners().stream().anyMatch(dev.spool.kafka.network.Listener::usesSasl)
                    && credentials.users().isEmpty()) {
                LOG.warn("A SASL listener is configured but no user exists yet: no client can authenticate"
                        + " (add one with 'spool users add')");
            }
            Optional<TransactionStore> transactionLog = openTransactionLog(manager, registry);
            KafkaApis apis;
            try {
                apis = new KafkaApis(manager, config, advertised, coordinator, producerIds, handlers, timer, metrics,
                        credentials, transactionLog);
            } catch (IOException | RuntimeException e) {
                for (TransactionStore log : transactionLog.stream().toList()) {
                    log.close();
                }
                throw e;
            }
            NetworkServer network = NetworkServer.start(config.listeners(), tls,
                    config.requestBytesMax(), config.connectionsMax(), config.limits(), Math.max(1, threads / 2), apis,
                    metrics);
            advertised.bound(network.boundAddresses());
            metrics.queuedRequestBytes(network::queuedRequestBytes);
            KafkaServer server = new KafkaServer(config, network, apis, handlers, timer, coordinator);
            LOG.info("Serving the Kafka protocol on {} (advertised as {}), data in {}", network.boundAddresses().values(),
                    advertised.describe(), manager.dataDir());
            return server;
        } catch (IOException | RuntimeException e) {
            metrics.close();
            handlers.shutdownNow();
            timer.shutdownNow();
            throw e;
        }
    }

    /**
     * The transaction coordinator's log ({@link TransactionStore#DIR_NAME} in the data directory).
     * A damaged one takes only transactions offline: the server starts without a transaction
     * coordinator (the transaction APIs are not advertised and a transactional producer fails at
     * once), after one error naming the log.
     */
    private static Optional<TransactionStore> openTransactionLog(LogManager manager, MeterRegistry registry) {
        java.nio.file.Path dir = manager.dataDir().resolve(TransactionStore.DIR_NAME);
        try {
            return Optional.of(TransactionStore.open(dir, System::currentTimeMillis, registry));
        } catch (IOException e) {
            LOG.error("Transactions are offline: the transaction log {} could not be opened ({}); the rest serves."
                    + " Stop the server and run `spool repair {}`", dir, e.getMessage(), TransactionStore.DIR_NAME);
            return Optional.empty();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The address the first listener listens on. */
    public InetSocketAddress address() {
        return network.localAddress();
    }

    /** Where each listener listens, in the order of {@link KafkaServerConfig#listeners()}. */
    public java.util.Map<dev.spool.kafka.network.Listener, InetSocketAddress> addresses() {
        return network.boundAddresses();
    }

    /**
     * How many responses could not be encoded at the version their client asked for, and were
     * answered with the API's error response instead (each API and version is logged once).
     */
    public long encodingFailureCount() {
        return network.encodingFailureCount();
    }

    /** The port the first listener listens on (the real one when 0 was asked). */
    public int port() {
        return network.localAddress().getPort();
    }

    public KafkaServerConfig config() {
        return config;
    }

    /** Open client connections. */
    public int connectionCount() {
        return network.connectionCount();
    }

    /** How many fetches are waiting for data (long poll). */
    public int waitingFetches() {
        return apis.waitingFetches();
    }

    /**
     * Graceful shutdown: stops accepting and reading, answers waiting fetches, waits up to the
     * configured timeout for requests in flight, then closes connections, the group coordinator
     * and the threads. The log manager stays open: its owner closes it (flush, clean marker).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        network.stopAccepting();
        apis.wakeWaitingFetches();
        network.close(config.shutdownTimeoutMs());
        coordinator.ifPresent(GroupCoordinator::close);
        apis.close();
        handlers.shutdown();
        timer.shutdownNow();
        try {
            if (!handlers.awaitTermination(config.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)) {
                handlers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handlers.shutdownNow();
        }
        LOG.info("Stopped serving on {}", network.localAddress());
    }
}
