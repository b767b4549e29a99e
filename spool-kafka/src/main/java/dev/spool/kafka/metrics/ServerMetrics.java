package dev.spool.kafka.metrics;

import dev.spool.kafka.network.NetworkMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The server's meters, in the registry it is given (Prometheus under {@code spool serve
 * --metrics-listen}):
 * <pre>
 *  spool.kafka.connections            gauge    open client connections
 *  spool.kafka.connections.refused    counter  connections closed at once (over the maximum, overall or per address)
 *  spool.kafka.connections.idle.closed counter connections closed after connections.max.idle.ms without a request
 *  spool.kafka.bytes.received         counter  request bytes, length prefixes included
 *  spool.kafka.bytes.sent             counter  response bytes
 *  spool.kafka.requests               timer    per {@code api}: count and time from decode to response ready
 *  spool.kafka.requests.failed        counter  per {@code api}: requests that closed their connection
 * </pre>
 * Thread-safe; a request meter is created the first time its API is used, so only the APIs
 * clients call appear.
 */
public final class ServerMetrics implements NetworkMetrics {
    private final AtomicInteger connections = new AtomicInteger();
    private final Counter refused;
    private final Counter idleClosed;
    private final Counter received;
    private final Counter sent;
    private final MeterRegistry registry;
    private final Map<ApiKeys, Timer> requests = new ConcurrentHashMap<>();
    private final Map<ApiKeys, Counter> failed = new ConcurrentHashMap<>();

    public ServerMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("spool.kafka.connections", connections, AtomicInteger::get)
                .description("Open client connections").register(registry);
        refused = Counter.builder("spool.kafka.connections.refused")
                .description("Connections closed on accept because the maximum was reached").register(registry);
        idleClosed = Counter.builder("spool.kafka.connections.idle.closed")
                .description("Connections closed after connections.max.idle.ms without a request").register(registry);
        received = Counter.builder("spool.kafka.bytes.received").baseUnit("bytes").register(registry);
        sent = Counter.builder("spool.kafka.bytes.sent").baseUnit("bytes").register(registry);
    }

    public void requestHandled(ApiKeys key, long nanos) {
        requests.computeIfAbsent(key, k -> Timer.builder("spool.kafka.requests").tag("api", k.name)
                .description("Requests handled, from decode to response ready").register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void requestFailed(ApiKeys key) {
        failed.computeIfAbsent(key, k -> Counter.builder("spool.kafka.requests.failed").tag("api", k.name)
                .description("Requests that closed their connection").register(registry)).increment();
    }

    @Override
    public void connectionOpened() {
        connections.incrementAndGet();
    }

    @Override
    public void connectionClosed() {
        connections.decrementAndGet();
    }

    @Override
    public void connectionRefused() {
        refused.increment();
    }

    @Override
    public void connectionIdleClosed() {
        idleClosed.increment();
    }

    @Override
    public void bytesReceived(long bytes) {
        received.increment(bytes);
    }

    @Override
    public void bytesSent(long bytes) {
        sent.increment(bytes);
    }
}
