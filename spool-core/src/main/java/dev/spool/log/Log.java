package dev.spool.log;

import dev.spool.log.io.FileIO;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.recovery.LogLoader;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.Segment;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic-partition's log: an ordered set of {@link Segment}s holding record batches with dense
 * offsets from {@link #logStartOffset()} to {@link #logEndOffset()}.
 *
 * <h2>Design</h2>
 * Appends take the log's one writer lock: they stamp offsets into the caller's batch header (the
 * offset is outside the CRC, so the checksum stays valid), write it at the end of the active
 * segment, index it, then publish the new end offset through a volatile field. Validation (sizes,
 * CRC) runs on the caller's thread before the lock. Readers never take that lock: they read a
 * snapshot of the segment map and of a segment's published size, so they never see half a batch
 * ({@link LogReader}).
 * Truncation, rare, is published through a sequence counter that readers check and retry on.
 *
 * <p>Rolling hands the segment it closes to a flush executor (the log manager's flusher thread)
 * which forces it off the appending thread and then moves the recovery point to the new segment,
 * so after a crash only the last segment, and any rolled one whose flush had not finished, needs
 * scanning ({@link LogLoader}). Measured: forcing a 1 GiB segment in line on the appending thread
 * cost 100 x 1 KiB appends about 30% of their throughput. Retention deletes whole
 * segments: they leave the map first, then their files are renamed {@code .deleted}, the
 * directory is synced, and the files are removed.
 *
 * <p>Thread-safe. Durability modes and group commit arrive in a later issue; today
 * {@link #flush()} is the one way to force data.
 */
public final class Log implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Log.class);

    private final FileIO io;
    private final Path dir;
    private final String name;
    /**
     * Swapped whole under the write lock by {@link #reconfigure} (a topic's settings altered while it
     * runs); everything else reads it once per operation.
     */
    private volatile LogConfig config;
    private final LongSupplier clockMs;
    private final ReentrantLock writeLock = new ReentrantLock();
    /**
     * Held while segments are forced or their files change shape (flush, truncation, deletion,
     * close), so the background flush of a rolled segment never races them. Order: the write lock
     * first, then this one; the background flush takes only this one, so appends never wait for it.
     */
    private final ReentrantLock flushLock = new ReentrantLock();
    private final Executor rollFlushExecutor;
    private final AppendPipeline pipeline;
    private final LogReader reader = new LogReader(this);
    /** Run when a truncation lowers the recovery point; the log manager checkpoints there. */
    private volatile Runnable recoveryPointLowered = () -> { };
    private final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();

    private volatile Segment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    /** Odd while a truncation runs; readers retry when it changed under them. */
    private volatile long truncationSequence;
    /** Counted down when the truncation in progress ends; set before the sequence turns odd. */
    private volatile CountDownLatch truncationDone = new CountDownLatch(0);
    private volatile boolean closed;
    /** Hashes batches into the chain (writer only, under the write lock); null when the log keeps no chain. */
    private final HashChain chainHasher;
    /** The chain after the last batch written (writer only); the anchor of the next segment. */
    private final byte[] chainHead;
    /** The first write-path I/O error; once set the log refuses writes until reopened. */
    private volatile IOException failure;

    private final LogMetrics metrics;

    private Log(FileIO io, Path dir, LogConfig config, LongSupplier clockMs, Executor rollFlushExecutor,
                MeterRegistry meterRegistry, LogLoader.Loaded loaded) {
        this.io = io;
        this.rollFlushExecutor = rollFlushExecutor;
        this.metrics = new LogMetrics(meterRegistry, dir.getFileName().toString(), this);
        this.pipeline = new AppendPipeline(this, rollFlushExecutor, config.write(), loaded.logEndOffset(), metrics);
        this.dir = dir;
        this.name = dir.getFileName().toString();
        this.config = config;
        this.clockMs = clockMs;
        for (Segment segment : loaded.segments()) {
            segments.put(segment.baseOffset(), segment);
        }
        this.active = segments.lastEntry().getValue();
        this.logStartOffset = loaded.logStartOffset();
        this.logEndOffset = loaded.logEndOffset();
        this.recoveryPoint = loaded.recoveryPoint();
        this.chainHasher = config.hashChain() ? new HashChain() : null;
        this.chainHead = loaded.chainHead().clone();
    }

    /** Opens (or creates) the log in {@code dir}, recovering it as {@code state} requires. */
    public static Log open(Path dir, LogConfig config, LoadState state) throws IOException {
        return open(FileIO.real(), dir, config, state, System::currentTimeMillis);
    }

    /** As {@link #open(Path, LogConfig, LoadState)}, with the file interface and clock to use. */
    public static Log open(FileIO io, Path dir, LogConfig config, LoadState state, LongSupplier clockMs)
            throws IOException {
        return open(io, dir, config, state, clockMs, Runnable::run);
    }

    /**
     * As {@link #open(FileIO, Path, LogConfig, LoadState, LongSupplier)}, with an executor for
     * the log's background work: forcing each rolled segment (so a roll costs the append no fsync:
     * a 1 GiB segment's fsync writes back up to 1 GiB; the recovery point moves when that flush
     * completes) and writing appends queued by {@link #appendAsync} or by writers that found the
     * writer busy. {@code Runnable::run}, what the shorter form uses, does all of it in line on
     * the calling thread. The log manager passes its I/O pool.
     */
    public static Log open(FileIO io, Path dir, LogConfig config, LoadState state, LongSupplier clockMs,
                           Executor rollFlushExecutor) throws IOException {
        return open(io, dir, config, state, clockMs, rollFlushExecutor, new CompositeMeterRegistry());
    }

    /** As the form above, recording the append path's meters ({@link LogMetrics}) in {@code meterRegistry}. */
    public static Log open(FileIO io, Path dir, LogConfig config, LoadState state, LongSupplier clockMs,
                           Executor rollFlushExecutor, MeterRegistry meterRegistry) throws IOException {
        LogLoader.Loaded loaded = LogLoader.load(io, dir, config, state, clockMs.getAsLong());
        return new Log(io, dir, config, clockMs, rollFlushExecutor, meterRegistry, loaded);
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /**
     * Runs the log with {@code next} from the next append on: segment size and age, retention, the
     * batch limit and the size of new segments' indexes take effect without a reopen. What the
     * open log is built around cannot change: the hash chain and the write settings other than the
     * default durability. The batch limit never goes down, because it also bounds the batch
     * lengths recovery and readers trust ({@link TopicConfig#applyTo(LogConfig, int)}).
     *
     * @throws IllegalArgumentException if {@code next} changes what cannot change
     */
    public void reconfigure(LogConfig next) {
        java.util.Objects.requireNonNull(next, "next");
        writeLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("Log " + dir + " is closed");
            }
            LogConfig current = config;
            if (next.hashChain() != current.hashChain()) {
                throw new IllegalArgumentException("The hash chain of " + name + " cannot be turned "
                        + (next.hashChain() ? "on" : "off") + " while it is open");
            }
            if (!next.write().withDurability(current.write().durability()).equals(current.write())) {
                throw new IllegalArgumentException("Only the durability of " + name + "'s write settings can change "
                        + "while it is open: " + current.write() + " -> " + next.write());
            }
            if (next.batchBytesMax() < current.batchBytesMax()) {
                throw new IllegalArgumentException("The batch limit of " + name + " cannot go down from "
                        + current.batchBytesMax() + " to " + next.batchBytesMax() + " bytes: it bounds what is read back");
            }
            config = next;
        } finally {
            writeLock.unlock();
        }
        LOG.info("Reconfigured {}: {}", name, next);
    }

    /** The first offset a read may ask for. */
    public long logStartOffset() {
        return logStartOffset;
    }

    /** The offset the next appended record gets; everything below it is readable. */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** Every offset below this is flushed to disk. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    /** Bytes of all segments. */
    public long sizeBytes() {
        long total = 0;
        for (Segment segment : segments.values()) {
            total += segment.sizeBytes();
        }
        return total;
    }

    public int segmentCount() {
        return segments.size();
    }

    /** A description of each segment, oldest first. */
    public List<SegmentInfo> segments() throws IOException {
        List<SegmentInfo> out = new ArrayList<>();
        for (Segment segment : segments.values()) {
            out.add(new SegmentInfo(segment.baseOffset(), segment.nextOffset(), segment.sizeBytes(),
                    segment.maxTimestamp()));
        }
        return out;
    }

    /**
     * Appends one or more whole Kafka v2 batches (from {@code batches.position()} to its limit),
     * assigning offsets from the log end on. The offsets are stamped into the buffer's batch
     * headers; its position is not moved. Everything is checked before anything is written: a
     * refused append throws {@link InvalidBatchException} and leaves the log unchanged.
     */
    public AppendResult append(ByteBuffer batches) throws IOException {
        return append(batches, config.write().durability());
    }

    /**
     * Appends with the given durability and waits for the acknowledgement: after the write for
     * {@link Durability#NONE}, after an fsync covering the records for {@link Durability#STRICT}
     * (shared with concurrent strict appends: group commit). Validation errors
     * ({@link InvalidBatchException}) and a full in-flight budget ({@link AppendRejectedException})
     * are thrown before anything is written.
     */
    public AppendResult append(ByteBuffer batches, Durability durability) throws IOException {
        return pipeline.appendAndWait(pending(batches, durability));
    }

    /**
     * Queues an append and returns at once (or after waiting for room, by
     * {@link WriteConfig#whenFull()}); the future completes when the append is acknowledged under
     * {@code durability}, or exceptionally with the I/O error that failed it. The buffer must not
     * be changed until then: the log stamps offsets into it and writes it from the writer.
     * Validation errors are thrown at once, as by {@link #append(ByteBuffer, Durability)}.
     */
    public java.util.concurrent.CompletableFuture<AppendResult> appendAsync(ByteBuffer batches, Durability durability)
            throws IOException {
        return pipeline.submit(pending(batches, durability));
    }

    private PendingAppend pending(ByteBuffer batches, Durability durability) {
        if (closed) {
            throw new IllegalStateException("Log " + dir + " is closed");
        }
        ByteBuffer view = batches.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        int totalBytes = AppendValidation.check(view, config, name);
        return new PendingAppend(view, totalBytes, lastOffsetDelta(view),
                java.util.Objects.requireNonNull(durability, "durability"));
    }

    /**
     * The hash chain after the last batch written (64 hex digits), or empty when the log keeps no
     * chain: what {@code spool verify --expect-head} compares with a receipt.
     */
    public String chainHeadHex() {
        writeLock.lock();
        try {
            return chainHasher == null ? "" : HashChain.hex(chainHead);
        } finally {
            writeLock.unlock();
        }
    }

    /** Bytes accepted by append calls but not yet acknowledged. */
    public long inFlightBytes() {
        return pipeline.inFlightBytes();
    }

    ReentrantLock writeLock() {
        return writeLock;
    }

    /** Sets what runs (under the log's locks) after a truncation lowered the recovery point. */
    void onRecoveryPointLowered(Runnable action) {
        this.recoveryPointLowered = java.util.Objects.requireNonNull(action, "action");
    }

    /** The segments by base offset, for the reader; never modified through this view. */
    java.util.NavigableMap<Long, Segment> segmentMap() {
        return segments;
    }

    /** Odd while a truncation runs (see {@link LogReader}). */
    long truncationSequence() {
        return truncationSequence;
    }

    CountDownLatch truncationDone() {
        return truncationDone;
    }

    /**
     * Forces the data (not the indexes) of every segment that may hold offsets at or after
     * {@code offset}: what a strict append needs. Segments removed meanwhile are skipped.
     */
    void forceDataFrom(long offset) throws IOException {
        // From the recovery point, not just the append's segment: a rolled segment whose background
        // flush has not run yet would otherwise lose its tail in a power loss, and recovery (rows T2,
        // T3 of LogLoader) then drops the later segments, this acknowledged append with them.
        Map.Entry<Long, Segment> from = segments.floorEntry(Math.min(offset, recoveryPoint));
        Map<Long, Segment> tail = from == null ? segments : segments.tailMap(from.getKey(), true);
        for (Segment segment : tail.values()) {
            try {
                segment.forceData();
            } catch (ClosedChannelException e) {
                // Deleted by retention or truncation after the write: nothing left to force.
            }
        }
    }

    /**
     * The I/O stage of a group (write lock held): assigns offsets, then writes runs of appends
     * that share a segment with one gathering write each, rolling between runs as needed, and
     * publishes the new log end after each run.
     */
    void writeGroupLocked(List<PendingAppend> group) throws IOException {
        ensureOpen();
        final LogConfig config = this.config; // stable: reconfigure takes the write lock
        long now = clockMs.getAsLong();
        final HashChain hasher = chainHasher;
        final byte[] head = chainHead;
        ByteBuffer[] run = new ByteBuffer[group.size()];
        int i = 0;
        while (i < group.size()) {
            long next = logEndOffset;
            Segment segment = maybeRoll(group.get(i).sizeBytes, next + group.get(i).lastOffsetDelta, now);
            long segmentBytes = segment.sizeBytes();
            ChainFile chain = hasher == null ? null : segment.chain();
            int count = 0;
            while (i < group.size()) {
                PendingAppend append = group.get(i);
                long last = next + append.lastOffsetDelta;
                boolean fits = segmentBytes + append.sizeBytes <= config.segmentBytes()
                        && last - segment.baseOffset() <= Integer.MAX_VALUE;
                if (count > 0 && !fits) {
                    break;
                }
                append.firstOffset = next;
                for (int at = append.batches.position(); at < append.batches.limit(); ) {
                    int batchBytes = RecordBatch.sizeInBytes(append.batches, at);
                    RecordBatch.setBaseOffset(append.batches, at, next);
                    if (hasher != null) { // the stored bytes, base offset stamped; the digest reads them in place
                        hasher.step(head, append.batches.duplicate().limit(at + batchBytes).position(at));
                        chain.add(next, head);
                    }
                    next += RecordBatch.lastOffsetDelta(append.batches, at) + 1;
                    at += batchBytes;
                }
                if (hasher != null) {
                    append.chainHash = head.clone();
                }
                append.lastOffset = next - 1;
                append.segment = segment;
                append.position = (int) segmentBytes;
                run[count++] = append.batches.duplicate();
                segmentBytes += append.sizeBytes;
                i++;
            }
            try {
                segment.append(run, count, next - 1, now);
            } catch (IOException e) {
                throw fail(e);
            }
            logEndOffset = next;
        }
    }

    /** The offset span of the batches in {@code batches}, minus one: last offset minus first. */
    private static long lastOffsetDelta(ByteBuffer batches) {
        long delta = -1;
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            delta += RecordBatch.lastOffsetDelta(batches, at) + 1;
        }
        return delta;
    }

    private Segment maybeRoll(int incomingBytes, long lastOffset, long now) throws IOException {
        Segment segment = active;
        if (segment.isEmpty()) {
            return segment;
        }
        String reason = null;
        if ((long) segment.sizeBytes() + incomingBytes > config.segmentBytes()) {
            reason = "size";
        } else if (now - segment.rollingBaseMs() > config.segmentMs()) {
            reason = "age";
        } else if (segment.indexesFull()) {
            reason = "full index";
        } else if (lastOffset - segment.baseOffset() > Integer.MAX_VALUE) {
            reason = "offset range";
        }
        return reason == null ? segment : roll(reason);
    }

    /** Starts a new segment at the log end (when the active one holds data). Flushes the old one. */
    public void roll() throws IOException {
        writeLock.lock();
        try {
            ensureOpen();
            if (!active.isEmpty()) {
                try {
                    roll("request");
                } catch (IOException e) {
                    throw fail(e);
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    private Segment roll(String reason) throws IOException {
        Segment old = active;
        long base = logEndOffset;
        old.seal();
        Segment created = Segment.create(io, dir, base, config.indexIntervalBytes(), config.segmentIndexBytes(),
                clockMs.getAsLong(), chainHasher == null ? null : chainHead.clone());
        io.syncDirectory(dir);
        segments.put(base, created);
        active = created;
        long sequence = truncationSequence;
        rollFlushExecutor.execute(() -> flushRolled(base, sequence));
        IOException failed = failure;
        if (failed != null) { // an in-line flush failed: the append that rolled must not report success
            throw failed;
        }
        LOG.debug("Rolled {} by {} at offset {}", name, reason, base);
        return created;
    }

    /**
     * Forces the segments below {@code base} (the ones rolls closed), then moves the recovery point
     * to {@code base}, unless a truncation ran since the roll (the offsets below {@code base} may
     * then hold new, unflushed data). A failure fails the log: the fsync is never retried.
     */
    private void flushRolled(long base, long sequenceAtRoll) {
        flushLock.lock();
        try {
            if (closed || failure != null) {
                return;
            }
            // From the segment just sealed (its time index gained its final entry even when its data
            // was already flushed), or from the recovery point if that is further back.
            Map.Entry<Long, Segment> from = segments.floorEntry(Math.min(recoveryPoint, base - 1));
            Map<Long, Segment> unflushed = from == null ? segments.headMap(base, false)
                    : segments.subMap(from.getKey(), true, base, false);
            for (Segment segment : unflushed.values()) {
                segment.flush();
            }
            if (truncationSequence == sequenceAtRoll) {
                recoveryPoint = Math.max(recoveryPoint, base);
            }
        } catch (IOException e) {
            fail(e);
        } finally {
            flushLock.unlock();
        }
    }

    /**
     * Reads whole batches starting with the one that holds {@code offset}, up to {@code maxBytes}
     * but at least one batch. At the log end the result is empty. Never blocks the writer.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is below the log start or above the end
     */
    public ReadResult read(long offset, int maxBytes) throws IOException {
        return reader.read(offset, (segment, from) -> segment.read(from, maxBytes));
    }

    /**
     * Reads whole batches starting with the one that holds {@code offset} into {@code into}, from
     * its position, as many as fit: no allocation, one copy (a direct buffer takes the bytes
     * straight from the file). The first batch must fit: a buffer of
     * {@link LogConfig#batchBytesMax()} bytes always does; a smaller one gets an
     * {@link IllegalArgumentException} naming the batch's size when it meets a larger batch. On
     * return {@code into}'s position is past the batches read, and the result's {@code batches()}
     * is a view of them in {@code into}.
     */
    public ReadResult read(long offset, ByteBuffer into) throws IOException {
        int start = into.position();
        ReadResult result = reader.read(offset,
                (segment, from) -> segment.read(from, into.duplicate().position(start)));
        into.position(start + result.batches().remaining());
        return result;
    }

    /**
     * Where the whole batches {@link #read(long, int)} would return lie on disk, without reading
     * them: a run of one segment's file (batches of the next segments come with the next call),
     * for a server to send without copying ({@link dev.spool.log.io.StorageFile#transferTo}). Only
     * batch headers are read. Empty at the log end. Never blocks the writer.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is below the log start or above the end
     */
    public LogSlice readSlice(long offset, int maxBytes) throws IOException {
        return reader.slice(offset, maxBytes);
    }

    /**
     * The first record whose timestamp is at or after {@code timestamp} (Kafka's ListOffsets by
     * time), or empty if every record is older.
     */
    public Optional<TimestampOffset> findOffsetByTimestamp(long timestamp) throws IOException {
        long start = logStartOffset;
        for (Segment segment : segments.values()) {
            if (segment.nextOffset() <= start || segment.maxTimestamp() < timestamp) {
                continue;
            }
            // Records below the start are not candidates: the first one at or after the start with a
            // late enough timestamp may be later, or absent (timestamps need not increase).
            Optional<Record> found = segment.findOffsetByTimestamp(timestamp, start, config.batchBytesMax());
            if (found.isPresent()) {
                Record record = found.get();
                return Optional.of(new TimestampOffset(record.offset(), record.timestamp()));
            }
        }
        return Optional.empty();
    }

    /**
     * Forces every unflushed segment (data, then indexes) and advances the recovery point to the
     * log end as it was when the flush began.
     */
    public void flush() throws IOException {
        writeLock.lock();
        flushLock.lock();
        try {
            ensureOpen();
            long end = logEndOffset;
            Map.Entry<Long, Segment> from = segments.floorEntry(recoveryPoint);
            Map<Long, Segment> unflushed = from == null ? segments : segments.tailMap(from.getKey(), true);
            try {
                for (Segment segment : unflushed.values()) {
                    segment.flush();
                }
            } catch (IOException e) {
                throw fail(e); // never retry an fsync: what it failed to write may be gone from the page cache
            }
            recoveryPoint = Math.max(recoveryPoint, end);
        } finally {
            flushLock.unlock();
            writeLock.unlock();
        }
    }

    /**
     * Applies retention at time {@code nowMs}: deletes whole segments whose newest record is older
     * than {@code retentionMs}, then the oldest segments while the log exceeds
     * {@code retentionBytes}, and any segment wholly below the log start offset. Returns how many
     * segments were deleted.
     */
    public int applyRetention(long nowMs) throws IOException {
        writeLock.lock();
        try {
            ensureOpen();
            try {
                return applyRetentionLocked(nowMs);
            } catch (IOException e) {
                throw fail(e);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private int applyRetentionLocked(long nowMs) throws IOException {
        final LogConfig config = this.config; // stable: the write lock is held
        {
            int deleted = deleteBelowLogStart();
            if (config.retentionMs() > 0) {
                deleted += deleteWhile(segment -> {
                    long max = segment.maxTimestampForRetention();
                    return max >= 0 && nowMs - max > config.retentionMs();
                }, "time");
            }
            if (config.retentionBytes() > 0) {
                long[] size = {sizeBytes()};
                deleted += deleteWhile(segment -> {
                    if (size[0] - segment.sizeBytes() >= config.retentionBytes()) {
                        size[0] -= segment.sizeBytes();
                        return true;
                    }
                    return false;
                }, "size");
            }
            return deleted;
        }
    }

    /**
     * Raises the log start offset (Kafka's DeleteRecords): offsets below it stop being readable
     * at once, and segments wholly below it are deleted. Returns the new log start offset.
     */
    public long advanceLogStartOffset(long offset) throws IOException {
        writeLock.lock();
        try {
            ensureOpen();
            if (offset > logEndOffset) {
                throw new IllegalArgumentException("Cannot move the start of " + name + " to " + offset
                        + ", past its end " + logEndOffset);
            }
            if (offset > logStartOffset) {
                logStartOffset = offset;
                try {
                    deleteBelowLogStart();
                } catch (IOException e) {
                    throw fail(e);
                }
            }
            return logStartOffset;
        } finally {
            writeLock.unlock();
        }
    }

    private int deleteBelowLogStart() throws IOException {
        long start = logStartOffset;
        return deleteWhile(segment -> segment.nextOffset() <= start && !segment.isEmpty(), "log start offset");
    }

    private interface SegmentPredicate {
        boolean test(Segment segment) throws IOException;
    }

    /** Deletes segments from the oldest while {@code expired} holds; rolls first if the active one expired. */
    private int deleteWhile(SegmentPredicate expired, String reason) throws IOException {
        List<Segment> doomed = new ArrayList<>();
        for (Segment segment : segments.values()) {
            if (!expired.test(segment)) {
                break;
            }
            doomed.add(segment);
        }
        if (doomed.isEmpty()) {
            return 0;
        }
        if (doomed.get(doomed.size() - 1) == active) {
            roll("retention");
        }
        long newStart = doomed.get(doomed.size() - 1).nextOffset();
        if (newStart > logStartOffset) {
            logStartOffset = newStart;
        }
        for (Segment segment : doomed) {
            segments.remove(segment.baseOffset());
        }
        deleteFiles(doomed);
        LOG.info("Deleted {} segment(s) of {} by {} retention; log start offset is now {}", doomed.size(), name,
                reason, logStartOffset);
        return doomed.size();
    }

    /** Renames each file to {@code .deleted}, syncs the directory, then removes them. */
    private void deleteFiles(List<Segment> doomed) throws IOException {
        flushLock.lock();
        try {
            deleteFilesLocked(doomed);
        } finally {
            flushLock.unlock();
        }
    }

    private void deleteFilesLocked(List<Segment> doomed) throws IOException {
        Segment.deleteAll(io, dir, doomed);
    }

    /**
     * Removes every record at or after {@code offset}. Batches are not split: the batch holding
     * {@code offset} goes too, so the new log end may be below {@code offset}, and even below the
     * log start offset, which then moves down to the new end (the log is empty). Returns the new
     * log end offset. The cut is forced to disk before this returns.
     */
    public long truncateTo(long offset) throws IOException {
        writeLock.lock();
        try {
            ensureOpen();
            if (offset >= logEndOffset) {
                return logEndOffset;
            }
            if (offset < logStartOffset) {
                throw new IllegalArgumentException("Cannot truncate " + name + " to " + offset
                        + ", below its start offset " + logStartOffset);
            }
            CountDownLatch done = new CountDownLatch(1);
            truncationDone = done;
            flushLock.lock();
            truncationSequence++;
            try {
                List<Segment> doomed = new ArrayList<>();
                for (Segment segment : segments.tailMap(offset, true).values()) {
                    if (segment.baseOffset() != segments.firstKey()) {
                        doomed.add(segment);
                    }
                }
                for (Segment segment : doomed) {
                    segments.remove(segment.baseOffset());
                }
                Segment last = segments.lastEntry().getValue();
                long newEnd = last.truncateTo(offset);
                if (chainHasher != null) {
                    System.arraycopy(last.chain().lastHash(), 0, chainHead, 0, HashChain.HASH_BYTES);
                }
                active = last;
                if (newEnd < logStartOffset) {
                    // The batch holding the start offset began below it and is gone: the log is
                    // now empty and starts at its new end (as Kafka's truncateTo does).
                    logStartOffset = newEnd;
                }
                logEndOffset = newEnd;
                recoveryPoint = Math.min(recoveryPoint, newEnd);
                pipeline.truncated(newEnd);
                deleteFiles(doomed);
                // The recovery point on disk must come down before new data lands below the old one: a
                // crash would otherwise trust, unscanned, segments that now hold unflushed appends.
                recoveryPointLowered.run();
                LOG.info("Truncated {} to offset {} (asked {}), removing {} segment(s)", name, newEnd, offset,
                        doomed.size());
                return newEnd;
            } catch (IOException e) {
                throw fail(e);
            } finally {
                truncationSequence++;
                flushLock.unlock();
                done.countDown();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Whether the log was closed. */
    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IllegalStateException("Log " + dir + " is closed");
        }
        IOException failed = failure;
        if (failed != null) {
            throw new IOException("Log " + dir + " failed earlier (" + describe(failed)
                    + ") and refuses writes until it is reopened", failed);
        }
    }

    /** Records the first write-path failure; returns the error to throw. */
    IOException fail(IOException e) {
        if (failure == null) {
            failure = e;
            LOG.error("Log {} failed: {}; it refuses writes until reopened", dir, describe(e));
        }
        return e;
    }

    /**
     * An error's message for a person. The JDK's missing-file, access-denied and file-exists errors
     * carry only the path as their message ("/data/t-0/00000000000000000020.log"): the type says why.
     */
    private static String describe(IOException e) {
        return e instanceof java.nio.file.FileSystemException fs && fs.getReason() == null
                ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getMessage();
    }

    /** Whether a write or flush failed; the log then refuses writes until reopened. */
    public boolean isFailed() {
        return failure != null;
    }

    /** Flushes everything, then closes every segment. */
    @Override
    public void close() throws IOException {
        writeLock.lock();
        flushLock.lock();
        try {
            if (closed) {
                return;
            }
            pipeline.drainQueuedLocked(); // appends already accepted are written (or failed), not dropped
            if (failure == null) {
                active.seal();
                flush();
            }
            closed = true;
            metrics.close();
            IOException failure = null;
            for (Segment segment : segments.values()) {
                try {
                    segment.close();
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            flushLock.unlock();
            writeLock.unlock();
        }
    }

    /** Closes the segments without flushing: for a log that is being deleted, or after a failure. */
    void closeWithoutFlush() throws IOException {
        writeLock.lock();
        flushLock.lock();
        try {
            closed = true;
            metrics.close();
            for (Segment segment : segments.values()) {
                segment.close();
            }
        } finally {
            flushLock.unlock();
            writeLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Log[" + dir + ", offsets " + logStartOffset + ".." + logEndOffset + "]";
    }
}
