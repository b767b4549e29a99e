package dev.spool.kafka.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The transactions open on one partition: per producer id, where its open transaction starts.
 * The smallest such start is the partition's first unstable offset; the last stable offset (LSO)
 * is that or the high watermark, whichever is lower, and {@code read_committed} readers see only
 * records below it.
 *
 * <h2>Where a transaction starts, before its first batch has an offset</h2>
 * A batch's place in the log is fixed when it is handed to the log ({@code appendAsync}), but its
 * offset is known only when the append completes. A transaction begins with the log end offset at
 * that hand-off, taken under the partition's lock: a lower bound of the batch's offset (the log
 * only grows, and every append to the partition is handed off under that lock). Once the batch's
 * append completed, the next {@link #refresh} (a {@code read_committed} fetch makes one when
 * {@link #lowerBounded}) moves the start up to the batch's real offset. So the LSO can lag, never
 * lead: no {@code read_committed} fetch sees a transactional record early.
 *
 * <h2>Ending</h2>
 * When the transaction's marker is handed to the log, the transaction moves from open to ending
 * ({@link #startEnding}): the producer may start its next transaction at once, while the ended one
 * still holds the LSO back until its marker (and an abort's index entry) is durable
 * ({@link #ended}). A marker whose write failed puts its transaction back ({@link #restore}), to be
 * ended by the retry.
 *
 * <p>Guarded by the lock of the {@link PartitionState} that holds it, but for
 * {@link #firstUnstableOffset()}, which is read without it (a volatile read: what every fetch pays).
 */
final class OpenTransactions {
    /** The first unstable offset when no transaction is open: nothing holds the LSO below the high watermark. */
    static final long NONE = Long.MAX_VALUE;

    /** One producer's transaction on this partition. */
    static final class Transaction {
        final long producerId;
        /** The log end offset when its first batch was handed off: at most that batch's offset. */
        final long lowerBound;
        /** The offset of its first batch, once its append completed. */
        final CompletableFuture<Long> firstOffset;

        Transaction(long producerId, long lowerBound, CompletableFuture<Long> firstOffset) {
            this.producerId = producerId;
            this.lowerBound = lowerBound;
            this.firstOffset = firstOffset;
        }

        /** Where it starts as far as is known now: the first batch's offset, or the lower bound until then. */
        long startOffset() {
            return landed() ? firstOffset.join() : lowerBound;
        }

        /** Whether its first batch's append completed (its offset is known). */
        boolean landed() {
            return firstOffset.isDone() && !firstOffset.isCompletedExceptionally();
        }

        /** Whether its first batch's append failed: it never landed, and the transaction holds nothing yet. */
        boolean failed() {
            return firstOffset.isCompletedExceptionally();
        }
    }

    private final Map<Long, Transaction> open = new HashMap<>();
    private final List<Transaction> ending = new ArrayList<>(1);
    private volatile long firstUnstableOffset = NONE;
    /** Whether a transaction's start is still a lower bound: a refresh may move it up. */
    private volatile boolean lowerBounded;

    /** The smallest start of an open or ending transaction, {@link #NONE} when there is none; without the lock. */
    long firstUnstableOffset() {
        return firstUnstableOffset;
    }

    boolean isEmpty() {
        return open.isEmpty() && ending.isEmpty();
    }

    /** The open transaction of {@code producerId}, or null. */
    Transaction get(long producerId) {
        return open.get(producerId);
    }

    /**
     * A transactional batch of {@code producerId} was handed to the log: it begins the producer's
     * transaction unless one is open (one whose first batch's append failed is replaced: that batch
     * never landed, so this one is the first).
     */
    void begin(long producerId, long lowerBound, CompletableFuture<Long> firstOffset) {
        Transaction current = open.get(producerId);
        if (current == null || current.failed()) {
            open.put(producerId, new Transaction(producerId, lowerBound, firstOffset));
            refresh();
        }
    }

    /** A transaction found in the log (its first batch at {@code firstOffset}). */
    void loaded(long producerId, long firstOffset) {
        open.put(producerId, new Transaction(producerId, firstOffset, CompletableFuture.completedFuture(firstOffset)));
        refresh();
    }

    /**
     * The marker of {@code producerId}'s transaction was handed to the log: the transaction is no
     * longer open (the producer's next batch begins a new one) but still holds the LSO back until
     * {@link #ended}. Returns it, or null when the producer has none open.
     */
    Transaction startEnding(long producerId) {
        Transaction transaction = open.remove(producerId);
        if (transaction != null) {
            ending.add(transaction);
        }
        return transaction;
    }

    /** The ending transaction's marker is durable (and an abort recorded): it no longer holds the LSO. */
    void ended(Transaction transaction) {
        ending.remove(transaction);
        refresh();
    }

    /**
     * The ending transaction's marker failed: it is open again, to be ended by the marker's retry.
     * Should the producer have begun another meanwhile, the two are one from the earlier start on.
     */
    void restore(Transaction transaction) {
        ending.remove(transaction);
        Transaction current = open.get(transaction.producerId);
        if (current == null || current.failed() || current.startOffset() > transaction.startOffset()) {
            open.put(transaction.producerId, transaction);
        }
        refresh();
    }

    /**
     * The LSO once {@code completed} ends, as Kafka records it in an aborted transaction's index
     * entry: the start of the earliest other transaction, else the offset after {@code markerOffset}.
     */
    long stableOffsetAfter(Transaction completed, long markerOffset) {
        long first = NONE;
        for (Transaction transaction : open.values()) {
            first = Math.min(first, transaction.startOffset());
        }
        for (Transaction transaction : ending) {
            if (transaction != completed) {
                first = Math.min(first, transaction.startOffset());
            }
        }
        return first == NONE ? markerOffset + 1 : first;
    }

    /** Recomputes the first unstable offset: after a change, or after a first batch's offset became known. */
    void refresh() {
        long first = NONE;
        boolean bounded = false;
        for (Transaction transaction : open.values()) {
            first = Math.min(first, transaction.startOffset());
            bounded |= !transaction.firstOffset.isDone();
        }
        for (Transaction transaction : ending) {
            first = Math.min(first, transaction.startOffset());
            bounded |= !transaction.firstOffset.isDone();
        }
        firstUnstableOffset = first;
        lowerBounded = bounded;
    }

    /**
     * Whether a transaction's start is still its lower bound as of the last {@link #refresh}
     * (without the lock). A reader that wants the LSO exact refreshes under the lock: the append's
     * completion does not, as it runs on the log's writer thread, which must never wait for a
     * partition's lock (a produce holding it may be waiting for the writer to make room).
     */
    boolean lowerBounded() {
        return lowerBounded;
    }
}
