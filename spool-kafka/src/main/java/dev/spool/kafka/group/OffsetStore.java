package dev.spool.kafka.group;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;
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
 * <p>Files: the log's segments, plus {@code .lock}, held while open so that a second process cannot
 * write the same offsets. Thread-safe.
 */
final class OffsetStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetStore.class);
    static final String LOCK_FILE = ".lock";
    /** Segments roll at 64 MiB: compaction deletes whole segments and a roll starts the rewrite. */
    static final int SEGMENT_BYTES = 64 << 20;
    private static final int READ_BYTES_MAX = 1 << 20;

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

    private final Path dir;
    private final Log log;
    private final AutoCloseable lock;
    private final long compactionRecordsMin;
    /** Stamps tombstones, which have no commit time of their own. */
    private final LongSupplier clockMs;
    /** Group, then (topic, partition), in name order so fetch-all answers in a stable order. */
    private final ConcurrentHashMap<String, ConcurrentSkipListMap<TopicPartitionKey, Entry>> offsets =
            new ConcurrentHashMap<>();
    /** Commits in flight hold read stamps; compaction and close take the write stamp. */
    private final StampedLock appendLock = new StampedLock();
    private final AtomicLong liveCount = new AtomicLong();
    private volatile boolean closed;

    /** A topic and partition, ordered by topic then partition. */
    record TopicPartitionKey(String topic, int partition) implements Comparable<TopicPartitionKey> {
        @Override
        public int compareTo(TopicPartitionKey other) {
            int byTopic = topic.compareTo(other.topic);
            return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
        }
    }

    private OffsetStore(Path dir, Log log, AutoCloseable lock, LongSupplier clockMs, long compactionRecordsMin) {
        this.dir = dir;
        this.clockMs = clockMs;
        this.log = log;
        this.lock = lock;
        this.compactionRecordsMin = compactionRecordsMin;
    }

    /**
     * Opens (creating if needed) the offsets log in {@code dir} and replays it. The log's own
     * recovery runs first (a full scan: the log is kept small by compaction), then every record is
     * decoded; one that does not decode fails the open with {@link CorruptOffsetRecordException}.
     */
    static OffsetStore open(FileIO io, Path dir, LongSupplier clockMs, Executor ioExecutor,
                            MeterRegistry meterRegistry, long compactionRecordsMin) throws IOException {
        io.createDirectories(dir);
        AutoCloseable lock = io.lock(dir.resolve(LOCK_FILE));
        Log log = null;
        try {
            LogConfig config = LogConfig.defaults().withSegmentBytes(SEGMENT_BYTES).withRetentionMs(-1)
                    .withDurability(Durability.STRICT);
            log = Log.open(io, dir, config, LoadState.unknown(), clockMs, ioExecutor, meterRegistry);
            OffsetStore store = new OffsetStore(dir, log, lock, clockMs, compactionRecordsMin);
            store.replay();
            store.maybeCompact();
            return store;
        } catch (IOException | RuntimeException e) {
            if (log != null) {
                try {
                    log.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            try {
                lock.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void replay() throws IOException {
        long start = log.logStartOffset();
        long offset = start;
        long records = 0;
        while (offset < log.logEndOffset()) {
            ReadResult read = log.read(offset, READ_BYTES_MAX);
            if (read.isEmpty()) {
                break;
            }
            for (Record record : read.records()) { // checks each batch's CRC; names file, position, offset
                if (record.offset() >= offset) {
                    apply(record, read.origin());
                    records++;
                }
            }
            offset = read.nextOffset(offset);
        }
        LOG.info("Replayed {} offsets record(s) of {} (log offsets {}..{}): {} committed offset(s)", records, dir,
                start, log.logEndOffset(), liveCount.get());
    }

    private void apply(Record record, ReadResult.Origin origin) throws CorruptOffsetRecordException {
        Optional<OffsetRecordCodec.OffsetRecord> decoded;
        try {
            decoded = OffsetRecordCodec.decode(record.key().orElse(null), record.value().orElse(null));
        } catch (OffsetRecordCodec.MalformedRecordException e) {
            throw new CorruptOffsetRecordException(origin.file(), batchPosition(origin, record.offset()),
                    record.offset(), e.getMessage());
        }
        if (decoded.isEmpty()) {
            return;
        }
        OffsetRecordCodec.OffsetRecord r = decoded.get();
        TopicPartitionKey key = new TopicPartitionKey(r.topic(), r.partition());
        if (r.value().isPresent()) {
            put(r.group(), key, new Entry(r.value().get(), record.offset()));
        } else {
            remove(r.group(), key);
        }
    }

    /** The position of the batch holding {@code offset}, to name a bad record; -1 when it cannot be found. */
    private static long batchPosition(ReadResult.Origin origin, long offset) {
        try {
            return origin.positionOf(offset);
        } catch (IOException | RuntimeException e) {
            return -1;
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
        long stamp = appendLock.readLock();
        CompletableFuture<AppendResult> appended;
        try {
            if (closed) {
                throw new IllegalStateException("The offsets store of " + dir + " is closed");
            }
            appended = log.appendAsync(encode(group, commits), Durability.STRICT);
        } catch (IOException | RuntimeException e) {
            appendLock.unlockRead(stamp);
            return CompletableFuture.failedFuture(e);
        }
        return appended.handle((result, error) -> {
            try {
                if (error != null) {
                    throw error instanceof CompletionException c ? c : new CompletionException(error);
                }
                for (int i = 0; i < commits.size(); i++) {
                    Commit commit = commits.get(i);
                    put(group, new TopicPartitionKey(commit.topic(), commit.partition()),
                            new Entry(commit.value(), result.firstOffset() + i));
                }
                return null;
            } finally {
                appendLock.unlockRead(stamp);
            }
        });
    }

    /** Encodes records into as many batches as they need, one after another in one buffer. */
    private ByteBuffer encode(String group, List<Commit> commits) {
        BatchBuilder builder = new BatchBuilder(log.config().batchBytesMax());
        List<ByteBuffer> batches = new ArrayList<>();
        int totalBytes = 0;
        for (Commit commit : commits) {
            byte[] key = OffsetRecordCodec.encodeKey(group, commit.topic(), commit.partition());
            byte[] value = commit.value() == null ? null : OffsetRecordCodec.encodeValue(commit.value());
            long timestamp = commit.value() == null ? clockMs.getAsLong() : commit.value().commitTimestampMs();
            if (!builder.tryAppend(timestamp, key, value)) {
                totalBytes += takeBatch(builder, batches);
                builder.append(timestamp, ByteBuffer.wrap(key), value == null ? null : ByteBuffer.wrap(value), null);
            }
        }
        totalBytes += takeBatch(builder, batches);
        ByteBuffer out = ByteBuffer.allocate(totalBytes);
        batches.forEach(out::put);
        return out.flip();
    }

    private static int takeBatch(BatchBuilder builder, List<ByteBuffer> into) {
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining()).put(built).flip();
        into.add(copy);
        builder.reset();
        return copy.remaining();
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

    /** Whether {@code group} has at least one committed offset. */
    boolean hasOffsets(String group) {
        Map<TopicPartitionKey, Entry> partitions = offsets.get(group);
        return partitions != null && partitions.values().stream().anyMatch(Entry::isLive);
    }

    /** The groups that have committed offsets, in name order. */
    NavigableSet<String> groupsWithOffsets() {
        NavigableSet<String> out = new TreeSet<>();
        offsets.forEach((group, partitions) -> {
            if (partitions.values().stream().anyMatch(Entry::isLive)) {
                out.add(group);
            }
        });
        return out;
    }

    /** How many committed offsets are live (keys with a value). */
    long liveCount() {
        return liveCount.get();
    }

    /** Records in the log from its start: what a replay reads. */
    long logRecordCount() {
        return log.logEndOffset() - log.logStartOffset();
    }

    /** Whether {@link #maybeCompact()} would compact now. */
    boolean needsCompaction() {
        long records = logRecordCount();
        return records > compactionRecordsMin && records > 2 * liveCount.get();
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
                    AppendResult result = await(log.appendAsync(encode(group.getKey(), commits), Durability.STRICT));
                    int i = 0;
                    for (Commit commit : commits) { // the rewritten records are now where each key lives
                        put(group.getKey(), new TopicPartitionKey(commit.topic(), commit.partition()),
                                new Entry(commit.value(), result.firstOffset() + i++));
                    }
                }
            }
            offsets.values().removeIf(Map::isEmpty);
            log.advanceLogStartOffset(rewriteStart);
            LOG.info("Compacted the offsets log {}: {} record(s) down to {}", dir, before, logRecordCount());
        } finally {
            appendLock.unlockWrite(stamp);
        }
    }

    private static AppendResult await(CompletableFuture<AppendResult> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("Interrupted while compacting the offsets log");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
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
            try {
                log.close();
            } finally {
                try {
                    lock.close();
                } catch (Exception e) {
                    LOG.warn("Could not release {}: {}", dir.resolve(LOCK_FILE), e.getMessage());
                }
            }
        } finally {
            appendLock.unlockWrite(stamp);
        }
    }
}
