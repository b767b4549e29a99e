package dev.spool.kafka.metrics;

import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.network.NetworkMetrics;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.log.LatencyBuckets;
import dev.spool.log.LogManager;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * The server's meters, in the registry it is given (Prometheus under {@code spool serve
 * --metrics-listen}). Micrometer's names; Prometheus adds {@code _total} to counters and
 * {@code _seconds} to timers (docs/metrics.md lists what a scrape shows):
 * <pre>
 *  spool.kafka.connections             gauge    open client connections
 *  spool.kafka.connections.refused     counter  connections closed at once (over the maximum, overall or per address)
 *  spool.kafka.connections.idle.closed counter  connections closed after connections.max.idle.ms without a request
 *  spool.kafka.received.bytes          counter  request bytes, length prefixes included
 *  spool.kafka.sent.bytes              counter  response bytes
 *  spool.kafka.requests                timer    per {@code api}: time from arrival to response ready, a histogram
 *  spool.kafka.requests.failed         counter  per {@code api}: requests that closed their connection
 *  spool.kafka.produce.bytes           counter  per {@code topic}: record bytes Produce appended (Kafka's BytesIn)
 *  spool.kafka.fetch.bytes             counter  per {@code topic}: record bytes Fetch answered with (Kafka's BytesOut)
 *  spool.partitions.offline            gauge    partitions kept offline because their files are damaged
 *  spool_group_lag                     gauge    per {@code group}, {@code topic}, {@code partition}: see {@link GroupLag}
 * </pre>
 * A request or topic meter is created the first time its API or topic is used, so only the APIs
 * clients call appear; a deleted topic's byte counters stay until the server stops.
 * {@link #close()} removes every meter registered here, so a server started again on the same
 * registry reports through its own. Thread-safe.
 */
public final class ServerMetrics implements NetworkMetrics, AutoCloseable {
    private final AtomicInteger connections = new AtomicInteger();
    private final Counter refused;
    private final Counter idleClosed;
    private final Counter received;
    private final Counter sent;
    private final MeterRegistry registry;
    private final LogManager manager;
    private final Map<ApiKeys, Timer> requests = new ConcurrentHashMap<>();
    private final Map<ApiKeys, Counter> failed = new ConcurrentHashMap<>();
    private final Map<String, Counter> produced = new ConcurrentHashMap<>();
    private final Map<String, Counter> fetched = new ConcurrentHashMap<>();
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final Optional<GroupLag> lag;

    /**
     * Registers the server's meters in {@code registry}; the consumer lag of {@code coordinator}'s
     * groups only where the registry is (or holds) a Prometheus one ({@link GroupLag}).
     */
    public ServerMetrics(MeterRegistry registry, LogManager manager, Optional<GroupCoordinator> coordinator) {
        this.registry = registry;
        this.manager = manager;
        meters.add(Gauge.builder("spool.kafka.connections", connections, AtomicInteger::get)
                .description("Open client connections").register(registry));
        refused = add(Counter.builder("spool.kafka.connections.refused")
                .description("Connections closed on accept because the maximum was reached").register(registry));
        idleClosed = add(Counter.builder("spool.kafka.connections.idle.closed")
                .description("Connections closed after connections.max.idle.ms without a request").register(registry));
        received = add(Counter.builder("spool.kafka.received.bytes").baseUnit("bytes")
                .description("Bytes of requests received, length prefixes included").register(registry));
        sent = add(Counter.builder("spool.kafka.sent.bytes").baseUnit("bytes")
                .description("Bytes of responses sent, length prefixes included").register(registry));
        meters.add(Gauge.builder("spool.partitions.offline", manager, m -> m.offlinePartitions().size())
                .description("Partitions kept offline because their files are damaged (spool repair fixes them)")
                .register(registry));
        this.lag = coordinator.flatMap(c -> GroupLag.register(registry, manager, c));
    }

    /** Publishes the bytes of request frames being read or queued, bounded by queued.max.request.bytes. */
    public void queuedRequestBytes(LongSupplier bytes) {
        meters.add(Gauge.builder("spool.kafka.queued.request", bytes, LongSupplier::getAsLong).baseUnit("bytes")
                .description("Bytes of request frames being read or waiting to be handled, all connections together "
                        + "(bounded by queued.max.request.bytes)").register(registry));
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    /**
     * A request answered ({@code response} empty for a Produce with acks=0) {@code nanos} after it
     * arrived; a Produce or Fetch also counts its topics' record bytes.
     */
    public void requestHandled(ParsedRequest request, Optional<Response> response, long nanos) {
        requests.computeIfAbsent(request.apiKey(), k -> add(LatencyBuckets.timer("spool.kafka.requests")
                        .tag("api", k.name).description("Requests handled, from arrival to response ready")
                        .register(registry)))
                .record(nanos, TimeUnit.NANOSECONDS);
        if (request.apiKey() == ApiKeys.PRODUCE) {
            produced((ProduceRequestData) request.request().data(),
                    response.map(r -> (ProduceResponseData) r.body()));
        } else if (request.apiKey() == ApiKeys.FETCH && response.isPresent()) {
            fetched((FetchResponseData) response.get().body(), request.version());
        }
    }

    /** The record bytes of each partition the response does not report an error for (all of them without one). */
    private void produced(ProduceRequestData request, Optional<ProduceResponseData> response) {
        Set<String> refused = refused(response);
        for (ProduceRequestData.TopicProduceData topic : request.topicData()) {
            long bytes = 0;
            for (ProduceRequestData.PartitionProduceData partition : topic.partitionData()) {
                if (partition.records() != null
                        && (refused.isEmpty() || !refused.contains(topic.name() + "-" + partition.index()))) {
                    bytes += partition.records().sizeInBytes();
                }
            }
            if (bytes > 0) {
                topicCounter(produced, "spool.kafka.produce.bytes", topic.name(),
                        "Record bytes appended by Produce requests (as received), per topic").increment(bytes);
            }
        }
    }

    /** The partitions a Produce response reports an error for, as {@code topic-partition}; none usually. */
    private static Set<String> refused(Optional<ProduceResponseData> response) {
        Set<String> refused = Set.of();
        if (response.isEmpty()) {
            return refused;
        }
        for (ProduceResponseData.TopicProduceResponse topic : response.get().responses()) {
            for (ProduceResponseData.PartitionProduceResponse partition : topic.partitionResponses()) {
                if (partition.errorCode() != Errors.NONE.code()) {
                    if (refused.isEmpty()) {
                        refused = new HashSet<>();
                    }
                    refused.add(topic.name() + "-" + partition.index());
                }
            }
        }
        return refused;
    }

    private void fetched(FetchResponseData response, short version) {
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            long bytes = 0;
            for (FetchResponseData.PartitionData partition : topic.partitions()) {
                bytes += partition.records() == null ? 0 : partition.records().sizeInBytes();
            }
            if (bytes > 0) {
                // From version 13 a Fetch names its topics by id only.
                Optional<String> name = version >= 13 ? topicName(topic.topicId()) : Optional.ofNullable(topic.topic());
                if (name.isPresent()) {
                    topicCounter(fetched, "spool.kafka.fetch.bytes", name.get(),
                            "Record bytes returned by Fetch responses, per topic").increment(bytes);
                }
            }
        }
    }

    private Optional<String> topicName(Uuid id) {
        return manager.findTopicName(new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits()));
    }

    private Counter topicCounter(Map<String, Counter> counters, String name, String topic, String description) {
        return counters.computeIfAbsent(topic, t -> add(Counter.builder(name).baseUnit("bytes").tag("topic", t)
                .description(description).register(registry)));
    }

    public void requestFailed(ApiKeys key) {
        failed.computeIfAbsent(key, k -> add(Counter.builder("spool.kafka.requests.failed").tag("api", k.name)
                .description("Requests that failed and closed their connection").register(registry))).increment();
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

    /** Removes every meter registered here, and the lag collector. */
    @Override
    public void close() {
        meters.forEach(registry::remove);
        meters.clear();
        lag.ifPresent(GroupLag::close);
    }
}
