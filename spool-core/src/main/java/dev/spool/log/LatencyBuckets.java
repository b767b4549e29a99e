package dev.spool.log;

import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The bucket bounds of every latency histogram Spool publishes (request, append and fsync
 * latency): 1, 2.5 and 5 times each power of ten from 25 µs to 10 s, 18 bounds. One ladder for
 * all of them so dashboards compare like with like, and few enough bounds that a histogram per
 * API stays a few hundred series: Micrometer's own percentile histogram would publish about 70
 * buckets per series between 1 ms and 30 s, and none below 1 ms, where appends and fsyncs on a
 * fast disk are.
 */
public final class LatencyBuckets {
    private static final long[] BOUNDS_MICROS = {
        25, 50, 100, 250, 500,
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000};

    private LatencyBuckets() {
    }

    /** The bounds, shortest first; a new array on every call. */
    public static Duration[] bounds() {
        Duration[] out = new Duration[BOUNDS_MICROS.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Duration.ofNanos(BOUNDS_MICROS[i] * 1_000);
        }
        return out;
    }

    /**
     * A timer builder that publishes these buckets (as service-level objectives: exactly these
     * bounds, and no percentiles computed in the process).
     */
    public static Timer.Builder timer(String name) {
        return Timer.builder(name).serviceLevelObjectives(bounds());
    }
}
