package dev.spool.kafka.group;

import dev.spool.kafka.group.OffsetStore.TopicPartitionKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The offsets committed inside transactions that have not ended: per producer id, the offsets its
 * open transaction committed (TxnOffsetCommit), per group and partition. They are invisible to
 * OffsetFetch; a fetch that requires stable offsets is told a partition has one
 * ({@code UNSTABLE_OFFSET_COMMIT}). The transaction's outcome takes them all out at once: the
 * store then makes them committed (commit) or forgets them (abort).
 *
 * <p>Each pending offset remembers the log offset of its record, so that a tombstone (a deleted
 * group, OffsetDelete) removes only the pending offsets written before it, as the log's order
 * says, and the last of two commits of one partition by one transaction wins. A producer's
 * transaction holds at most one pending offset per group and partition; two producers may hold one
 * each for the same partition, and each transaction's outcome applies its own.
 *
 * <p>This is memory only: the offsets store writes the records and replays them here in log order.
 * Thread-safe (one monitor; there are few pending offsets, one per partition a transaction holds).
 */
final class PendingTransactionalOffsets {

    /** One pending offset: the value, the log offset of its record, and the producer epoch of its batch. */
    record Pending(CommittedOffset value, long logOffset, short producerEpoch) {
    }

    /** One pending offset with everything that names it: what compaction writes again. */
    record Rewrite(long producerId, short producerEpoch, String group, TopicPartitionKey key, CommittedOffset value) {
    }

    private static final Comparator<Rewrite> REWRITE_ORDER = Comparator.comparingLong(Rewrite::producerId)
            .thenComparingInt(Rewrite::producerEpoch).thenComparing(Rewrite::group).thenComparing(Rewrite::key);

    /** Producer id, then group, then partition. */
    private final Map<Long, Map<String, Map<TopicPartitionKey, Pending>>> byProducer = new HashMap<>();
    /** The producers holding pending offsets of each group: what a fetch or a deletion looks up. */
    private final Map<String, Set<Long>> producersByGroup = new HashMap<>();
    private int count;

    /** Adds a pending offset, unless the producer's transaction already holds a later one of that partition. */
    synchronized void add(long producerId, String group, TopicPartitionKey key, Pending pending) {
        Map<TopicPartitionKey, Pending> partitions = byProducer.computeIfAbsent(producerId, p -> new HashMap<>())
                .computeIfAbsent(group, g -> new HashMap<>());
        Pending old = partitions.get(key);
        if (old == null || old.logOffset() < pending.logOffset()) {
            partitions.put(key, pending);
            if (old == null) {
                count++;
            }
        }
        producersByGroup.computeIfAbsent(group, g -> new HashSet<>()).add(producerId);
    }

    /** A tombstone at {@code tombstoneLogOffset}: drops the pending offsets of the key written before it. */
    synchronized void removeBefore(String group, TopicPartitionKey key, long tombstoneLogOffset) {
        Set<Long> producers = producersByGroup.get(group);
        if (producers == null) {
            return;
        }
        for (Iterator<Long> it = producers.iterator(); it.hasNext(); ) {
            long producerId = it.next();
            Map<String, Map<TopicPartitionKey, Pending>> groups = byProducer.get(producerId);
            Map<TopicPartitionKey, Pending> partitions = groups.get(group);
            Pending pending = partitions.get(key);
            if (pending != null && pending.logOffset() < tombstoneLogOffset) {
                partitions.remove(key);
                count--;
                if (partitions.isEmpty()) {
                    groups.remove(group);
                    it.remove();
                    if (groups.isEmpty()) {
                        byProducer.remove(producerId);
                    }
                }
            }
        }
        if (producers.isEmpty()) {
            producersByGroup.remove(group);
        }
    }

    /** Takes out every pending offset of producer {@code producerId} (its transaction ended): group, then partition. */
    synchronized Map<String, Map<TopicPartitionKey, Pending>> takeProducer(long producerId) {
        Map<String, Map<TopicPartitionKey, Pending>> groups = byProducer.remove(producerId);
        if (groups == null) {
            return Map.of();
        }
        groups.forEach((group, partitions) -> {
            count -= partitions.size();
            Set<Long> producers = producersByGroup.get(group);
            producers.remove(producerId);
            if (producers.isEmpty()) {
                producersByGroup.remove(group);
            }
        });
        return groups;
    }

    /** Whether some open transaction holds a pending offset of this partition for {@code group}. */
    synchronized boolean has(String group, TopicPartitionKey key) {
        Set<Long> producers = producersByGroup.get(group);
        if (producers == null) {
            return false;
        }
        for (long producerId : producers) {
            if (byProducer.get(producerId).get(group).containsKey(key)) {
                return true;
            }
        }
        return false;
    }

    /** Whether some open transaction holds a pending offset for {@code group}. */
    synchronized boolean hasGroup(String group) {
        return producersByGroup.containsKey(group);
    }

    /** The groups with pending offsets. */
    synchronized Set<String> groups() {
        return new HashSet<>(producersByGroup.keySet());
    }

    /** The partitions of {@code group} with a pending offset in some transaction, in order. */
    synchronized NavigableSet<TopicPartitionKey> keys(String group) {
        NavigableSet<TopicPartitionKey> out = new TreeSet<>();
        for (long producerId : producersByGroup.getOrDefault(group, Set.of())) {
            out.addAll(byProducer.get(producerId).get(group).keySet());
        }
        return out;
    }

    /** The producers with pending offsets, each with its groups' pending offsets (tests and tools). */
    synchronized Map<Long, Map<String, Map<TopicPartitionKey, CommittedOffset>>> snapshot() {
        Map<Long, Map<String, Map<TopicPartitionKey, CommittedOffset>>> out = new TreeMap<>();
        byProducer.forEach((producerId, groups) -> groups.forEach((group, partitions) -> partitions.forEach(
                (key, pending) -> out.computeIfAbsent(producerId, p -> new TreeMap<>())
                        .computeIfAbsent(group, g -> new TreeMap<>()).put(key, pending.value()))));
        return out;
    }

    /** How many pending offsets there are, over every transaction. */
    synchronized int count() {
        return count;
    }

    /**
     * Every pending offset, ordered by producer, epoch, group and partition: what compaction writes
     * again, in this order, before it hands the list back to {@link #rewritten}.
     */
    synchronized List<Rewrite> toRewrite() {
        List<Rewrite> out = new ArrayList<>(count);
        byProducer.forEach((producerId, groups) -> groups.forEach((group, partitions) -> partitions.forEach(
                (key, pending) -> out.add(new Rewrite(producerId, pending.producerEpoch(), group, key,
                        pending.value())))));
        out.sort(REWRITE_ORDER);
        return out;
    }

    /** Compaction wrote {@code rewrites} again from {@code firstLogOffset} on, one record each, in order. */
    synchronized void rewritten(List<Rewrite> rewrites, long firstLogOffset) {
        for (int i = 0; i < rewrites.size(); i++) {
            Rewrite r = rewrites.get(i);
            add(r.producerId(), r.group(), r.key(), new Pending(r.value(), firstLogOffset + i, r.producerEpoch()));
        }
    }
}
