package dev.spool.bench.compare;

import java.io.Closeable;
import java.io.IOException;

/**
 * One system under comparison, holding one fresh log (or queue) in its own directory. A subject
 * is opened, appended to by one thread, optionally read back, and closed; {@link #close()} also
 * deletes its files. Not thread-safe.
 */
interface Subject extends Closeable {

    /**
     * Appends one batch of the workload's records (Chronicle Queue: one excerpt per record), encoded
     * on this call as a user would. With {@code fsync}, returns only once the data is forced to disk.
     *
     * @return the bytes this append stored (batch framing included)
     */
    long appendBatch(long timestampMs, boolean fsync) throws IOException;

    /** Forces everything appended so far, so that writeback does not run under a later read. */
    void forceAll() throws IOException;

    /**
     * Reads the whole log from its start to its end once through the system's public read API,
     * copying every byte into memory and visiting every record's key and value (their lengths and
     * first bytes go into {@link Tally#sink}).
     */
    void readAll(Tally tally) throws IOException;

    /** What a read pass saw. */
    final class Tally {
        long records;
        long bytes;
        /** Lengths and first bytes of the keys and values visited: what the reads produce, so none is skipped. */
        long sink;
    }
}
