package dev.spool.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The buffer's meters, named as the seed's disk buffer names them, tagged {@code component_id}
 * and {@code buffer_type=disk}:
 * <pre>
 *  buffer_received_events_total  counter  items enqueued (written)
 *  buffer_received_bytes_total   counter  their stored bytes
 *  buffer_sent_events_total      counter  items acknowledged by the consumer (they leave the buffer)
 *  buffer_sent_bytes_total       counter  their stored bytes
 *  buffer_dropped_events_total   counter  items discarded by {@link WhenFull#DROP_NEWEST}
 *  buffer_size_events            gauge    unacknowledged items
 *  buffer_size_bytes             gauge    their stored bytes
 *  buffer_max_size_bytes         gauge    the byte limit
 *  buffer_blocked                timer    time producers spent blocked on a full buffer or a disk that refused writes
 *  buffer_write_errors_total     counter  writes the disk refused (full, failing): those items were not stored
 *  buffer_corrupt_skipped_events_total counter damaged items skipped under {@link WhenCorrupt#SKIP}
 * </pre>
 * Bytes are stored bytes (the item's record batch), the unit the size limit counts, so
 * {@code size = received - sent} holds within a run. "Sent" counts acknowledgement, not delivery:
 * an item delivered and not acknowledged is still in the buffer and is redelivered after a restart.
 */
final class BufferMetrics {
    static final String RECEIVED_EVENTS = "buffer_received_events_total";
    static final String RECEIVED_BYTES = "buffer_received_bytes_total";
    static final String SENT_EVENTS = "buffer_sent_events_total";
    static final String SENT_BYTES = "buffer_sent_bytes_total";
    static final String DROPPED_EVENTS = "buffer_dropped_events_total";
    static final String SIZE_EVENTS = "buffer_size_events";
    static final String SIZE_BYTES = "buffer_size_bytes";
    static final String MAX_SIZE_BYTES = "buffer_max_size_bytes";
    static final String BLOCKED = "buffer_blocked";
    static final String WRITE_ERRORS = "buffer_write_errors_total";
    static final String CORRUPT_SKIPPED = "buffer_corrupt_skipped_events_total";

    private final MeterRegistry registry;
    private final Counter receivedEvents;
    private final Counter receivedBytes;
    private final Counter sentEvents;
    private final Counter sentBytes;
    private final Counter droppedEvents;
    private final Timer blocked;
    private final Counter writeErrors;
    private final Counter corruptSkipped;
    private final Gauge sizeEvents;
    private final Gauge sizeBytes;
    private final Gauge maxSizeBytes;

    BufferMetrics(MeterRegistry registry, String componentId, Supplier<Number> items, Supplier<Number> bytes,
                  long bytesMax) {
        this.registry = registry;
        Tags tags = Tags.of("component_id", componentId, "buffer_type", "disk");
        receivedEvents = Counter.builder(RECEIVED_EVENTS).tags(tags).register(registry);
        receivedBytes = Counter.builder(RECEIVED_BYTES).baseUnit("bytes").tags(tags).register(registry);
        sentEvents = Counter.builder(SENT_EVENTS).tags(tags).register(registry);
        sentBytes = Counter.builder(SENT_BYTES).baseUnit("bytes").tags(tags).register(registry);
        droppedEvents = Counter.builder(DROPPED_EVENTS).tags(tags).register(registry);
        blocked = Timer.builder(BLOCKED).tags(tags).register(registry);
        writeErrors = Counter.builder(WRITE_ERRORS).tags(tags).register(registry);
        corruptSkipped = Counter.builder(CORRUPT_SKIPPED).tags(tags).register(registry);
        sizeEvents = Gauge.builder(SIZE_EVENTS, items).tags(tags).register(registry);
        sizeBytes = Gauge.builder(SIZE_BYTES, bytes).baseUnit("bytes").tags(tags).register(registry);
        maxSizeBytes = Gauge.builder(MAX_SIZE_BYTES, () -> bytesMax).baseUnit("bytes").tags(tags).register(registry);
    }

    void received(int storedBytes) {
        receivedEvents.increment();
        receivedBytes.increment(storedBytes);
    }

    void sent(long items, long storedBytes) {
        sentEvents.increment(items);
        sentBytes.increment(storedBytes);
    }

    void dropped() {
        droppedEvents.increment();
    }

    void writeFailed() {
        writeErrors.increment();
    }

    void corruptSkipped() {
        corruptSkipped.increment();
    }

    void blockedFor(long nanos) {
        blocked.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Removes the meters, so a reopened buffer with the same component id registers fresh ones. */
    void close() {
        for (var meter : new io.micrometer.core.instrument.Meter[] {receivedEvents, receivedBytes, sentEvents,
                sentBytes, droppedEvents, blocked, writeErrors, corruptSkipped, sizeEvents, sizeBytes, maxSizeBytes}) {
            registry.remove(meter);
        }
    }
}
