package dev.spool.kafka.producer;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;

/**
 * The idempotent-producer state of one partition: per producer id, its epoch and its last
 * {@link #BATCHES_RETAINED} batches (sequence range and where they landed), so that a retried
 * batch gets its original offset instead of being written twice.
 *
 * <h2>Rules (Kafka's, for producers without transactions)</h2>
 * <pre>
 *  state of the producer id         incoming batch                      outcome
 *  none (new, forgotten, restarted) any                                 ACCEPT
 *  epoch E                          epoch &lt; E                           INVALID_PRODUCER_EPOCH
 *  epoch E                          epoch &gt; E, first sequence 0        ACCEPT (the producer bumped its epoch)
 *  epoch E                          epoch &gt; E, first sequence != 0     OUT_OF_ORDER_SEQUENCE_NUMBER
 *  epoch E, retained batches        same epoch, same sequence range     DUPLICATE of the retained batch
 *  epoch E, last sequence L         same epoch, first sequence L+1      ACCEPT (with wrap after Integer.MAX_VALUE)
 *  epoch E, last sequence L         same epoch, anything else           OUT_OF_ORDER_SEQUENCE_NUMBER
 *  epoch E set by a marker          same epoch, first sequence != 0     OUT_OF_ORDER_SEQUENCE_NUMBER
 * </pre>
 * A transaction marker ({@link #recordMarker}) with a newer epoch than the table's bumps the
 * producer's epoch, as Kafka's coordinator does when it ends a transaction: the batches of the old
 * epoch are dropped and the next batch must start at sequence 0.
 * Five batches because the Java producer keeps at most five in flight per partition
 * ({@code max.in.flight.requests.per.connection}); a single last sequence is not enough, since a
 * retried older batch would look out of order and the producer would then write it again.
 *
 * <p>The table holds at most {@code producersMax} producer ids and forgets the least recently
 * used beyond that, so a client cycling through ids cannot exhaust memory; a forgotten producer is
 * accepted as new. Not thread-safe: the caller checks, appends and {@link #record records} under
 * the partition's lock, which is what makes check-and-append atomic.
 */
public final class ProducerStateTable {
    public static final int BATCHES_RETAINED = 5;

    private final LinkedHashMap<Long, ProducerEntry> producers;

    public ProducerStateTable(int producersMax) {
        if (producersMax < 1) {
            throw new IllegalArgumentException("producersMax must be positive, was " + producersMax);
        }
        this.producers = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, ProducerEntry> eldest) {
                return size() > producersMax;
            }
        };
    }

    /** What {@link #check} decided. */
    public sealed interface Verdict permits Accept, Duplicate, Reject {
    }

    /** Write the batch. */
    public record Accept() implements Verdict {
    }

    /** The batch was written before: answer with where it landed (completes when it is written). */
    public record Duplicate(CompletableFuture<Long> firstOffset) implements Verdict {
    }

    /** Refuse the batch with {@code error}. */
    public record Reject(Errors error, String message) implements Verdict {
    }

    private static final Accept ACCEPT = new Accept();

    /** Checks a batch of {@code producerId} (>= 0) against the table; changes nothing. */
    public Verdict check(long producerId, short epoch, int firstSequence, int lastSequence) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return ACCEPT;
        }
        if (epoch < entry.epoch) {
            return new Reject(Errors.INVALID_PRODUCER_EPOCH, "Producer " + producerId + " epoch " + epoch
                    + " is older than the current epoch " + entry.epoch);
        }
        if (epoch > entry.epoch) {
            return firstSequence == 0 ? ACCEPT : new Reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer "
                    + producerId + " starts epoch " + epoch + " at sequence " + firstSequence + ", expected 0");
        }
        for (BatchEntry batch : entry.batches) {
            if (batch.firstSequence == firstSequence && batch.lastSequence == lastSequence) {
                return new Duplicate(batch.firstOffset);
            }
        }
        if (entry.batches.isEmpty() && entry.sequenceFromZero && firstSequence != 0) {
            return new Reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer " + producerId + " epoch " + epoch
                    + " (set by a transaction marker) sent sequence " + firstSequence + ", expected 0");
        }
        int expected = entry.batches.isEmpty() ? firstSequence : nextSequence(entry.batches.peekLast().lastSequence);
        if (firstSequence != expected) {
            return new Reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "Producer " + producerId + " epoch " + epoch
                    + " sent sequence " + firstSequence + ", expected " + expected);
        }
        return ACCEPT;
    }

    /**
     * Records an accepted batch: it becomes the producer's latest, and the oldest of more than
     * {@link #BATCHES_RETAINED} is dropped. A newer epoch clears the batches of the old one.
     */
    public void record(long producerId, short epoch, int firstSequence, int lastSequence,
                       CompletableFuture<Long> firstOffset) {
        ProducerEntry entry = producers.computeIfAbsent(producerId, id -> new ProducerEntry(epoch));
        if (epoch != entry.epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        entry.sequenceFromZero = false;
        entry.batches.addLast(new BatchEntry(firstSequence, lastSequence, firstOffset));
        while (entry.batches.size() > BATCHES_RETAINED) {
            entry.batches.removeFirst();
        }
    }

    /**
     * Records a transaction marker of {@code producerId} at {@code epoch}: a newer epoch than the
     * table's replaces it (dropping the old epoch's batches; the next batch must start at sequence
     * 0); the same or an older one changes nothing. A producer the table does not hold is added at
     * that epoch, without batches, so older epochs are fenced; its next batch is accepted as a new
     * producer's would be.
     */
    public void recordMarker(long producerId, short epoch) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            producers.put(producerId, new ProducerEntry(epoch));
        } else if (epoch > entry.epoch) {
            entry.epoch = epoch;
            entry.batches.clear();
            entry.sequenceFromZero = true;
        }
    }

    /**
     * Forgets the batch of {@code producerId} at {@code firstSequence} in {@code epoch}, and every
     * batch recorded after it: its append failed (a full disk, say), so it never landed, and the
     * producer will send it again; the table must then accept it, not answer with the failure as a
     * duplicate. Does nothing when the table holds no such batch (a newer epoch replaced it).
     */
    public void forgetFrom(long producerId, short epoch, int firstSequence) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null || entry.epoch != epoch) {
            return;
        }
        boolean found = false;
        for (java.util.Iterator<BatchEntry> it = entry.batches.iterator(); it.hasNext(); ) {
            found |= it.next().firstSequence == firstSequence;
            if (found) {
                it.remove();
            }
        }
    }

    /** How many producer ids the table holds. */
    public int size() {
        return producers.size();
    }

    /** The epoch the table holds for {@code producerId}, or -1 if it holds none. */
    public short epochOf(long producerId) {
        ProducerEntry entry = producers.get(producerId);
        return entry == null ? -1 : entry.epoch;
    }

    /** The retained batches' first sequences of {@code producerId}, oldest first (for tests and tools). */
    public int[] retainedFirstSequences(long producerId) {
        ProducerEntry entry = producers.get(producerId);
        if (entry == null) {
            return new int[0];
        }
        int[] out = new int[entry.batches.size()];
        Iterator<BatchEntry> it = entry.batches.iterator();
        for (int i = 0; i < out.length; i++) {
            out[i] = it.next().firstSequence;
        }
        return out;
    }

    /**
     * One producer as DescribeProducers reports it: its epoch, the last sequence of its latest
     * batch, and where that batch landed (completes when it is written; its header holds the time).
     */
    public record ProducerSummary(long producerId, short epoch, int lastSequence, CompletableFuture<Long> lastBatchOffset) {
    }

    /** Every producer the table holds, least recently used first; changes nothing (not even the use order). */
    public java.util.List<ProducerSummary> summaries() {
        java.util.List<ProducerSummary> out = new java.util.ArrayList<>(producers.size());
        for (Map.Entry<Long, ProducerEntry> producer : producers.entrySet()) {
            BatchEntry last = producer.getValue().batches.peekLast();
            if (last != null) {
                out.add(new ProducerSummary(producer.getKey(), producer.getValue().epoch, last.lastSequence,
                        last.firstOffset));
            }
        }
        return out;
    }

    /** The sequence after {@code sequence}: sequences wrap from Integer.MAX_VALUE to 0. */
    public static int nextSequence(int sequence) {
        return sequence == Integer.MAX_VALUE ? 0 : sequence + 1;
    }

    /** The last sequence of a batch of {@code recordCount} records starting at {@code firstSequence}. */
    public static int lastSequence(int firstSequence, int recordCount) {
        long last = (long) firstSequence + recordCount - 1;
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    private static final class ProducerEntry {
        short epoch;
        /** The epoch was set by a marker and no batch came since: the next must start at sequence 0. */
        boolean sequenceFromZero;
        final ArrayDeque<BatchEntry> batches = new ArrayDeque<>(BATCHES_RETAINED + 1);

        ProducerEntry(short epoch) {
            this.epoch = epoch;
        }
    }

    private record BatchEntry(int firstSequence, int lastSequence, CompletableFuture<Long> firstOffset) {
    }
}
