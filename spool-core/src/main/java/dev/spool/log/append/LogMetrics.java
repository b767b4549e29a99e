package dev.spool.log.append;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one log's append path, tagged {@code log=<topic-partition>}:
 * <pre>
 *  spool.log.appended.records     counter   records acknowledged
 *  spool.log.appended.bytes       counter   bytes acknowledged
 *  spool.log.append.failures      counter   appends failed by an I/O error
 *  spool.log.fsync                timer     fsyncs taken for strict appends or the flush policy (count, latency)
 *  spool.log.group.appends        summary   appends written per group (one gathering write)
 *  spool.log.inflight.bytes       gauge     bytes accepted but not yet acknowledged
 * </pre>
 * With no registry given (the default) meters go to an empty composite registry, which records nothing.
 */
final class LogMetrics {
    final Counter appendedRecords;
    final Counter appendedBytes;
    final Counter failures;
    final Timer fsync;
    final DistributionSummary groupAppends;
    private final MeterRegistry registry;
    private final Gauge inFlight;

    LogMetrics(MeterRegistry registry, String logName, AppendPipeline pipeline) {
        this.registry = registry;
        MeterRegistry target = registry;
        Tags tags = Tags.of("log", logName);
        appendedRecords = Counter.builder("spool.log.appended.records").tags(tags).register(target);
        appendedBytes = Counter.builder("spool.log.appended.bytes").baseUnit("bytes").tags(tags).register(target);
        failures = Counter.builder("spool.log.append.failures").tags(tags).register(target);
        fsync = Timer.builder("spool.log.fsync").tags(tags).register(target);
        groupAppends = DistributionSummary.builder("spool.log.group.appends").tags(tags).register(target);
        inFlight = Gauge.builder("spool.log.inflight.bytes", pipeline, AppendPipeline::inFlightBytes).baseUnit("bytes").tags(tags)
                .register(target);
    }

    /**
     * Removes the gauge bound to this log instance: Micrometer keeps the first gauge registered
     * under a name and tags, so a log reopened on the same registry (a topic deleted and created
     * again in a running server) would otherwise report through the dead one. The counters stay
     * and keep counting across reopens.
     */
    void close() {
        registry.remove(inFlight);
    }

    void fsynced(long micros) {
        fsync.record(micros, TimeUnit.MICROSECONDS);
    }
}
