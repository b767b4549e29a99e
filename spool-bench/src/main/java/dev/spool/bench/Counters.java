package dev.spool.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Records and bytes moved per benchmark invocation. JMH divides these by the measured time and
 * reports them next to the primary score as {@code records} (records/s) and {@code bytes}
 * (bytes/s), so a batch-per-op benchmark still reads in records and megabytes per second.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Counters {
    public long records;
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
        records = 0;
        bytes = 0;
    }
}
