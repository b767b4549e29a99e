package dev.spool.kafka.metrics;

import dev.spool.kafka.group.GroupCoordinator;
import dev.spool.kafka.group.GroupPartitionOffset;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MetricType;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spool_group_lag{group, topic, partition}}: how far each consumer group is behind, the
 * partition's log end offset minus the offset the group committed, computed at each scrape from
 * the coordinator's committed offsets ({@link GroupCoordinator#committedOffsets()}) and the logs.
 *
 * <p>A Prometheus collector rather than a Micrometer gauge: the series (one per committed offset)
 * come and go with commits, group deletions and offset expiry, and a collector reads them when
 * asked instead of keeping one registered gauge per offset in step with the coordinator. So the
 * lag is published only by a Prometheus registry ({@link #register} finds one, also inside a
 * composite). A committed offset of a partition that no longer exists, or is offline, has no
 * series; the lag is not clamped, so an offset committed past the log end (after the log was
 * truncated) shows as negative. Thread-safe.
 */
final class GroupLag implements Collector {
    private static final Logger LOG = LoggerFactory.getLogger(GroupLag.class);
    static final String NAME = "spool_group_lag";
    private static final String HELP = "Consumer-group lag: the partition's log end offset minus the group's "
            + "committed offset, computed at each scrape";

    private final PrometheusRegistry prometheus;
    private final LogManager manager;
    private final GroupCoordinator coordinator;

    private GroupLag(PrometheusRegistry prometheus, LogManager manager, GroupCoordinator coordinator) {
        this.prometheus = prometheus;
        this.manager = manager;
        this.coordinator = coordinator;
    }

    /** Registers the lag with the Prometheus registry {@code registry} is or holds; empty without one. */
    static Optional<GroupLag> register(MeterRegistry registry, LogManager manager, GroupCoordinator coordinator) {
        return prometheusOf(registry).flatMap(prometheus -> {
            GroupLag lag = new GroupLag(prometheus, manager, coordinator);
            try {
                prometheus.register(lag);
            } catch (IllegalArgumentException | IllegalStateException e) {
                // Another server publishes its lag in this registry: one family, one owner; this server still serves.
                LOG.warn("Not publishing {} of this server: {}", NAME, e.getMessage());
                return Optional.empty();
            }
            return Optional.of(lag);
        });
    }

    private static Optional<PrometheusRegistry> prometheusOf(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            return Optional.of(prometheus.getPrometheusRegistry());
        }
        if (registry instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry child : composite.getRegistries()) {
                Optional<PrometheusRegistry> found = prometheusOf(child);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public MetricSnapshot collect() {
        GaugeSnapshot.Builder snapshot = GaugeSnapshot.builder().name(NAME).help(HELP);
        for (GroupPartitionOffset committed : coordinator.committedOffsets()) {
            Optional<Log> log;
            try {
                log = manager.findLog(committed.topic(), committed.partition());
            } catch (RuntimeException e) { // offline (damaged), or the manager is closing: no lag to tell
                continue;
            }
            if (log.isPresent()) {
                snapshot.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("group", committed.group(), "topic", committed.topic(),
                                "partition", Integer.toString(committed.partition())))
                        .value(log.get().logEndOffset() - committed.offset()).build());
            }
        }
        return snapshot.build();
    }

    @Override
    public String getPrometheusName() {
        return NAME;
    }

    @Override
    public MetricType getMetricType() {
        return MetricType.GAUGE;
    }

    @Override
    public Set<String> getLabelNames() {
        return Set.of("group", "topic", "partition");
    }

    void close() {
        prometheus.unregister(this);
    }
}
