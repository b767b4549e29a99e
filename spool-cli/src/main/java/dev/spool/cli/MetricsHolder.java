package dev.spool.cli;

import dev.spool.kafka.metrics.MetricsEndpoint;
import dev.spool.kafka.metrics.Readiness;
import dev.spool.log.LogManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code spool serve}'s meter registry: Prometheus behind the metrics endpoint when
 * {@code --metrics-listen} is given, otherwise one that records nothing. The endpoint starts
 * first, so {@code /health} answers and {@code /ready} says "starting" while the data directory
 * loads; {@link #serving} and {@link #stopping} move {@code /ready} on.
 */
record MetricsHolder(MeterRegistry registry, Optional<MetricsEndpoint> endpoint) implements AutoCloseable {
    static MetricsHolder start(CommonOptions common, String listen) throws IOException {
        if (listen == null) {
            return new MetricsHolder(new CompositeMeterRegistry(), Optional.empty());
        }
        ServeCommand.HostPort at = ServeCommand.HostPort.parse(common, "--metrics-listen", listen);
        MetricsEndpoint endpoint = MetricsEndpoint.start(at.host(), at.port());
        return new MetricsHolder(endpoint.registry(), Optional.of(endpoint));
    }

    /** The data directory is loaded and the Kafka listener bound: ready, unless partitions are offline. */
    void serving(LogManager manager) {
        endpoint.ifPresent(e -> e.readiness(Readiness.serving(manager)));
    }

    /** A stop was asked for: not ready any more, while the requests in flight finish. */
    void stopping() {
        endpoint.ifPresent(e -> e.readiness(Readiness.STOPPING));
    }

    @Override
    public void close() {
        endpoint.ifPresent(MetricsEndpoint::close);
    }
}
