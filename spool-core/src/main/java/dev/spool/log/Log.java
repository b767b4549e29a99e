package dev.spool.log;

import dev.spool.log.append.AppendPipeline;
import dev.spool.log.append.PendingAppend;
import dev.spool.log.append.Sequencer;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.recovery.LogLoader;
import dev.spool.log.retention.Retention;
import dev.spool.log.segment.Segment;
import dev.spool.log.segment.SegmentSet;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topic-partition's log: an ordered set of segments holding record batches with dense
 * offsets from {@link #logStartOffset()} to {@link #logEndOffset()}.
 *
 * <h2>Design</h2>
 * A facade over the pieces that do the work, in the order data flows through them:
 * <ul>
 *   <li>an append is validated on the caller's thread ({@link PendingAppend#validated}), then
 *       queued in the {@link AppendPipeline}, which owns the log's one writer lock, groups queued
 *       appends, has the {@link Sequencer} assign offsets and chain hashes, writes each group and
 *       acknowledges it by its {@link Durability}: after the write, or after an fsync shared by the
 *       whole group (group commit);</li>
 *   <li>the {@link SegmentSet} holds the segments and the offsets that bound them: it appends,
 *       rolls (a rolled segment is forced in the background), flushes, truncates and deletes;</li>
 *   <li>{@link LogReader} serves reads without taking the writer lock: it reads a snapshot of the
 *       segment map and of a segment's published size, so it never sees half a batch;</li>
 *   <li>{@link Retention} deletes whole segments by time, size and log start offset.</li>
 * </ul>
 * Every other write (flush, retention, truncation, roll, reconfiguration, close) runs under the
 * writer lock. After a failed write or fsync the log refuses writes ({@link #isFailed()}) until it
 * is reopened or {@link #recover() recovered}; the fsync is never retried.
 *
 * <p><b>Full disk.</b> A log that failed because the disk was full recovers by itself: an append that
 * comes {@link InPlaceRecovery#FULL_DISK_BACKOFF_MS} or more after the failure (or the last attempt)
 * first runs {@link #recover()}; while the disk stays full it fails with it. Other failures wait for
 * an explicit {@link #recover()} or a reopen. Thread-safe.
 */
public final class Log implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Log.class);

    private final Path dir;
    private final String name;
    /**
     * Swapped whole under the writer lock by {@link #reconfigure} (a topic's settings altered while
     * it runs); everything else reads it once per operation.
     */
    private volatile LogConfig config;
    private final LongSupplier clockMs;
    private final SegmentSet segments;
    private final Sequencer sequencer;
    private final AppendPipeline pipeline;
    private final Retention retention;
    private final LogReader reader;
    private final InPlaceRecovery recovery;
    private final LogCompaction compaction;
    private final LogTransactions transactions;
    /** Truncation's work, and what runs when it lowers the recovery point (the log manager's checkpoint). */
    private final LogTruncation truncation;

    private Log(FileIO io, Path dir, LogConfig config, LongSupplier clockMs, Executor ioExecutor,
                MeterRegistry meterRegistry, LogLoader.Loaded loaded) {
        this.dir = dir;
        this.name = dir.getFileName().toString();
        this.config = config;
        this.clockMs = clockMs;
        this.segments = new SegmentSet(io, dir, loaded.segments(), loaded.logStartOffset(), loaded.logEndOffset(),
                loaded.recoveryPoint(), clockMs, ioExecutor);
        this.sequencer = new Sequencer(segments, config.hashChain(), loaded.chainHead(), loaded.chainVersion());
        this.pipeline = new AppendPipeline(segments, sequencer, this::config, clockMs, ioExecutor, meterRegistry,
                this::recoverIfDue);
        this.recovery = new InPlaceRecovery(io, dir, segments, sequencer, pipeline, this::config, clockMs,
                this::truncateTo);
        this.retention = new Retention(segments, reason -> sequencer.roll(reason, this.config));
        this.reader = new LogReader(segments);
        this.compaction = new LogCompaction(segments, pipeline, clockMs, name);
        this.transactions = new LogTransactions(segments, pipeline, name);
        this.truncation = new LogTruncation(segments, sequencer, pipeline, name);
    }

    /** Opens (or creates) the log in {@code dir}, recovering it as {@code state} requires. */
    public static Log open(Path dir, LogConfig config, LoadState state) throws IOException {
        return open(FileIO.real(), dir, config, state, CoarseClock.SYSTEM);
    }

    /** As {@link #open(Path, LogConfig, LoadState)}, with the file interface and clock to use. */
    public static Log open(FileIO io, Path dir, LogConfig config, LoadState state, LongSupplier clockMs)
            throws IOException {
        return open(io, dir, config, state, clockMs, Runnable::run);
    }

    /**
     * As {@link #open(FileIO, Path, LogConfig, LoadState, LongSupplier)}, with an executor for the log's
     * background work (forcing rolled segments, so that a roll costs the append no fsync; syncing the directory;
     * removing deleted files; queued appends): {@code Runnable::run} runs it in line, the log manager its pool.
     */
    public static Log open(FileIO io, Path dir, LogConfig config, LoadState state, LongSupplier clockMs,
                           Executor ioExecutor) throws IOException {
        return open(io, dir, config, state, clockMs, ioExecutor, new CompositeMeterRegistry());
    }

    /** As the form above, recording the append path's meters ({@code spool.log.*}, {@code LogMetrics}) in {@code meterRegistry}. */
    public static Log open(FileIO io, Path dir, LogConfig config, LoadState state, LongSupplier clockMs,
                           Executor ioExecutor, MeterRegistry meterRegistry) throws IOException {
        LogLoader.Loaded loaded = LogLoader.load(io, dir, config, state, clockMs.getAsLong());
        Log log = new Log(io, dir, config, clockMs, ioExecutor, meterRegistry, loaded);
        if (!state.cleanShutdown()) { // a roll or deletion of the last run may not be synced yet
            log.segments.directoryMayBeUnsynced();
        }
        return log;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /**
     * Runs the log with {@code next} from the next append on: segment size and age, retention, the batch
     * limit and new segments' index size take effect without a reopen. The hash chain and the write
     * settings other than the default durability cannot change, nor can the batch limit go down: it also
     * bounds the batch lengths recovery and readers trust ({@link TopicConfig#applyTo(LogConfig, int)}).
     *
     * @throws IllegalArgumentException if {@code next} changes what cannot change
     */
    public void reconfigure(LogConfig next) {
        Objects.requireNonNull(next, "next");
        pipeline.exclusiveUnchecked(() -> {
            segments.ensureNotClosed();
            config.checkReconfigurable(next, name);
            config = next;
            return null;
        });
        LOG.info("Reconfigured {}: {}", name, next);
    }

    /** The first offset a read may ask for. */
    public long logStartOffset() {
        return segments.logStartOffset();
    }

    /** The offset the next appended record gets; everything below it is readable. */
    public long logEndOffset() {
        return segments.logEndOffset();
    }

    /** Every offset below this is flushed to disk. */
    public long recoveryPoint() {
        return segments.recoveryPoint();
    }

    /** Bytes of all segments. */
    public long sizeBytes() {
        return segments.sizeBytes();
    }

    public int segmentCount() {
        return segments.segments().size();
    }

    /** A description of each segment, oldest first. */
    public List<SegmentInfo> segments() throws IOException {
        return SegmentInfo.of(segments.segments().values());
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
     * Appends one record, stamped now, under the log's durability; returns its offset. Many records
     * go faster as batches ({@link dev.spool.log.record.BatchBuilder}, {@link #append(ByteBuffer)}).
     * A record over the log's batch limit is a {@link dev.spool.log.record.RecordTooLargeException}.
     */
    public long append(byte[] key, byte[] value) throws IOException {
        return append(SingleRecord.builder(clockMs.getAsLong(), Objects.requireNonNull(key, "key"),
                Objects.requireNonNull(value, "value"), config.batchBytesMax())).firstOffset();
    }

    /** As {@link #append(byte[], byte[])}, for a record without a key. */
    public long append(byte[] value) throws IOException {
        return append(SingleRecord.builder(clockMs.getAsLong(), null, Objects.requireNonNull(value, "value"),
                config.batchBytesMax())).firstOffset();
    }

    /**
     * Builds {@code builder}'s batch and appends it under the log's durability, as {@link #append(ByteBuffer)},
     * checked against the log's limits but its CRC not computed again: the builder wrote it over bytes no
     * caller has held. A batch built before the call ({@link BatchBuilder#isBuilt()}), whose view may have
     * changed since, is checked whole. The builder must not be used by another thread during the call.
     */
    public AppendResult append(BatchBuilder builder) throws IOException {
        return append(builder, config.write().durability());
    }

    /** As {@link #append(BatchBuilder)}, with the given durability (see {@link #append(ByteBuffer, Durability)}). */
    public AppendResult append(BatchBuilder builder, Durability durability) throws IOException {
        if (builder.isEmpty()) {
            throw new InvalidBatchException(InvalidBatchException.Reason.EMPTY, "Nothing to append to " + name);
        }
        boolean fresh = !builder.isBuilt(); // built here, in no caller's hands: its CRC is the builder's
        return pipeline.appendAndWait(pending(builder.build(), durability, fresh));
    }

    /**
     * Appends with the given durability and waits for the acknowledgement: after the write for
     * {@link Durability#NONE}, after an fsync covering the records for {@link Durability#STRICT} (shared
     * with concurrent strict appends: group commit). Validation errors ({@link InvalidBatchException})
     * and a full in-flight budget ({@link AppendRejectedException}) are thrown before anything is written.
     */
    public AppendResult append(ByteBuffer batches, Durability durability) throws IOException {
        return pipeline.appendAndWait(pending(batches, durability, false));
    }

    /**
     * Queues an append and returns at once (or after waiting for room, by {@link WriteConfig#whenFull()});
     * the future completes when it is acknowledged under {@code durability}, or exceptionally with the I/O
     * error that failed it, on the writer's or the fsync's thread after it released its locks. The buffer
     * must not change until then: the log stamps offsets into it and writes it from the writer.
     * Validation errors are thrown at once, as by {@link #append(ByteBuffer, Durability)}.
     */
    public CompletableFuture<AppendResult> appendAsync(ByteBuffer batches, Durability durability)
            throws IOException {
        return pipeline.submit(pending(batches, durability, false));
    }

    /**
     * Appends one batch whose bytes are {@code pieces} in order, its header whole in the first, with one
     * gathering write and no copy into one buffer (for a batch made around large buffers the caller holds,
     * such as a columnar batch's vectors); no piece may change until this returns. The log computes its CRC
     * and writes it into the first piece, as {@link BatchBuilder} does; otherwise as {@link #append(ByteBuffer,
     * Durability)} (a compacted log, which decodes every record, joins the pieces).
     */
    public AppendResult appendGathered(ByteBuffer[] pieces, Durability durability) throws IOException {
        segments.ensureNotClosed();
        return pipeline.appendAndWait(PendingAppend.gathered(pieces, durability, config, name, pipeline.timesAppends()));
    }

    private PendingAppend pending(ByteBuffer batches, Durability durability, boolean freshlyBuilt) {
        segments.ensureNotClosed();
        return freshlyBuilt ? PendingAppend.built(batches, durability, config, name, pipeline.timesAppends())
                : PendingAppend.validated(batches, durability, config, name, pipeline.timesAppends());
    }

    /**
     * The hash chain after the last batch written (64 hex digits), or empty when the log keeps no
     * chain: what {@code spool verify --expect-head} compares with a receipt.
     */
    public String chainHeadHex() {
        return pipeline.exclusiveUnchecked(sequencer::chainHeadHex);
    }

    /** Bytes accepted by append calls but not yet acknowledged. */
    public long inFlightBytes() {
        return pipeline.inFlightBytes();
    }

    /** Sets what runs (under the log's writer lock) after a truncation lowered the recovery point. */
    void onRecoveryPointLowered(Runnable action) {
        truncation.onRecoveryPointLowered(action);
    }

    /** Starts a new segment at the log end (when the active one holds data). Flushes the old one. */
    public void roll() throws IOException {
        pipeline.exclusive(() -> {
            segments.ensureWritable();
            return segments.active().isEmpty() ? null : sequencer.roll("request", config);
        });
    }

    /** A reader of the records from {@code offset} on, one at a time ({@link LogTailer}). */
    public LogTailer tailer(long offset) {
        return new LogTailer(this, offset);
    }

    /**
     * Reads whole batches starting with the one that holds {@code offset}, up to {@code maxBytes}
     * but at least one batch. At the log end the result is empty. Never blocks the writer.
     *
     * @throws OffsetOutOfRangeException when {@code offset} is below the log start or above the end
     */
    public ReadResult read(long offset, int maxBytes) throws IOException {
        return reader.read(offset, (segment, from, end) -> segment.read(from, maxBytes, end, false));
    }

    /**
     * As {@link #read(long, int)}, without a copy: a read-only view of the segment file's pages, mapped
     * once and kept (a read crossing 64 MiB of the file is copied); faster for batches of many records,
     * slower for one-record ones (their headers come from memory not yet cached). Valid while held;
     * after a {@link #truncateTo} below its offsets it may show bytes written since. A deleted segment's
     * space returns only when the collector drops its mapping and views: read a log whose segments go
     * soon after reading (a queue) with {@link #read(long, ByteBuffer)}.
     */
    public ReadResult readMapped(long offset, int maxBytes) throws IOException {
        return reader.read(offset, (segment, from, end) -> segment.read(from, maxBytes, end, true));
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
                (segment, from, end) -> segment.read(from, into.duplicate().position(start), end));
        into.position(start + result.batches().remaining());
        return result;
    }

    /**
     * Where the whole batches {@link #read(long, int)} would return lie on disk, without reading
     * them: a run of one segment's file (batches of the next segments come with the next call),
     * for a server to send without copying ({@link dev.spool.log.io.StorageFile#transferTo}). Only
     * batch headers are read. Empty at the log end. Never blocks the writer.
     *
     * <p>Unlike {@link #read(long, int)}, it steps over batches that hold no records
     * ({@link dev.spool.log.record.RecordBatch#holdsRecords}), across segments, so the slice starts
     * with a batch that holds a record: a cleaned log keeps empty batches over the offsets it
     * removed, and some Kafka clients (librdkafka, kafka-python) fail on a fetch response that holds
     * nothing else. When only such batches lie between {@code offset} and the log end, the slice is
     * empty, as on a Kafka broker, whose cleaner drops them.
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
        return reader.findOffsetByTimestamp(timestamp, config.batchBytesMax());
    }

    /**
     * Forces every unflushed segment (data, then indexes) and advances the recovery point to the
     * log end as it was when the flush began.
     */
    public void flush() throws IOException {
        pipeline.exclusive(() -> {
            segments.flush();
            return null;
        });
    }

    /**
     * Applies retention at time {@code nowMs}: deletes whole segments whose newest record is older
     * than {@code retentionMs}, then the oldest segments while the log exceeds
     * {@code retentionBytes}, and any segment wholly below the log start offset. Returns how many
     * segments were deleted.
     */
    public int applyRetention(long nowMs) throws IOException {
        return pipeline.exclusive(() -> {
            segments.ensureWritable();
            return retention.apply(config, nowMs);
        });
    }

    /**
     * Runs one compaction round with {@code cleaner} over the closed segments, mapping keys from {@code firstDirtyOffset}
     * (the cleaner checkpoint); reads run meanwhile, appends wait only for each group's swap. A log that keeps a hash
     * chain is not cleaned (rewriting batches would break its chain): the result then says nothing was done.
     */
    public dev.spool.log.compaction.CleanResult clean(dev.spool.log.compaction.Cleaner cleaner,
                                                      long firstDirtyOffset) throws IOException {
        return compaction.clean(cleaner, config, firstDirtyOffset);
    }

    /** Where compaction stops: this log's first unstable offset, as {@link LogCompaction#setFirstUnstableOffset} says. */
    public void setFirstUnstableOffset(LongSupplier supplier) {
        compaction.setFirstUnstableOffset(supplier);
    }

    /** The cleanable part of this log for the cleaner: bytes of closed segments at and past {@code firstDirtyOffset}, and in all. */
    public long[] cleanableBytes(long firstDirtyOffset) {
        return compaction.cleanableBytes(firstDirtyOffset);
    }

    /**
     * Raises the log start offset (Kafka's DeleteRecords): offsets below it stop being readable
     * at once, and segments wholly below it are deleted. Returns the new log start offset.
     */
    public long advanceLogStartOffset(long offset) throws IOException {
        return pipeline.exclusive(() -> {
            segments.ensureWritable();
            return retention.advanceLogStartOffset(offset);
        });
    }

    /**
     * Removes every record at or after {@code offset}. Batches are not split: the batch holding
     * {@code offset} goes too, so the new log end may be below {@code offset}, and even below the
     * log start offset, which then moves down to the new end (the log is empty). Returns the new
     * log end offset. The cut is forced to disk before this returns.
     */
    public long truncateTo(long offset) throws IOException {
        return pipeline.exclusive(() -> truncation.truncateTo(offset));
    }

    /**
     * Records an aborted transaction in the transaction index (.txnindex, Kafka's format) of the segment holding
     * its abort marker (aborted.lastOffset(), already appended): fsynced before this returns for STRICT, else durable
     * at the segment's next flush. Entries arrive in lastOffset order; one not within the log's offsets is refused
     * with IllegalArgumentException.
     */
    public void recordAbortedTransaction(AbortedTransaction aborted, Durability durability)
            throws IOException {
        transactions.record(aborted, durability);
    }

    /**
     * The aborted transactions a fetch of {@code [fetchOffset, upperBoundOffset)} must be told of, in recorded order:
     * entries with {@code lastOffset >= fetchOffset} and {@code firstOffset < upperBoundOffset}, from the segment holding
     * fetchOffset on (an entry lives in its lastOffset's segment). No file I/O for segments without a .txnindex.
     */
    public List<AbortedTransaction> abortedTransactions(long fetchOffset, long upperBoundOffset)
            throws IOException {
        return transactions.aborted(fetchOffset, upperBoundOffset);
    }

    /** Whether the log was closed. */
    public boolean isClosed() {
        return segments.isClosed();
    }

    /** Whether a write or flush failed; the log then refuses writes until reopened or {@link #recover() recovered}. */
    public boolean isFailed() {
        return segments.isFailed();
    }

    /**
     * Brings a failed log back without a reopen, and returns true; false when it had not failed. See
     * {@link InPlaceRecovery}: the recovery a reopen runs, then a cut at the log end published before the
     * failure; everything acknowledged stays. If it fails (the disk is still full), the log stays failed.
     */
    public boolean recover() throws IOException {
        return pipeline.exclusive(recovery::recover);
    }

    /** Run by the writer before each append group: a log a full disk failed recovers here. */
    private void recoverIfDue() {
        recovery.recoverIfDue();
    }

    /** Writes the appends already accepted, flushes everything, then closes every segment (futures complete after). */
    @Override
    public void close() throws IOException {
        pipeline.drainThen(() -> {
            if (!segments.isClosed()) {
                pipeline.closeMeters();
            }
            segments.close();
            return null;
        });
    }

    /** Closes the segments without flushing: for a log that is being deleted, or after a failure. */
    void closeWithoutFlush() throws IOException {
        pipeline.exclusive(() -> {
            pipeline.closeMeters();
            segments.closeWithoutFlush();
            return null;
        });
    }

    @Override
    public String toString() {
        return "Log[" + dir + ", offsets " + segments.logStartOffset() + ".." + segments.logEndOffset() + "]";
    }
}
