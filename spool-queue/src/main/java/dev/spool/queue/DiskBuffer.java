package dev.spool.queue;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, durable FIFO of byte items with metadata, in its own directory, on a Spool log.
 *
 * <h2>Design</h2>
 * The directory is a {@link LogManager} data directory with one topic, {@value #TOPIC}, of one
 * partition. Each item is one record batch ({@link ItemCodec}), so an item's <em>sequence</em> is
 * its log offset and its stored size is its batch's size. The log gives the buffer segments, CRCs,
 * crash recovery and group commit; the buffer adds bounds, a consumer cursor and acknowledgement.
 *
 * <p><b>Consumer position.</b> The acknowledged position is the log's start offset: {@link #ack}
 * calls {@link Log#advanceLogStartOffset} and then {@link LogManager#checkpoint()}, which writes
 * {@code log-start-offset-checkpoint} atomically (tmp, force, rename, force directory). Moving the
 * start also deletes every segment wholly below it, so disk use falls as the consumer catches up.
 * There is no second file to keep consistent with the log.
 *
 * <p><b>Acknowledgement is cumulative</b>: {@code ack(s)} acknowledges every item up to and
 * including {@code s}. Out-of-order acknowledgement would need a set of acknowledged sequences
 * above a gap, and a restart would have to redeliver none of them; a prefix is one number, stored
 * where the log already keeps one. Each ack costs one checkpoint (two small atomic file writes);
 * a consumer that processes many items acknowledges the last one of a run.
 *
 * <p><b>Size.</b> {@code sizeItems} and {@code sizeBytes} count unacknowledged items and their stored
 * bytes, plus items reserved by producers whose write is under way (so concurrent producers cannot
 * overshoot the bound together). On open they are derived from the log: items = log end - log
 * start, bytes = the sum of the batch sizes in between (one sequential scan of the unacknowledged
 * data). So they are exact after a restart, clean or not.
 *
 * <p><b>Delivery.</b> At-least-once: items delivered and not acknowledged are delivered again after
 * a restart, and acknowledged ones never are. A corrupt item (bad CRC or framing) stops the
 * consumer with {@link CorruptItemException} naming the log directory and the sequence; a log that
 * cannot be opened throws the log's {@code CorruptLogException} (file and position) from {@link #open}.
 *
 * <p><b>Threads.</b> Thread-safe. Any number of producers; the consumer methods ({@link #poll()},
 * {@link #ack}) are serialized by a consumer lock and meant for one consuming stage. {@link #close()}
 * wakes blocked producers and consumers with {@link BufferClosedException}.
 */
public final class DiskBuffer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DiskBuffer.class);
    static final String TOPIC = "buffer";
    /** Bytes read from the log per fetch (at least one item is always read). */
    private static final int FETCH_BYTES_MAX = 1 << 20;

    private final Path dir;
    private final DiskBufferConfig config;
    private final LogManager manager;
    private final Log log;
    private final BufferMetrics metrics;

    /** Guards the size accounting and closed flag; producers wait on {@link #roomFreed}, consumers on {@link #itemWritten}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomFreed = lock.newCondition();
    private final Condition itemWritten = lock.newCondition();
    private long sizeBytes;
    private long sizeItems;
    private volatile boolean closed;

    /** Serializes the consumer's state below. Order: consumerLock, then lock. */
    private final Object consumerLock = new Object();
    /** The next offset to read from the log. */
    private volatile long fetchPosition;
    /** Items read from the log, not yet delivered. */
    private final ArrayDeque<BufferItem> fetched = new ArrayDeque<>();
    /** Delivered, unacknowledged items: {sequence, storedBytes}, in order. */
    private final ArrayDeque<long[]> delivered = new ArrayDeque<>();
    /** The sequence the next delivered item has. */
    private long nextDelivery;

    private DiskBuffer(Path dir, DiskBufferConfig config, LogManager manager, Log log) throws IOException {
        this.dir = dir;
        this.config = config;
        this.manager = manager;
        this.log = log;
        long start = log.logStartOffset();
        this.sizeItems = log.logEndOffset() - start;
        this.sizeBytes = storedBytesFrom(start);
        this.fetchPosition = start;
        this.nextDelivery = start;
        this.metrics = new BufferMetrics(config.meterRegistry(), config.componentId(), this::sizeItems,
                this::sizeBytes, config.sizeBytesMax());
        if (sizeItems > 0) {
            LOG.info("Disk buffer {} opened with {} unacknowledged item(s), {} bytes, from sequence {}",
                    dir, sizeItems, sizeBytes, start);
        }
    }

    /** Opens (creating if needed) the buffer in {@code dir}. */
    public static DiskBuffer open(Path dir, DiskBufferConfig config) throws IOException {
        LogManagerConfig managerConfig = LogManagerConfig.defaults().withLogConfig(config.logConfig())
                .withoutBackgroundTasks();
        LogManager manager = LogManager.open(dir, managerConfig);
        try {
            if (!manager.topicExists(TOPIC)) {
                manager.createTopic(TOPIC, 1);
            }
            return new DiskBuffer(dir, config, manager, manager.log(TOPIC, 0));
        } catch (IOException | RuntimeException e) {
            try {
                manager.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The stored bytes of the batches from {@code offset} to the log end. */
    private long storedBytesFrom(long offset) throws IOException {
        long bytes = 0;
        long at = offset;
        long end = log.logEndOffset();
        while (at < end) {
            ByteBuffer batches = log.read(at, FETCH_BYTES_MAX).batches();
            if (!batches.hasRemaining()) {
                break;
            }
            for (int pos = batches.position(); pos < batches.limit(); pos += RecordBatch.sizeInBytes(batches, pos)) {
                if (RecordBatch.lastOffset(batches, pos) >= at) {
                    bytes += RecordBatch.sizeInBytes(batches, pos);
                    at = RecordBatch.lastOffset(batches, pos) + 1;
                }
            }
        }
        return bytes;
    }

    /**
     * Writes an item and returns a future that completes when it is on disk under the buffer's
     * durability (the result says which), or with {@link EnqueueResult#dropped()} set when
     * {@link WhenFull#DROP_NEWEST} discarded it. When the buffer is full, {@link WhenFull#BLOCK}
     * waits here for room (up to the timeout, then {@link BufferFullException}), and
     * {@link WhenFull#FAIL} throws {@link BufferFullException}.
     *
     * @throws IllegalArgumentException if the item alone is larger than the buffer or {@code itemBytesMax}
     * @throws BufferClosedException    if the buffer is closed, also while this call waited
     */
    public CompletableFuture<EnqueueResult> enqueue(byte[] payload, Map<String, String> metadata)
            throws IOException, InterruptedException {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(metadata, "metadata");
        ByteBuffer batch = ItemCodec.encode(payload, metadata, System.currentTimeMillis(), config.itemBytesMax());
        int bytes = batch.remaining();
        if (bytes > config.sizeBytesMax()) {
            throw new IllegalArgumentException("Item of " + bytes + " stored bytes can never fit disk buffer " + dir
                    + " of at most " + config.sizeBytesMax() + " bytes");
        }
        if (!reserve(bytes)) {
            return CompletableFuture.completedFuture(EnqueueResult.droppedItem(config.durability()));
        }
        CompletableFuture<AppendResult> written;
        try {
            written = log.appendAsync(batch, config.durability());
        } catch (IOException | RuntimeException e) {
            release(1, bytes);
            throw e;
        }
        return written.handle((result, error) -> {
            if (error != null) {
                release(1, bytes);
                throw error instanceof CompletionException c ? c : new CompletionException(error);
            }
            metrics.received(bytes);
            signalItemWritten();
            return new EnqueueResult(result.firstOffset(), result.durable() ? Durability.STRICT : Durability.NONE,
                    false, bytes);
        });
    }

    /** Takes room for one item of {@code bytes}; false when the item is to be dropped. */
    private boolean reserve(int bytes) throws InterruptedException {
        lock.lock();
        try {
            ensureOpen();
            if (fits(bytes)) {
                add(bytes);
                return true;
            }
            switch (config.whenFull()) {
                case FAIL -> throw new BufferFullException(fullMessage(bytes, ""));
                case DROP_NEWEST -> {
                    metrics.dropped();
                    return false;
                }
                default -> {
                    return awaitRoom(bytes);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean awaitRoom(int bytes) throws InterruptedException {
        long startNanos = System.nanoTime();
        long remainingNanos = TimeUnit.MILLISECONDS.toNanos(config.blockTimeoutMs());
        try {
            while (!fits(bytes)) {
                ensureOpen();
                if (remainingNanos <= 0) {
                    throw new BufferFullException(fullMessage(bytes, " after waiting " + config.blockTimeoutMs()
                            + " ms for room"));
                }
                remainingNanos = roomFreed.awaitNanos(remainingNanos);
            }
            ensureOpen();
            add(bytes);
            return true;
        } finally {
            metrics.blockedFor(System.nanoTime() - startNanos);
        }
    }

    private boolean fits(int bytes) {
        return sizeBytes + bytes <= config.sizeBytesMax()
                && (config.sizeItemsMax() == 0 || sizeItems + 1 <= config.sizeItemsMax());
    }

    private String fullMessage(int bytes, String suffix) {
        return "Disk buffer " + dir + " is full: " + sizeBytes + " of " + config.sizeBytesMax() + " bytes and "
                + sizeItems + " item(s)" + (config.sizeItemsMax() == 0 ? "" : " of " + config.sizeItemsMax())
                + " in use; an item of " + bytes + " bytes does not fit" + suffix;
    }

    private void add(int bytes) {
        sizeBytes += bytes;
        sizeItems++;
    }

    private void release(long items, long bytes) {
        lock.lock();
        try {
            sizeItems -= items;
            sizeBytes -= bytes;
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void signalItemWritten() {
        lock.lock();
        try {
            itemWritten.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next item in FIFO order, or empty if none is written yet. Delivered items stay in the
     * buffer until {@link #ack acknowledged}.
     *
     * @throws CorruptItemException at a corrupt item, every time until the log is repaired
     */
    public Optional<BufferItem> poll() throws IOException {
        synchronized (consumerLock) {
            ensureOpen();
            if (fetched.isEmpty()) {
                fetch();
            }
            BufferItem item = fetched.pollFirst();
            if (item == null) {
                return Optional.empty();
            }
            delivered.addLast(new long[] {item.sequence(), item.storedBytes()});
            nextDelivery = item.sequence() + 1;
            return Optional.of(item);
        }
    }

    /** As {@link #poll()}, waiting up to {@code timeout} for an item to be written. */
    public Optional<BufferItem> poll(long timeout, TimeUnit unit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            Optional<BufferItem> item = poll();
            if (item.isPresent()) {
                return item;
            }
            lock.lock();
            try {
                ensureOpen();
                long remainingNanos = deadline - System.nanoTime();
                if (remainingNanos <= 0) {
                    return Optional.empty();
                }
                if (log.logEndOffset() <= fetchPosition) {
                    itemWritten.awaitNanos(remainingNanos);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Reads the next run of items into {@link #fetched}; stops before a corrupt one unless it is the first. */
    private void fetch() throws IOException {
        long at = fetchPosition;
        if (at >= log.logEndOffset()) {
            return;
        }
        ReadResult read = log.read(at, FETCH_BYTES_MAX);
        ByteBuffer batches = read.batches();
        for (int pos = batches.position(); pos < batches.limit(); pos += RecordBatch.sizeInBytes(batches, pos)) {
            long base = RecordBatch.baseOffset(batches, pos);
            int size = RecordBatch.sizeInBytes(batches, pos);
            try {
                RecordBatch.validate(batches, pos, config.itemBytesMax());
                for (Record record : RecordBatch.records(batches, pos)) {
                    if (record.offset() >= at) {
                        fetched.addLast(ItemCodec.decode(record, size));
                        at = record.offset() + 1;
                    }
                }
            } catch (CorruptRecordException e) {
                if (fetched.isEmpty()) {
                    throw new CorruptItemException(log.dir(), Math.max(base, at), e);
                }
                break; // deliver the good items first; the next fetch starts at the corrupt one
            }
        }
        fetchPosition = at;
    }

    /**
     * Acknowledges every delivered item up to and including {@code sequence} (cumulative), durably:
     * when this returns, a restart will not deliver them again, and segments holding only
     * acknowledged items are deleted. Acknowledging an already acknowledged sequence does nothing.
     *
     * @throws IllegalArgumentException if {@code sequence} has not been delivered yet
     */
    public void ack(long sequence) throws IOException {
        synchronized (consumerLock) {
            ensureOpen();
            if (sequence >= nextDelivery) {
                throw new IllegalArgumentException("Cannot acknowledge sequence " + sequence + " of disk buffer " + dir
                        + ": only sequences below " + nextDelivery + " have been delivered");
            }
            long items = 0;
            long bytes = 0;
            while (!delivered.isEmpty() && delivered.peekFirst()[0] <= sequence) {
                bytes += delivered.pollFirst()[1];
                items++;
            }
            if (items == 0) {
                return;
            }
            log.advanceLogStartOffset(sequence + 1);
            manager.checkpoint();
            release(items, bytes);
            metrics.sent(items, bytes);
        }
    }

    /** Unacknowledged items, including those being written. */
    public long sizeItems() {
        lock.lock();
        try {
            return sizeItems;
        } finally {
            lock.unlock();
        }
    }

    /** Stored bytes of unacknowledged items, including those being written. */
    public long sizeBytes() {
        lock.lock();
        try {
            return sizeBytes;
        } finally {
            lock.unlock();
        }
    }

    /** The first unacknowledged sequence: where a restart resumes delivery. */
    public long ackedPosition() {
        return log.logStartOffset();
    }

    /** The buffer's log, for inspection (segments, sizes); do not append to it. */
    Log log() {
        return log;
    }

    public Path dir() {
        return dir;
    }

    private void ensureOpen() {
        if (closed) {
            throw new BufferClosedException("Disk buffer " + dir + " is closed");
        }
    }

    /**
     * Closes the buffer: producers blocked on a full buffer and consumers waiting for an item get
     * {@link BufferClosedException}; unacknowledged items stay on disk for the next open.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            roomFreed.signalAll();
            itemWritten.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            manager.close();
        } finally {
            metrics.close();
        }
    }
}
