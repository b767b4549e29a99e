package dev.spool.log.append;

import dev.spool.log.Durability;
import dev.spool.log.LatencyBuckets;
import dev.spool.log.segment.SegmentSet;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The meters of one log, tagged {@code topic} and {@code partition} (a directory {@code orders-3}
 * is topic {@code orders}, partition {@code 3}; a log whose directory has no partition suffix,
 * such as the group offsets' {@code __consumer_offsets}, has its directory name as topic and an
 * empty partition). Micrometer's names; Prometheus adds {@code _total} to counters and
 * {@code _seconds} to timers ({@code spool_log_appended_bytes_total}, {@code spool_log_fsync_seconds}):
 * <pre>
 *  per log
 *  spool.log.appended.records     counter   records acknowledged
 *  spool.log.appended.bytes       counter   bytes acknowledged
 *  spool.log.append.failures      counter   appends failed by an I/O error
 *  spool.log.group.appends        summary   appends written per group (one gathering write)
 *  spool.log.inflight.bytes       gauge     bytes accepted but not yet acknowledged
 *  spool.log.start.offset         gauge     the first offset a read may ask for
 *  spool.log.end.offset           gauge     the offset the next record gets
 *  spool.log.size.bytes           gauge     bytes of all segments
 *  spool.log.segments             gauge     segment count
 *
 *  shared by every log of the registry (histograms: {@link LatencyBuckets})
 *  spool.log.append               timer     per {@code durability}: from an append's acceptance to its acknowledgement
 *  spool.log.fsync                timer     fsyncs taken for strict appends or the flush policy
 * </pre>
 * The latency histograms are not per log: 18 buckets for each of thousands of partitions would
 * dwarf everything else a server publishes, and the question they answer (is the disk slow?) is
 * the server's, not a partition's.
 *
 * <p>The gauges read the log's segment set and are bound to this log instance: {@link #close}
 * removes them (when the log closes, a deleted topic's included), because Micrometer keeps the
 * first gauge registered under a name and tags, so a log reopened on the same registry (a topic
 * deleted and created again in a running server) would otherwise report through the dead one.
 * The counters stay and keep counting across reopens. With no registry given (the default) meters
 * go to an empty composite registry, which records nothing. Thread-safe.
 */
final class LogMetrics {
    /** A partition directory's name: the topic, a dash, the partition number. */
    private static final Pattern PARTITION_DIR = Pattern.compile("(.+)-(0|[1-9][0-9]{0,9})");

    final Counter appendedRecords;
    final Counter appendedBytes;
    final Counter failures;
    final DistributionSummary groupAppends;
    private final Timer fsync;
    private final Map<Durability, Timer> appendLatency = new EnumMap<>(Durability.class);
    private final MeterRegistry registry;
    private final List<Meter> gauges;

    LogMetrics(MeterRegistry registry, SegmentSet segments, AppendPipeline pipeline) {
        this.registry = registry;
        Tags tags = tags(segments.dir().getFileName().toString());
        appendedRecords = Counter.builder("spool.log.appended.records").tags(tags)
                .description("Records appended and acknowledged").register(registry);
        appendedBytes = Counter.builder("spool.log.appended.bytes").baseUnit("bytes").tags(tags)
                .description("Bytes of record batches appended and acknowledged").register(registry);
        failures = Counter.builder("spool.log.append.failures").tags(tags)
                .description("Appends failed by an I/O error (the log then refuses writes until reopened)")
                .register(registry);
        groupAppends = DistributionSummary.builder("spool.log.group.appends").tags(tags)
                .description("Appends written together in one group (one gathering write)").register(registry);
        fsync = LatencyBuckets.timer("spool.log.fsync")
                .description("Fsyncs of the logs' segments for strict appends or the flush policy, all logs together")
                .register(registry);
        for (Durability durability : Durability.values()) {
            appendLatency.put(durability, LatencyBuckets.timer("spool.log.append")
                    .tag("durability", durability.name().toLowerCase(java.util.Locale.ROOT))
                    .description("Appends from acceptance to acknowledgement (after the fsync for strict ones), "
                            + "all logs together").register(registry));
        }
        gauges = List.of(
                Gauge.builder("spool.log.inflight.bytes", pipeline, AppendPipeline::inFlightBytes).baseUnit("bytes")
                        .tags(tags).description("Bytes accepted for appending but not yet acknowledged")
                        .register(registry),
                Gauge.builder("spool.log.start.offset", segments, SegmentSet::logStartOffset).tags(tags)
                        .description("The log start offset: the first offset a read may ask for").register(registry),
                Gauge.builder("spool.log.end.offset", segments, SegmentSet::logEndOffset).tags(tags)
                        .description("The log end offset: the offset the next appended record gets").register(registry),
                Gauge.builder("spool.log.size.bytes", segments, SegmentSet::sizeBytes).baseUnit("bytes").tags(tags)
                        .description("Bytes of all the log's segments").register(registry),
                Gauge.builder("spool.log.segments", segments, s -> s.segments().size()).tags(tags)
                        .description("Segments of the log").register(registry));
    }

    /** {@code topic} and {@code partition} from a log directory's name. */
    static Tags tags(String logName) {
        Matcher partition = PARTITION_DIR.matcher(logName);
        return partition.matches() ? Tags.of("topic", partition.group(1), "partition", partition.group(2))
                : Tags.of("topic", logName, "partition", "");
    }

    /** Removes the gauges bound to this log instance (see the class comment). */
    void close() {
        gauges.forEach(registry::remove);
    }

    /**
     * Whether the meters record anything: false for the default, an empty composite registry
     * (until a registry is added to it), so the append path can skip reading the clock for a
     * latency nobody records.
     */
    boolean recording() {
        return !(registry instanceof CompositeMeterRegistry composite) || !composite.getRegistries().isEmpty();
    }

    void fsynced(long micros) {
        fsync.record(micros, TimeUnit.MICROSECONDS);
    }

    void acknowledged(Durability durability, long nanos) {
        appendLatency.get(durability).record(nanos, TimeUnit.NANOSECONDS);
    }
}
