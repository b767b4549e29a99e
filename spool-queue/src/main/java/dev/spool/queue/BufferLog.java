package dev.spool.queue;

import dev.spool.log.AppendResult;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.ReadResult;
import dev.spool.log.SegmentInfo;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.SegmentFileNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log under a {@link DiskBuffer}, and the one place that replaces it.
 *
 * <h2>Design</h2>
 * The buffer's directory is a {@link LogManager} data directory with one topic, {@value #TOPIC},
 * of one partition. After a failed write or fsync a {@link Log} refuses writes until it is reopened
 * (a failed fsync is never retried on the same file). A full disk is such a failure, and one that
 * passes; so before the next write, and before an acknowledgement (which is what frees space), a
 * failed log is closed and the directory opened again. Recovery then cuts the incomplete bytes the
 * failed write left at the tail (that item was never acknowledged) and keeps everything before it.
 * A reopen that fails (the disk is still full) leaves the log closed; the next call tries again.
 *
 * <p>The consumer's acknowledged position lives in the {@link AckFile}: one small write (and one
 * fdatasync when strict) per acknowledgement, rather than the log manager's checkpoint of two
 * replaced files. The log start offset follows it at segment granularity: it moves to the base of
 * the segment holding the acknowledged position, which deletes every segment wholly below. (Moving
 * it to the position itself would make the log roll and delete its active segment each time the
 * consumer catches up: a new segment per acknowledgement.) The log's start-offset checkpoint is
 * written when segments are deleted (at most every 30 s) and at close. On open, and after a reopen,
 * the acknowledged position is the larger of the ack file's and the log start.
 *
 * <p>Threads: every use of the current log runs under the read side of {@code gate}; a reopen
 * and close take the write side, so no call holds a log while it is replaced. The log's own I/O
 * threads, which complete append futures, never take the gate.
 */
final class BufferLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BufferLog.class);
    static final String TOPIC = "buffer";
    /** Bytes read per step when walking a segment's batch headers to locate a damaged item. */
    private static final int LOCATE_READ_BYTES = 64 << 10;
    /** How often an acknowledgement reopens a log that writes keep failing before it gives up. */
    private static final int ACK_ATTEMPTS_MAX = 8;
    /** Between checkpoints after deletions: four fsyncs each, for a recovery point (the ack file has the position). */
    static final long CHECKPOINT_NANOS = 30_000_000_000L;

    private final Path dir;
    private final DiskBufferConfig config;
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final AckFile ackFile;
    private volatile LogManager manager;
    private volatile Log log;
    /** The consumer's acknowledged position: every item below it is acknowledged. At or above the log start. */
    private volatile long ackedOffset;
    /** Whether the ack file holds {@link #ackedOffset}; false after its write failed. */
    private volatile boolean ackDurable = true;
    /** Set under the write side of the gate. */
    private boolean closed;
    /** {@link System#nanoTime()} when {@link #acknowledge} last wrote the log manager's checkpoint. */
    private long lastCheckpoint = System.nanoTime();

    private BufferLog(Path dir, DiskBufferConfig config, LogManager manager, AckFile ackFile) {
        this.dir = dir;
        this.config = config;
        this.manager = manager;
        this.log = manager.log(TOPIC, 0);
        this.ackFile = ackFile;
        this.ackedOffset = log.logStartOffset();
    }

    static BufferLog open(Path dir, DiskBufferConfig config) throws IOException {
        LogManager manager = openManager(dir, config);
        AckFile.Opened ack;
        try {
            ack = AckFile.open(config.io(), dir, bufferLogOf(manager).logStartOffset());
        } catch (IOException | RuntimeException e) {
            try {
                manager.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        BufferLog log = new BufferLog(dir, config, manager, ack.file());
        try {
            if (ack.ackedOffset().isPresent()) {
                log.moveStartUpTo(ack.ackedOffset().getAsLong());
            }
            return log;
        } catch (IOException | RuntimeException e) {
            try {
                log.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * The buffer's one log. A damaged log leaves its partition offline in the manager; the buffer
     * has nothing else to serve, so its open fails with the damage itself (a {@link
     * dev.spool.log.CorruptLogException} naming file and position), as a checked exception.
     */
    private static Log bufferLogOf(LogManager manager) throws IOException {
        try {
            return manager.log(TOPIC, 0);
        } catch (PartitionOfflineException e) {
            throw e.getCause();
        }
    }

    /**
     * Takes {@code acked}, the position the ack file (or this run) holds, as the acknowledged
     * position when the log's start is behind it. A log that ends below it (relaxed writes lost in
     * a power loss) is acknowledged to its end.
     */
    private void moveStartUpTo(long acked) throws IOException {
        Log current = log;
        long end = current.logEndOffset();
        if (acked > end) {
            LOG.warn("Disk buffer {}: acknowledged up to {}, but the log ends at {}", dir, acked, end);
        }
        ackedOffset = Math.max(current.logStartOffset(), Math.max(ackedOffset, Math.min(acked, end)));
        advanceStartToSegmentOf(current, ackedOffset);
    }

    /** Moves the log start to the base of the segment holding {@code offset}: deletes the segments wholly below. */
    private static void advanceStartToSegmentOf(Log current, long offset) throws IOException {
        SegmentInfo holder = holder(current.segments(), offset);
        if (holder != null && holder.baseOffset() > current.logStartOffset()) {
            current.advanceLogStartOffset(holder.baseOffset());
        }
    }

    private static LogManager openManager(Path dir, DiskBufferConfig config) throws IOException {
        LogManagerConfig managerConfig = LogManagerConfig.defaults().withLogConfig(config.logConfig())
                .withIo(config.io()).withoutBackgroundTasks();
        LogManager manager = LogManager.open(dir, managerConfig);
        try {
            if (!manager.topicExists(TOPIC)) {
                manager.createTopic(TOPIC, 1);
            }
            return manager;
        } catch (IOException | RuntimeException e) {
            try {
                manager.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The current log, for inspection; do not append to it. */
    Log current() {
        return log;
    }

    /** The first unacknowledged sequence. */
    long ackedOffset() {
        return ackedOffset;
    }

    long logEndOffset() {
        return log.logEndOffset();
    }

    /** Whether the last write failed (or a reopen after it did): the next write reopens the log first. */
    boolean writeFailed() {
        Log current = log;
        return current.isFailed() || current.isClosed();
    }

    /** Whether the checkpoint on disk holds the last acknowledged position. */
    boolean ackDurable() {
        return ackDurable;
    }

    /** Queues an append of one item's batch under the buffer's durability. */
    CompletableFuture<AppendResult> appendAsync(ByteBuffer batch) throws IOException {
        reopenIfFailed();
        gate.readLock().lock();
        try {
            return log.appendAsync(batch, config.durability());
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Appends one item's batch (or its pieces, {@link Log#appendGathered}) and waits for the acknowledgement. */
    AppendResult append(ItemEncoder.Encoded item) throws IOException {
        reopenIfFailed();
        gate.readLock().lock();
        try {
            return item.pieces() == null ? log.append(item.batch(), config.durability())
                    : log.appendGathered(item.pieces(), config.durability());
        } finally {
            gate.readLock().unlock();
        }
    }

    /**
     * One batch, the one holding {@code offset}, whatever follows it: {@link Log#read(long, int)}
     * with a limit of one byte returns the first batch whole. The log checks its length against the
     * segment before it allocates.
     */
    ReadResult readOne(long offset) throws IOException {
        if (log.isClosed()) {
            reopenIfFailed();
        }
        gate.readLock().lock();
        try {
            return log.read(offset, 1);
        } finally {
            gate.readLock().unlock();
        }
    }

    /** As {@link Log#read(long, ByteBuffer)}. A failed log still reads; only a closed one is reopened. */
    ReadResult read(long offset, ByteBuffer into) throws IOException {
        if (log.isClosed()) {
            reopenIfFailed();
        }
        gate.readLock().lock();
        try {
            return log.read(offset, into);
        } finally {
            gate.readLock().unlock();
        }
    }

    /**
     * Acknowledges every item below {@code offset}: deletes the segments wholly below the segment
     * holding it (first; the log manager's I/O pool then removes their files), then records it in
     * the ack file, forced under strict durability. When segments were deleted, the log manager's
     * checkpoint follows (best effort: the ack file holds the position).
     *
     * @throws AckNotDurableException if the ack file could not be written (the position moved for this run)
     * @throws IOException            if the segments could not be deleted
     */
    void acknowledge(long offset) throws IOException {
        for (int attempt = 1; ; attempt++) {
            reopenIfFailed();
            gate.readLock().lock();
            try {
                int segmentsBefore = log.segmentCount();
                advanceStartToSegmentOf(log, offset);
                if (offset > ackedOffset) {
                    ackedOffset = offset;
                    recordAckLocked();
                }
                if (log.segmentCount() < segmentsBefore && System.nanoTime() - lastCheckpoint > CHECKPOINT_NANOS) {
                    lastCheckpoint = System.nanoTime();
                    checkpointQuietly(manager);
                }
                return;
            } catch (AckNotDurableException e) {
                throw e;
            } catch (IOException e) {
                // A write that failed since the reopen above failed the log again (a producer retrying
                // on a full disk): no segment was deleted; reopen and delete them, a bounded number of times.
                if (!log.isFailed() || attempt >= ACK_ATTEMPTS_MAX) {
                    throw e;
                }
            } finally {
                gate.readLock().unlock();
            }
        }
    }

    /** Writes the acknowledged position again after a write of it failed. */
    void retryCheckpoint() throws IOException {
        gate.readLock().lock();
        try {
            recordAckLocked();
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Writes {@link #ackedOffset} to the ack file; serialized by the buffer's consumer lock. */
    private void recordAckLocked() throws AckNotDurableException {
        try {
            ackFile.write(ackedOffset, config.durability() == dev.spool.log.Durability.STRICT);
            ackDurable = true;
        } catch (IOException e) {
            ackDurable = false;
            throw new AckNotDurableException(dir, ackedOffset, e);
        }
    }

    private void checkpointQuietly(LogManager current) {
        try {
            current.checkpoint();
        } catch (IOException e) {
            LOG.warn("Disk buffer {}: cannot write the log's checkpoint ({}); the ack file holds the position",
                    dir, e.getMessage());
        }
    }

    private void reopenIfFailed() throws IOException {
        if (!writeFailed()) {
            return;
        }
        gate.writeLock().lock();
        try {
            if (closed) {
                throw new BufferClosedException("Disk buffer " + dir + " is closed");
            }
            if (writeFailed()) {
                reopen();
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Closes the failed manager and opens the directory again (write side of the gate held). */
    private void reopen() throws IOException {
        try {
            manager.close(); // a failed log is not flushed; the checkpoint may fail too on a full disk
        } catch (IOException e) {
            LOG.warn("Closing the failed log of disk buffer {}: {}", dir, e.getMessage());
        }
        LogManager reopened;
        try {
            reopened = openManager(dir, config);
        } catch (IOException e) {
            throw new IOException("Cannot reopen the log of disk buffer " + dir + " after a failed write: "
                    + e.getMessage(), e);
        }
        Log next = reopened.log(TOPIC, 0);
        manager = reopened;
        log = next;
        moveStartUpTo(ackedOffset); // the log's checkpoint lags the ack file
        LOG.warn("Reopened the log of disk buffer {} after a failed write; items {} to {} are stored", dir,
                ackedOffset, next.logEndOffset() - 1);
    }

    /** Where a damaged item's batch is: its segment file and byte position, as far as the headers lead. */
    record Location(Path segmentFile, long position) {
    }

    /**
     * Where the batch of {@code sequence} is: walks the batch headers of the segment holding it
     * from the segment's start to the first batch at or past that sequence, or to where the
     * framing breaks (a length that runs past the segment), which is where the damage is. Reads
     * through {@link FileIO}; for error reports only.
     */
    Location locate(long sequence) throws IOException {
        gate.readLock().lock();
        try {
            SegmentInfo holder = holder(log.segments(), sequence);
            if (holder == null) {
                return new Location(null, -1);
            }
            Path file = SegmentFileNames.logFile(log.dir(), holder.baseOffset());
            return new Location(file, positionIn(file, holder, sequence));
        } finally {
            gate.readLock().unlock();
        }
    }

    /**
     * Whether the batch of {@code sequence}, at {@code position} and {@code sizeBytes} long, is the
     * last of its segment and the next segment starts at {@code sequence + 1}: then the next item
     * is known to start there whatever the damaged batch holds.
     */
    boolean endsSegmentBeforeNext(long sequence, long position, int sizeBytes) throws IOException {
        gate.readLock().lock();
        try {
            List<SegmentInfo> segments = log.segments();
            SegmentInfo holder = holder(segments, sequence);
            if (holder == null || position < 0 || position + sizeBytes != holder.sizeBytes()) {
                return false;
            }
            for (SegmentInfo segment : segments) {
                if (segment.baseOffset() > holder.baseOffset()) {
                    return segment.baseOffset() == sequence + 1;
                }
            }
            return false;
        } finally {
            gate.readLock().unlock();
        }
    }

    /**
     * The stored bytes of the batches from {@code offset} to the log end: the sizes of the segments
     * after the one holding {@code offset}, plus that one's bytes from the batch of {@code offset}
     * on (a walk over its headers). A segment holds nothing but batches, so this is exact; where a
     * damaged header stops the walk early it counts the bytes from there.
     */
    long storedBytesFrom(long offset) throws IOException {
        gate.readLock().lock();
        try {
            List<SegmentInfo> segments = log.segments();
            SegmentInfo holder = holder(segments, offset);
            if (holder == null) {
                return 0;
            }
            long bytes = 0;
            for (SegmentInfo segment : segments) {
                if (segment.baseOffset() > holder.baseOffset()) {
                    bytes += segment.sizeBytes();
                }
            }
            Path file = SegmentFileNames.logFile(log.dir(), holder.baseOffset());
            return bytes + holder.sizeBytes() - positionIn(file, holder, offset);
        } finally {
            gate.readLock().unlock();
        }
    }

    /** The last segment whose base offset is at or below {@code offset}, or null. */
    private static SegmentInfo holder(List<SegmentInfo> segments, long offset) {
        SegmentInfo holder = null;
        for (SegmentInfo segment : segments) {
            if (segment.baseOffset() <= offset) {
                holder = segment;
            }
        }
        return holder;
    }

    private long positionIn(Path file, SegmentInfo segment, long sequence) throws IOException {
        if (segment.sizeBytes() == 0) {
            return 0;
        }
        try (StorageFile in = config.io().open(file, FileIO.OpenMode.READ)) {
            return walkTo(in, Math.min(in.size(), segment.sizeBytes()), sequence);
        }
    }

    private static long walkTo(StorageFile in, long size, long sequence) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(LOCATE_READ_BYTES);
        long chunkStart = 0;
        chunk.limit(0);
        long position = 0;
        while (position + RecordBatch.LOG_OVERHEAD_BYTES <= size) {
            if (position + RecordBatch.LOG_OVERHEAD_BYTES > chunkStart + chunk.limit()) {
                chunk.clear().limit((int) Math.min(LOCATE_READ_BYTES, size - position));
                in.readFully(chunk, position);
                chunkStart = position;
            }
            int at = (int) (position - chunkStart);
            long base = RecordBatch.baseOffset(chunk, at);
            long length = RecordBatch.batchLength(chunk, at);
            if (base >= sequence || length < RecordBatch.BATCH_LENGTH_MIN
                    || position + RecordBatch.LOG_OVERHEAD_BYTES + length > size) {
                return position;
            }
            position += RecordBatch.LOG_OVERHEAD_BYTES + length;
        }
        return position;
    }

    /** Closes the log: what is written stays for the next open. */
    @Override
    public void close() throws IOException {
        gate.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                manager.close();
            } finally {
                ackFile.close();
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /**
     * The log start moved (the items are acknowledged for this run) but the ack file that keeps it
     * across a restart could not be written; the next acknowledgement writes it again.
     */
    static final class AckNotDurableException extends IOException {
        AckNotDurableException(Path dir, long offset, IOException cause) {
            super("Disk buffer " + dir + " acknowledged items below sequence " + offset + ", but could not write "
                    + "the position that keeps it across a restart (" + cause.getMessage() + "); a restart may "
                    + "deliver some of them again. The next acknowledgement writes it again", cause);
        }
    }
}
