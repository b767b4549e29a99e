package dev.spool.kafka.metrics;

import dev.spool.kafka.network.NetworkMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The server's meters, in the registry it is given (Prometheus under {@code spool serve
 * --metrics-listen}):
 * <pre>
 *  spool.kafka.connections            gauge    open client connections
 *  spool.kafka.connections.refused    counter  connections closed at once (over the maximum)
 *  spool.kafka.bytes.received         counter  request bytes, length prefixes included
 *  spool.kafka.bytes.sent             counter  response bytes
 *  spool.kafka.requests               timer    per {@code api}: count and time from decode to response ready
 *  spool.kafka.requests.failed        counter  per {@code api}: requests that closed their connection
 * </pre>
 * Thread-safe; meters are created up front, so the request path only looks them up.
 */
public final class ServerMetrics implements NetworkMetrics {
    private final AtomicInteger connections = new AtomicInteger();
    private final Counter refused;
    private final Counter received;
    private final Counter sent;
    private final Map<ApiKeys, Timer> requests = new EnumMap<>(ApiKeys.class);
    private final Map<ApiKeys, Counter> failed = new EnumMap<>(ApiKeys.class);

    public ServerMetrics(MeterRegistry registry) {
        Gauge.builder("spool.kafka.connections", connections, AtomicInteger::get)
                .description("Open client connections").register(registry);
        refused = Counter.builder("spool.kafka.connections.refused")
                .description("Connections closed on accept because the maximum was reached").register(registry);
        received = Counter.builder("spool.kafka.bytes.received").baseUnit("bytes").register(registry);
        sent = Counter.builder("spool.kafka.bytes.sent").baseUnit("bytes").register(registry);
        for (ApiKeys key : ApiKeys.values()) {
            requests.put(key, Timer.builder("spool.kafka.requests").tag("api", key.name)
                    .description("Requests handled, from decode to response ready").register(registry));
            failed.put(key, Counter.builder("spool.kafka.requests.failed").tag("api", key.name)
                    .description("Requests that closed their connection").register(registry));
        }
    }

    public void requestHandled(ApiKeys key, long nanos) {
        requests.get(key).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void requestFailed(ApiKeys key) {
        failed.get(key).increment();
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
    public void bytesReceived(long bytes) {
        received.increment(bytes);
    }

    @Override
    public void bytesSent(long bytes) {
        sent.increment(bytes);
    }
}
