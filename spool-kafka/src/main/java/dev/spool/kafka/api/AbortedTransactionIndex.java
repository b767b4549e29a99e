package dev.spool.kafka.api;

import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.util.List;

/**
 * Where a partition's aborted transactions are kept (its segments' transaction index, Kafka's
 * {@code .txnindex}): written when an abort marker is durable, read by {@code read_committed}
 * fetches so consumers drop the aborted records. Production passes the log's own index
 * ({@code Log::recordAbortedTransaction}, {@code Log::abortedTransactions}); tests pass one in memory.
 */
interface AbortedTransactionIndex {
    /** Records {@code aborted} in {@code log}'s index, durable by {@code durability} when it returns. */
    void record(Log log, AbortedTransaction aborted, Durability durability) throws IOException;

    /**
     * The aborted transactions of {@code log} that overlap {@code [fetchOffset, upperBoundOffset)}:
     * {@code lastOffset >= fetchOffset} and {@code firstOffset < upperBoundOffset}.
     */
    List<AbortedTransaction> collect(Log log, long fetchOffset, long upperBoundOffset) throws IOException;

    /** Records with {@code recorder}, reads with {@code collector} (e.g. the log's own two methods). */
    static AbortedTransactionIndex of(Recorder recorder, Collector collector) {
        return new AbortedTransactionIndex() {
            @Override
            public void record(Log log, AbortedTransaction aborted, Durability durability) throws IOException {
                recorder.record(log, aborted, durability);
            }

            @Override
            public List<AbortedTransaction> collect(Log log, long fetchOffset, long upperBoundOffset)
                    throws IOException {
                return collector.collect(log, fetchOffset, upperBoundOffset);
            }
        };
    }

    /** The write half, as a method reference. */
    @FunctionalInterface
    interface Recorder {
        void record(Log log, AbortedTransaction aborted, Durability durability) throws IOException;
    }

    /** The read half, as a method reference. */
    @FunctionalInterface
    interface Collector {
        List<AbortedTransaction> collect(Log log, long fetchOffset, long upperBoundOffset) throws IOException;
    }
}
