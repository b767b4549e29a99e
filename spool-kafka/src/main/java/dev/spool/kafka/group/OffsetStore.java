package dev.spool.kafka.group;

import dev.spool.kafka.InternalLog;
import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.EndTransactionMarker;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets: a map in memory, made durable by a Spool {@link Log} of its own in one
 * directory, whose records ({@link OffsetRecordCodec}) are replayed on open, last write winning.
 *
 * <h2>Design</h2>
 * A commit encodes its records on the caller's thread, appends them with {@link Durability#STRICT}
 * (concurrent commits share fsyncs through the log's group commit) and, only when the fsync is done,
 * applies them to the map and completes: a fetch never returns an offset that a crash could take
 * back. No lock is held while the fsync runs. Each map entry remembers the log offset of its record,
 * and a completing commit replaces an entry only with a later one, so the map agrees with the log's
 * order even when two commits of one key complete in the other order.
 *
 * <p>Deleting offsets (a group deleted, OffsetDelete) appends tombstones the same way. Until the
 * next compaction the map keeps a deleted key as an entry without a value, carrying the
 * tombstone's log offset: a commit of that key written before the tombstone, whose completion
 * comes later, then cannot bring the offset back. Lookups skip such entries.
 *
 * <p>Compaction bounds both the log and the replay on open: when the log holds more than
 * {@code compactionRecordsMin} records and more than twice the live offsets, the log is rolled, every
 * live offset is appended again (strict), and the log start moves to the first rewritten record,
 * which deletes every older segment. Replaying "older records, then the rewrite" gives the same map
 * as the rewrite alone, so a crash at any step of a compaction loses nothing. Compaction waits for
 * the commits in flight (their records may lie below the roll) and holds new ones back while it runs:
 * a read-write {@link StampedLock}, whose read stamps commits release from the thread that completes
 * them.
 *
 * <h2>Transactions</h2>
 * An offset committed inside a transaction (TxnOffsetCommit) is written as Kafka writes it: its
 * records in a transactional batch carrying the producer's id and epoch, durable before the answer,
 * and kept apart as pending ({@link PendingTransactionalOffsets}), invisible to {@link #find}. The
 * transaction's outcome is a control batch ({@link EndTransactionMarker}); once it is durable, a
 * commit makes every pending offset of that producer committed, with the marker's log offset (as if
 * committed at that moment, so it replaces any older value), and an abort drops them. A tombstone
 * drops the pending offsets of its key written before it. Replay reads the same batches in the same
 * order and reaches the same state; pending offsets without a marker stay pending. Appends that
 * change pending offsets (transactional commits, markers, tombstones) are applied to memory one
 * after another in the order of their log offsets (they are queued under one monitor and their
 * applications chained), so memory never disagrees with a replay however their fsyncs complete.
 * Compaction writes the pending offsets again, after the committed ones, in transactional batches of
 * the same producers: a marker that comes after the compaction still finds them.
 *
 * <p>Files: the log's segments, plus {@code .lock}, held while open so that a second process cannot
 * write the same offsets. Thread-safe.
 */
final class OffsetStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetStore.class);
    static final String LOCK_FILE = InternalLog.LOCK_FILE;
    /** Segments roll at 64 MiB: compaction deletes whole segments and a roll starts the rewrite. */
    static final int SEGMENT_BYTES = 64 << 20;

    /** One key's committed offset (null once deleted) and the log offset of the record that wrote it. */
    private record Entry(CommittedOffset value, long logOffset) {
        boolean isLive() {
            return value != null;
        }
    }

    /** A key to write, with its value; a null value deletes the key (a tombstone). */
    record Commit(String topic, int partition, CommittedOffset value) {
        static Commit tombstone(String topic, int partition) {
            return new Commit(topic, partition, null);
        }
    }

    private final InternalLog files;
    private final Path dir;
    private final Log log;
    private final long compactionRecordsMin;
    /** Stamps tombstones, which have no commit time of their own. */
    private final LongSupplier clockMs;
    /** Group, then (topic, partition), in name order so fetch-all answers in a stable order. */
    private final ConcurrentHashMap<String, ConcurrentSkipListMap<TopicPartitionKey, Entry>> offsets =
            new ConcurrentHashMap<>();
    /** Commits in flight hold read stamps; compaction and close take the write stamp. */
    private final StampedLock appendLock = new StampedLock();
    private final AtomicLong liveCount = new AtomicLong();
    private final PendingTransactionalOffsets pending = new PendingTransactionalOffsets();
    /** Held while an ordered append is queued, so that queue order is log order. */
    private final Object orderedSubmit = new Object();
    /** The application of the last ordered append; guarded by orderedSubmit. */
    private CompletableFuture<Void> orderedApplied = CompletableFuture.completedFuture(null);
    private volatile boolean closed;

    /** A topic and partition, ordered by topic then partition. */
    record TopicPartitionKey(String topic, int partition) implements Comparable<TopicPartitionKey> {
        @Override
        public int compareTo(TopicPartitionKey other) {
            int byTopic = topic.compareTo(other.topic);
            return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
        }
    }

    private OffsetStore(InternalLog files, LongSupplier clockMs, long compactionRecordsMin) {
        this.files = files;
        this.dir = files.dir();
        this.clockMs = clockMs;
        this.log = files.log();
        this.compactionRecordsMin = compactionRecordsMin;
    }

    /**
     * Opens (creating if needed) the offsets log in {@code dir} and replays it. The log's own
     * recovery runs first (a full scan: the log is kept small by compaction), then every record is
     * decoded; one that does not decode fails the open with {@link CorruptOffsetRecordException}.
     */
    static OffsetStore open(FileIO io, Path dir, LongSupplier clockMs, Executor ioExecutor,
                            MeterRegistry meterRegistry, long compactionRecordsMin) throws IOException {
        InternalLog files = InternalLog.open(io, dir, SEGMENT_BYTES, clockMs, ioExecutor, meterRegistry);
        try {
            OffsetStore store = new OffsetStore(files, clockMs, compactionRecordsMin);
            store.replay();
            store.maybeCompact();
            return store;
        } catch (IOException | RuntimeException e) {
            files.closeAfter(e);
            throw e;
        }
    }

    private void replay() throws IOException {
        long start = log.logStartOffset();
        long records = OffsetsLogReplay.replay(log, new OffsetsLogReplay.Target() {
            @Override
            public void committed(String group, TopicPartitionKey key, CommittedOffset value, long logOffset) {
                put(group, key, new Entry(value, logOffset));
            }

            @Override
            public void deleted(String group, TopicPartitionKey key, long logOffset) {
                remove(group, key);
                pending.removeBefore(group, key, logOffset);
            }

            @Override
            public void pending(long producerId, short producerEpoch, String group, TopicPartitionKey key,
                                CommittedOffset value, long logOffset) {
                pending.add(producerId, group, key, new PendingTransactionalOffsets.Pending(value, logOffset,
                        producerEpoch));
            }

            @Override
            public void transactionEnded(long producerId, boolean commit, long markerLogOffset) {
                endTransaction(producerId, commit, markerLogOffset);
            }
        });
        LOG.info("Replayed {} offsets record(s) of {} (log offsets {}..{}): {} committed offset(s), {} pending in"
                + " open transactions", records, dir, start, log.logEndOffset(), liveCount.get(), pending.count());
    }

    /** A transaction ended at {@code markerOffset}: its pending offsets become committed there, or are dropped. */
    private void endTransaction(long producerId, boolean commit, long markerOffset) {
        Map<String, Map<TopicPartitionKey, PendingTransactionalOffsets.Pending>> ended =
                pending.takeProducer(producerId);
        if (commit) {
            ended.forEach((group, partitions) -> partitions.forEach((key, offset) ->
                    put(group, key, new Entry(offset.value(), markerOffset))));
        }
    }

    private void put(String group, TopicPartitionKey key, Entry entry) {
        offsets.compute(group, (g, partitions) -> {
            ConcurrentSkipListMap<TopicPartitionKey, Entry> map = partitions == null
                    ? new ConcurrentSkipListMap<>() : partitions;
            Entry old = map.get(key);
            if (old == null || old.logOffset() < entry.logOffset()) {
                map.put(key, entry);
                boolean wasLive = old != null && old.isLive();
                if (entry.isLive() && !wasLive) {
                    liveCount.incrementAndGet();
                } else if (!entry.isLive() && wasLive) {
                    liveCount.decrementAndGet();
                }
            }
            return map;
        });
    }

    private void remove(String group, TopicPartitionKey key) {
        offsets.computeIfPresent(group, (g, partitions) -> {
            if (partitions.remove(key) != null) {
                liveCount.decrementAndGet();
            }
            return partitions.isEmpty() ? null : partitions;
        });
    }

    /**
     * Appends {@code commits} of {@code group} (tombstones included) with strict durability; the
     * future completes once they are on disk and visible to {@link #find}, or exceptionally with
     * the append's error.
     */
    CompletableFuture<Void> commit(String group, List<Commit> commits) {
        if (commits.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        boolean tombstones = commits.stream().anyMatch(commit -> commit.value() == null);
        return append(() -> OffsetBatches.plain(group, commits, log.config().batchBytesMax(), clockMs.getAsLong()),
                tombstones, result -> {
                    for (int i = 0; i < commits.size(); i++) {
                        Commit commit = commits.get(i);
                        TopicPartitionKey key = new TopicPartitionKey(commit.topic(), commit.partition());
                        put(group, key, new Entry(commit.value(), result.firstOffset() + i));
                        if (commit.value() == null) {
                            pending.removeBefore(group, key, result.firstOffset() + i);
                        }
                    }
                });
    }

    /**
     * Appends offsets of {@code group} committed inside producer {@code producerId}'s transaction
     * (no tombstones), with strict durability; once on disk they are pending: invisible to
     * {@link #find} until {@link #completeTransaction} commits them.
     */
    CompletableFuture<Void> commitTransactional(String group, long producerId, short producerEpoch,
                                                List<Commit> commits) {
        if (commits.stream().anyMatch(commit -> commit.value() == null)) {
            throw new IllegalArgumentException("A transaction cannot delete offsets (group " + group + ")");
        }
        if (commits.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return append(() -> OffsetBatches.transactional(group, commits, producerId, producerEpoch,
                log.config().batchBytesMax(), clockMs.getAsLong()), true, result -> {
                    for (int i = 0; i < commits.size(); i++) {
                        Commit commit = commits.get(i);
                        pending.add(producerId, group, new TopicPartitionKey(commit.topic(), commit.partition()),
                                new PendingTransactionalOffsets.Pending(commit.value(), result.firstOffset() + i,
                                        producerEpoch));
                    }
                });
    }

    /**
     * Appends the outcome of producer {@code producerId}'s transaction (a marker, strict); once it is
     * on disk, every pending offset of the producer is committed or dropped. A producer with nothing
     * pending gets its marker all the same (a retry after a crash is harmless).
     */
    CompletableFuture<Void> completeTransaction(long producerId, short producerEpoch, boolean commit) {
        return append(() -> OffsetBatches.marker(producerId, producerEpoch, commit, clockMs.getAsLong()), true,
                result -> endTransaction(producerId, commit, result.firstOffset()));
    }

    /**
     * Appends with strict durability and, once durable, applies {@code apply} to memory, holding a
     * read stamp until it has run. An ordered append is queued under {@link #orderedSubmit} and
     * applied after the ordered append queued before it (their log offsets are in that order too).
     */
    private CompletableFuture<Void> append(Supplier<ByteBuffer> batches, boolean ordered,
                                           Consumer<AppendResult> apply) {
        long stamp = appendLock.readLock();
        CompletableFuture<Void> applied;
        try {
            if (closed) {
                throw new IllegalStateException("The offsets store of " + dir + " is closed");
            }
            ByteBuffer encoded = batches.get(); // on the caller's thread
            if (ordered) {
                synchronized (orderedSubmit) {
                    CompletableFuture<AppendResult> appended = log.appendAsync(encoded, Durability.STRICT);
                    applied = orderedApplied.exceptionally(previousFailed -> null)
                            .thenCombine(appended, (ignored, result) -> {
                                apply.accept(result);
                                return null;
                            });
                    orderedApplied = applied;
                }
            } else {
                applied = log.appendAsync(encoded, Durability.STRICT).thenAccept(apply);
            }
        } catch (IOException | RuntimeException e) {
            appendLock.unlockRead(stamp);
            return CompletableFuture.failedFuture(e);
        }
        return applied.whenComplete((ignored, error) -> appendLock.unlockRead(stamp));
    }

    /** The committed offset of one partition, if any. */
    Optional<CommittedOffset> find(String group, String topic, int partition) {
        Map<TopicPartitionKey, Entry> partitions = offsets.get(group);
        Entry entry = partitions == null ? null : partitions.get(new TopicPartitionKey(topic, partition));
        return entry == null ? Optional.empty() : Optional.ofNullable(entry.value());
    }

    /** Every committed offset of a group: topic, then partition, both in order. */
    NavigableMap<String, NavigableMap<Integer, CommittedOffset>> groupOffsets(String group) {
        NavigableMap<String, NavigableMap<Integer, CommittedOffset>> out = new TreeMap<>();
        Map<TopicPartitionKey, Entry> partitions = offsets.get(group);
        if (partitions != null) {
            partitions.forEach((key, entry) -> {
                if (entry.isLive()) {
                    out.computeIfAbsent(key.topic(), t -> new TreeMap<>()).put(key.partition(), entry.value());
                }
            });
        }
        return Collections.unmodifiableNavigableMap(out);
    }

    /** Whether {@code group} has at least one committed offset, or one pending in an open transaction. */
    boolean hasOffsets(String group) {
        Map<TopicPartitionKey, Entry> partitions = offsets.get(group);
        return partitions != null && partitions.values().stream().anyMatch(Entry::isLive) || pending.hasGroup(group);
    }

    /** The groups that have committed offsets or offsets pending in open transactions, in name order. */
    NavigableSet<String> groupsWithOffsets() {
        NavigableSet<String> out = new TreeSet<>(pending.groups());
        offsets.forEach((group, partitions) -> {
            if (partitions.values().stream().anyMatch(Entry::isLive)) {
                out.add(group);
            }
        });
        return out;
    }

    /** Whether an open transaction holds a pending offset of this partition for {@code group}. */
    boolean hasPending(String group, String topic, int partition) {
        return pending.has(group, new TopicPartitionKey(topic, partition));
    }

    /** The partitions of {@code group} with an offset pending in some open transaction. */
    NavigableSet<TopicPartitionKey> pendingKeys(String group) {
        return pending.keys(group);
    }

    /** The offsets pending in open transactions: producer id, group, partition (tests). */
    Map<Long, Map<String, Map<TopicPartitionKey, CommittedOffset>>> pendingOffsets() {
        return pending.snapshot();
    }

    /** How many offsets are pending in open transactions. */
    long pendingCount() {
        return pending.count();
    }

    /** How many committed offsets are live (keys with a value). */
    long liveCount() {
        return liveCount.get();
    }

    /** Records in the log from its start: what a replay reads. */
    long logRecordCount() {
        return files.recordCount();
    }

    /** Whether {@link #maybeCompact()} would compact now. */
    boolean needsCompaction() {
        long records = logRecordCount();
        return records > compactionRecordsMin && records > 2 * (liveCount.get() + pending.count());
    }

    /** Compacts when {@link #needsCompaction()} says so; returns whether it did. */
    boolean maybeCompact() throws IOException {
        if (!needsCompaction()) {
            return false;
        }
        compact();
        return true;
    }

    /** Rewrites the live offsets after a roll and deletes everything before them (see the class note). */
    void compact() throws IOException {
        long stamp = appendLock.writeLock();
        try {
            if (closed) {
                return;
            }
            long before = logRecordCount();
            log.roll();
            long rewriteStart = log.logEndOffset();
            for (Map.Entry<String, ConcurrentSkipListMap<TopicPartitionKey, Entry>> group : offsets.entrySet()) {
                List<Commit> commits = new ArrayList<>();
                group.getValue().values().removeIf(entry -> !entry.isLive()); // the tombstones go with the roll
                group.getValue().forEach((key, entry) -> commits.add(new Commit(key.topic(), key.partition(),
                        entry.value())));
                if (!commits.isEmpty()) {
                    AppendResult result = files.appendAndWait(OffsetBatches.plain(group.getKey(), commits,
                            log.config().batchBytesMax(), clockMs.getAsLong()));
                    int i = 0;
                    for (Commit commit : commits) { // the rewritten records are now where each key lives
                        put(group.getKey(), new TopicPartitionKey(commit.topic(), commit.partition()),
                                new Entry(commit.value(), result.firstOffset() + i++));
                    }
                }
            }
            offsets.values().removeIf(Map::isEmpty);
            List<PendingTransactionalOffsets.Rewrite> open = pending.toRewrite(); // after the committed: see the note
            if (!open.isEmpty()) {
                AppendResult result = files.appendAndWait(OffsetBatches.pending(open, log.config().batchBytesMax()));
                pending.rewritten(open, result.firstOffset());
            }
            log.advanceLogStartOffset(rewriteStart);
            LOG.info("Compacted the offsets log {}: {} record(s) down to {}", dir, before, logRecordCount());
        } finally {
            appendLock.unlockWrite(stamp);
        }
    }

    Path dir() {
        return dir;
    }

    /** Waits for commits in flight, then closes the log (flushing it) and releases the lock. */
    @Override
    public void close() throws IOException {
        long stamp = appendLock.writeLock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            files.close();
        } finally {
            appendLock.unlockWrite(stamp);
        }
    }
}
