package dev.spool.kafka.api;

import dev.spool.kafka.producer.ProducerStateLoader;
import dev.spool.kafka.producer.ProducerStateTable;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server keeps for one partition beside its log: the lock under which a produced batch
 * (or a transaction marker) is checked against the producer state and handed to the log (so
 * check-and-append is atomic, and offsets follow the order of the checks), that producer state
 * and the transactions open on the partition ({@link OpenTransactions}), both built on first use
 * from the log's tail ({@link ProducerStateLoader}).
 *
 * <p>Read without the lock: {@link #lastStableOffset} (what every fetch reports) and
 * {@link #markerGeneration} (how a transactional produce, verified outside the lock, knows no
 * marker came between its verification and its append).
 */
final class PartitionState {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionState.class);

    final Log log;
    private final OpenTransactions transactions = new OpenTransactions();
    private ProducerStateTable producers;
    /** Whether the state was rebuilt from the log: until then the open transactions are unknown. */
    private volatile boolean loaded;
    /** Aborts the tail scan found, until {@link #checkAbortedIndex} made sure the index holds them. */
    private List<AbortedTransaction> abortsToCheck = List.of();
    private volatile boolean abortsUnchecked;
    /** The end of the last marker handed to the log (its index entry, its transaction let go); under the lock. */
    private CompletableFuture<Void> lastMarkerEnd = CompletableFuture.completedFuture(null);
    /** Transaction markers handed to the log so far; changed under the lock. */
    private volatile long markerGeneration;

    PartitionState(Log log) {
        this.log = log;
    }

    /** The producer table, rebuilt from the log's tail the first time; call with this object locked. */
    ProducerStateTable producers(long scanBytes, int producersMax) throws IOException {
        requireLocked();
        if (producers == null) {
            ProducerStateTable table = new ProducerStateTable(producersMax);
            Map<Long, Long> open = new HashMap<>();
            List<AbortedTransaction> aborted = new ArrayList<>();
            long read = ProducerStateLoader.load(log, scanBytes, table, open, aborted);
            LOG.debug("Rebuilt the producer state of {} from {} bytes: {} producer(s), {} open transaction(s), {} "
                    + "abort(s)", log.dir().getFileName(), read, table.size(), open.size(), aborted.size());
            open.forEach(transactions::loaded);
            producers = table;
            abortsToCheck = aborted;
            abortsUnchecked = !aborted.isEmpty();
            loaded = true;
        }
        return producers;
    }

    /** The open transactions, rebuilt with the producer table the first time; call with this object locked. */
    OpenTransactions transactions(long scanBytes, int producersMax) throws IOException {
        producers(scanBytes, producersMax);
        return transactions;
    }

    /**
     * The open transactions as they are now, without loading them: empty before the state was
     * built. For the completion of an append, which follows a load. Call with this object locked.
     */
    OpenTransactions loadedTransactions() {
        requireLocked();
        return transactions;
    }

    /**
     * Makes sure the transaction index holds every abort the tail scan found, recording (durably)
     * those it lacks: a crash between an abort marker's write and its index entry's loses the
     * entry, and without it {@code read_committed} readers would see the aborted records. Runs
     * once, by the first that has the index (a {@code read_committed} fetch, a marker) after the
     * state was built, before it reads or writes; takes the lock only then.
     */
    void checkAbortedIndex(AbortedTransactionIndex index) throws IOException {
        if (!abortsUnchecked) {
            return;
        }
        synchronized (this) {
            for (Iterator<AbortedTransaction> it = abortsToCheck.iterator(); it.hasNext(); ) {
                AbortedTransaction aborted = it.next();
                boolean held = index.collect(log, aborted.firstOffset(), aborted.lastOffset() + 1).stream()
                        .anyMatch(entry -> entry.producerId() == aborted.producerId()
                                && entry.lastOffset() == aborted.lastOffset());
                if (!held) {
                    LOG.warn("The transaction index of {} lacked the abort of producer {} at offsets {}..{} "
                            + "(a crash after the marker's write): recorded it again", log.dir().getFileName(),
                            aborted.producerId(), aborted.firstOffset(), aborted.lastOffset());
                    index.record(log, aborted, Durability.STRICT);
                }
                it.remove();
            }
            abortsUnchecked = false;
        }
    }

    /** Whether the producer state and open transactions were built (read without the lock). */
    boolean isLoaded() {
        return loaded;
    }

    /**
     * The last stable offset with {@code highWatermark}: the start of the earliest open
     * transaction, if lower. Without the lock; before the state is built nothing is known of open
     * transactions and this is the high watermark ({@code read_committed} readers build it first).
     */
    long lastStableOffset(long highWatermark) {
        return Math.min(transactions.firstUnstableOffset(), highWatermark);
    }

    /**
     * Makes the last stable offset exact when a transaction's start is still a lower bound (its
     * first batch's append has completed since): takes the lock only then.
     */
    void tightenLastStableOffset() {
        if (transactions.lowerBounded()) {
            synchronized (this) {
                transactions.refresh();
            }
        }
    }

    /** Whether a transaction is open or ending on the partition (without the lock). */
    boolean hasTransactions() {
        return transactions.firstUnstableOffset() != OpenTransactions.NONE;
    }

    long markerGeneration() {
        return markerGeneration;
    }

    /** A marker was handed to the log; call with this object locked. */
    void markerHandedOff() {
        requireLocked();
        markerGeneration++;
    }

    /**
     * {@code markerOffset} once the previous marker's end is done too (whether it succeeded or
     * not); call with this object locked, then {@link #markerEnds} with this marker's end.
     */
    CompletableFuture<Long> afterPreviousMarker(CompletableFuture<Long> markerOffset) {
        requireLocked();
        return lastMarkerEnd.handle((ignored, error) -> null).thenCombine(markerOffset, (ignored, offset) -> offset);
    }

    /** The end of the marker just handed off, which the next marker's end waits for; call locked. */
    void markerEnds(CompletableFuture<Void> end) {
        requireLocked();
        lastMarkerEnd = end;
    }

    private void requireLocked() {
        if (!Thread.holdsLock(this)) {
            throw new IllegalStateException("The producer state of " + log + " is read without its lock");
        }
    }
}
