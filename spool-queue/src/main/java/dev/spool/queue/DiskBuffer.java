package dev.spool.queue;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, durable FIFO of byte items with metadata, in its own directory, on a Spool log.
 *
 * <h2>Design</h2>
 * The directory is a {@link LogManager} data directory with one topic of one partition
 * ({@link BufferLog}). Each item is one record batch ({@link ItemCodec}), so an item's
 * <em>sequence</em> is its log offset and its stored size is its batch's size. The log gives the
 * buffer segments, CRCs, crash recovery and group commit; the buffer adds bounds, a consumer
 * cursor and acknowledgement.
 *
 * <p><b>Consumer position.</b> {@link #ack} records the acknowledged position in the
 * {@link AckFile}: one 32-byte write in place, forced when the buffer is strict, so an
 * acknowledgement is exactly as durable as an enqueue. Then it deletes the segments wholly below
 * the acknowledged item (through {@link Log#advanceLogStartOffset}), so disk use falls as the
 * consumer catches up ({@link BufferLog}). (The log manager's checkpoint, which replaces two files with four fsyncs, cost 10 to
 * 26 ms per acknowledgement on the benchmark machine; it now follows only when segments go.)
 *
 * <p><b>Acknowledgement is cumulative</b>: {@code ack(s)} acknowledges every item up to and
 * including {@code s}. Out-of-order acknowledgement would need a set of acknowledged sequences
 * above a gap, and a restart would have to redeliver none of them; a prefix is one number.
 *
 * <p><b>Size.</b> {@code sizeItems} and {@code sizeBytes} count unacknowledged items and their stored
 * bytes, plus items reserved by producers whose write is under way (so concurrent producers cannot
 * overshoot the bound together). On open they are derived from the log: items = log end - log
 * start, bytes = the sum of the batch sizes in between (one sequential scan of the unacknowledged
 * data). So they are exact after a restart, clean or not. {@link BufferRoom} keeps them, with the
 * waits of producers and consumers on them.
 *
 * <p><b>Delivery.</b> At-least-once: items delivered and not acknowledged are delivered again after
 * a restart, and acknowledged ones never are. A damaged item (bad CRC or framing) is reported
 * with {@link CorruptItemException} naming the log directory, the sequence, the segment file and
 * the position; by default the consumer stops there, and skips it only under
 * {@link WhenCorrupt#SKIP} ({@link ItemReader}). A log that cannot be opened throws the log's
 * {@code CorruptLogException} (file and position) from {@link #open}.
 *
 * <p><b>A disk that refuses a write</b> (full, or failing) fails that write with
 * {@link BufferWriteException}: the item is not stored, nothing acknowledged before is touched.
 * The next write reopens the log (which cuts the incomplete bytes) and tries again; under
 * {@link WhenFull#BLOCK} producers wait for the disk as they wait for room, retrying every
 * {@value #DISK_RETRY_MS} ms or when an acknowledgement deletes segments, up to the block timeout.
 *
 * <p><b>Copies.</b> An item's batch goes in a heap buffer of its exact size when enqueued, in a
 * direct buffer reused once the log wrote it when put ({@link ItemEncoder}); a {@link PayloadWriter}
 * writes its payload straight into such a batch. A {@link PayloadReader} reads the payload where the
 * consumer read it, in a direct buffer the file's bytes land in, with no copy between.
 *
 * <p><b>Threads.</b> Thread-safe. Any number of producers; the consumer methods ({@link #poll()},
 * {@link #ack}) are serialized by a consumer lock and meant for one consuming stage. {@link #close()}
 * wakes blocked producers and consumers with {@link BufferClosedException}.
 */
public final class DiskBuffer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DiskBuffer.class);
    /** How often a producer waiting for a disk that refused a write tries again, unless an ack wakes it sooner. */
    static final long DISK_RETRY_MS = 100;

    private final Path dir;
    private final DiskBufferConfig config;
    private final BufferLog log;
    private final BufferMetrics metrics;
    private final ItemEncoder encoder;

    /** The size accounting, the closed flag and every wait of producers and consumers. */
    private final BufferRoom room;

    /** Serializes the consumer's state below. Order: consumerLock, then the room's lock. */
    private final Object consumerLock = new Object();
    private final ItemReader reader;
    /** Delivered (or skipped), unacknowledged items. */
    private final DeliveredItems delivered = new DeliveredItems();

    private DiskBuffer(Path dir, DiskBufferConfig config, BufferLog log) throws IOException {
        this.dir = dir;
        this.config = config;
        this.log = log;
        long start = log.ackedOffset();
        this.encoder = new ItemEncoder(dir, config);
        this.metrics = new BufferMetrics(config.meterRegistry(), config.componentId(), this::sizeItems,
                this::sizeBytes, config.sizeBytesMax());
        this.room = new BufferRoom(dir, config, metrics);
        this.reader = new ItemReader(log, config, metrics, start);
        long sizeItems = log.logEndOffset() - start;
        long sizeBytes = log.storedBytesFrom(start);
        room.restore(sizeItems, sizeBytes);
        if (sizeItems > 0) {
            LOG.info("Disk buffer {} opened with {} unacknowledged item(s), {} bytes, from sequence {}",
                    dir, sizeItems, sizeBytes, start);
        }
    }

    /** Opens (creating if needed) the buffer in {@code dir}. */
    public static DiskBuffer open(Path dir, DiskBufferConfig config) throws IOException {
        BufferLog log = BufferLog.open(dir, config);
        try {
            return new DiskBuffer(dir, config, log);
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
     * Writes an item and returns a future that completes when it is on disk under the buffer's
     * durability (the result says which), or with {@link EnqueueResult#dropped()} set when
     * {@link WhenFull#DROP_NEWEST} discarded it. When the buffer is full, {@link WhenFull#BLOCK}
     * waits here for room (up to the timeout, then {@link BufferFullException}), and
     * {@link WhenFull#FAIL} throws {@link BufferFullException}. A write the disk refuses completes
     * the future with {@link BufferWriteException}; after one, {@link WhenFull#BLOCK} waits here
     * until the disk takes this item (see {@link #put} to wait for the first one too).
     *
     * @throws IllegalArgumentException if the item alone is larger than the buffer or {@code itemBytesMax}
     * @throws BufferClosedException    if the buffer is closed, also while this call waited
     */
    public CompletableFuture<EnqueueResult> enqueue(byte[] payload, Map<String, String> metadata)
            throws IOException, InterruptedException {
        // A relaxed item is written in line (below): it can go through a reused buffer, as put's.
        return enqueueBatch(relaxed() ? encoder.encodeForPut(payload, metadata) : encoder.encode(payload, metadata));
    }

    private boolean relaxed() {
        return config.durability() != Durability.STRICT;
    }

    /**
     * As {@link #enqueue(byte[], Map)}, for a payload that {@code payload} writes straight into the
     * item's record batch: no copy of it is made on the way to the disk. The writer runs on this
     * thread, before the buffer waits for room.
     *
     * @param payloadBytesEstimate the payload's expected size, to size the batch; a larger payload
     *                             still fits (the batch grows, at the cost of a copy), up to
     *                             {@code itemBytesMax}
     * @throws IllegalArgumentException if the payload makes the item larger than {@code itemBytesMax}
     */
    public CompletableFuture<EnqueueResult> enqueue(PayloadWriter payload, int payloadBytesEstimate,
                                                    Map<String, String> metadata)
            throws IOException, InterruptedException {
        // A relaxed item is written before this returns (enqueueBatch): it may take a writer's lent buffers.
        return enqueueBatch(encoder.stream(payload, payloadBytesEstimate, metadata, relaxed()));
    }

    private CompletableFuture<EnqueueResult> enqueueBatch(ItemEncoder.Encoded item)
            throws IOException, InterruptedException {
        ByteBuffer pooled = item.pooled();
        int bytes = item.bytes();
        boolean reserved = false;
        try {
            reserved = room.reserve(bytes);
            if (!reserved) {
                encoder.recycle(pooled);
                return CompletableFuture.completedFuture(EnqueueResult.droppedItem(config.durability()));
            }
            if (config.whenFull() == WhenFull.BLOCK && log.writeFailed()) {
                EnqueueResult result = writeWaitingForDisk(item, bytes);
                encoder.recycle(pooled);
                return CompletableFuture.completedFuture(result);
            }
            // Lent pieces are the caller's again once this returns: never handed to the writer thread.
            return relaxed() || item.pieces() != null ? writeInline(item, bytes)
                    : writeAsync(item.batch(), bytes, pooled);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (reserved) {
                room.release(1, bytes);
            }
            throw e;
        }
    }

    /**
     * Writes an item and waits until it is on disk (or dropped). As {@link #enqueue}, except that
     * under {@link WhenFull#BLOCK} a disk that refuses the write (full) makes this call wait and
     * try again, up to {@link DiskBufferConfig#blockTimeoutMs()}, rather than fail.
     *
     * @throws BufferWriteException if the disk refused the write (under BLOCK: for the whole timeout)
     */
    public EnqueueResult put(byte[] payload, Map<String, String> metadata) throws IOException, InterruptedException {
        return putBatch(encoder.encodeForPut(payload, metadata));
    }

    /**
     * As {@link #put(byte[], Map)}, for a payload that {@code payload} writes straight into the
     * item's record batch, as {@link #enqueue(PayloadWriter, int, Map)}.
     */
    public EnqueueResult put(PayloadWriter payload, int payloadBytesEstimate, Map<String, String> metadata)
            throws IOException, InterruptedException {
        return putBatch(encoder.stream(payload, payloadBytesEstimate, metadata, true));
    }

    private EnqueueResult putBatch(ItemEncoder.Encoded item) throws IOException, InterruptedException {
        ByteBuffer pooled = item.pooled();
        int bytes = item.bytes();
        boolean reserved = false;
        CompletableFuture<EnqueueResult> written;
        try {
            reserved = room.reserve(bytes);
            if (!reserved) {
                encoder.recycle(pooled);
                return EnqueueResult.droppedItem(config.durability());
            }
            if (config.whenFull() == WhenFull.BLOCK) {
                EnqueueResult result = writeWaitingForDisk(item, bytes);
                encoder.recycle(pooled);
                return result;
            } // lent pieces are written in line: they are the caller's again once this returns
            written = item.pieces() != null ? writeInline(item, bytes) : writeAsync(item.batch(), bytes, pooled);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (reserved) {
                room.release(1, bytes);
            }
            throw e;
        }
        try {
            return written.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new CompletionException(e.getCause());
        }
    }

    /**
     * Writes a relaxed item on the caller's thread, as {@link #put} does: it is acknowledged once
     * written, so handing it to the log's writer thread would only add a thread switch per item
     * (measured: 100 items enqueued at once, then taken, ran at 0.19× Chronicle Queue's rate that
     * way); also a put's item of lent pieces, whatever its durability. A write the disk refuses
     * completes the future exceptionally, as a queued write's does.
     */
    private CompletableFuture<EnqueueResult> writeInline(ItemEncoder.Encoded item, int bytes) {
        try {
            EnqueueResult result = written(log.append(item), bytes);
            encoder.recycle(item.pooled());
            return CompletableFuture.completedFuture(result);
        } catch (IOException e) {
            room.release(1, bytes);
            metrics.writeFailed();
            return CompletableFuture.failedFuture(new BufferWriteException(dir, bytes, "", e));
        }
    }

    /** Queues the write; the future completes when the log acknowledges it (room already reserved). */
    private CompletableFuture<EnqueueResult> writeAsync(ByteBuffer batch, int bytes, ByteBuffer pooled)
            throws IOException {
        CompletableFuture<AppendResult> written;
        try {
            written = log.appendAsync(batch);
        } catch (IOException e) { // the failed log could not be reopened
            metrics.writeFailed();
            throw new BufferWriteException(dir, bytes, "", e);
        }
        return written.handle((result, error) -> {
            if (error == null) {
                encoder.recycle(pooled);
                return written(result, bytes);
            }
            room.release(1, bytes);
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof IOException io) {
                metrics.writeFailed();
                throw new CompletionException(new BufferWriteException(dir, bytes, "", io));
            }
            throw error instanceof CompletionException c ? c : new CompletionException(error);
        });
    }

    /** Writes in the caller's thread, waiting while the disk refuses the write (see {@link BufferRoom}). */
    private EnqueueResult writeWaitingForDisk(ItemEncoder.Encoded item, int bytes)
            throws IOException, InterruptedException {
        return room.writeWaitingForDisk(() -> written(log.append(item), bytes), bytes);
    }

    private EnqueueResult written(AppendResult result, int bytes) {
        metrics.received(bytes);
        room.signalItemWritten();
        return new EnqueueResult(result.firstOffset(), result.durable() ? Durability.STRICT : Durability.NONE,
                false, bytes);
    }

    /**
     * The next item in FIFO order, or empty if none is written yet. Delivered items stay in the
     * buffer until {@link #ack acknowledged}.
     *
     * @throws CorruptItemException at a damaged item: under {@link WhenCorrupt#STOP} every time until
     *                              the log is repaired; under {@link WhenCorrupt#SKIP} only when the
     *                              damage hides where the next item starts
     */
    public Optional<BufferItem> poll() throws IOException {
        return poll(COPY);
    }

    /** As {@link #poll()}, waiting up to {@code timeout} for an item to be written. */
    public Optional<BufferItem> poll(long timeout, TimeUnit unit) throws IOException, InterruptedException {
        return poll(COPY, timeout, unit);
    }

    /** What {@link #poll()} delivers: the payload copied into an array the caller owns. */
    private static final PayloadReader<BufferItem> COPY = (sequence, payload, metadata, storedBytes) -> {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(payload.position(), bytes);
        return new BufferItem(sequence, bytes, metadata, storedBytes);
    };

    /**
     * As {@link #poll()}, handing the next item to {@code reader} where it lies in the consumer's
     * read buffer, without copying its payload; returns what the reader returned. The item is
     * delivered once the reader is called, whether it returns or throws.
     */
    public <T> Optional<T> poll(PayloadReader<T> reader) throws IOException {
        return pollOnce(null, Objects.requireNonNull(reader, "reader"));
    }

    /** As {@link #poll(PayloadReader)}, waiting up to {@code timeout} for an item to be written. */
    public <T> Optional<T> poll(PayloadReader<T> reader, long timeout, TimeUnit unit)
            throws IOException, InterruptedException {
        Objects.requireNonNull(reader, "reader");
        return await(() -> pollOnce(null, reader), timeout, unit);
    }

    /**
     * As {@link #poll(PayloadReader)}, but the payload handed to {@code reader} lies in a buffer
     * {@code memory} allocated during this call, which the caller keeps: what it makes of the payload
     * may go on using those bytes. An item of 64 KiB or more that starts a read is read from the file
     * straight into that buffer (one copy; the read covers that item alone); any other item, read with
     * its neighbours through the consumer's read buffer, is copied into it from there.
     */
    public <T> Optional<T> poll(ItemMemory memory, PayloadReader<T> reader) throws IOException {
        return pollOnce(Objects.requireNonNull(memory, "memory"), Objects.requireNonNull(reader, "reader"));
    }

    /** As {@link #poll(ItemMemory, PayloadReader)}, waiting up to {@code timeout} for an item to be written. */
    public <T> Optional<T> poll(ItemMemory memory, PayloadReader<T> reader, long timeout, TimeUnit unit)
            throws IOException, InterruptedException {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(reader, "reader");
        return await(() -> pollOnce(memory, reader), timeout, unit);
    }

    /** One poll; {@code memory} null for the read buffer's way. */
    private <T> Optional<T> pollOnce(ItemMemory memory, PayloadReader<T> reader) throws IOException {
        synchronized (consumerLock) {
            room.ensureOpen();
            while (memory != null ? this.reader.advance(memory) : this.reader.advance()) {
                long sequence = this.reader.sequence();
                // A skipped item counts as delivered: the next acknowledgement past it frees its bytes.
                delivered.add(sequence, this.reader.storedBytes());
                if (!this.reader.skipped()) {
                    ByteBuffer payload = this.reader.payload();
                    if (memory != null && !this.reader.payloadOwned()) {
                        payload = copyInto(memory, payload, sequence);
                    }
                    return Optional.of(reader.read(sequence, payload, this.reader.metadata(),
                            this.reader.storedBytes()));
                }
            }
            return Optional.empty();
        }
    }

    /**
     * The payload copied into a buffer of {@code memory}: read-only, from the buffer's position. The
     * item is delivered by then: a failure names its sequence, as a reader's would.
     */
    private ByteBuffer copyInto(ItemMemory memory, ByteBuffer payload, long sequence) throws IOException {
        int bytes = payload.remaining();
        ByteBuffer allocated;
        try {
            allocated = memory.allocate(bytes);
        } catch (RuntimeException e) {
            throw new IOException("Item at sequence " + sequence + " of disk buffer " + dir + " counts as delivered"
                    + " (as when a reader throws), but " + bytes + " bytes for its payload could not be allocated: "
                    + e, e);
        }
        ByteBuffer target = ItemReader.checkedSlice(allocated, bytes);
        target.put(0, payload, payload.position(), bytes);
        return target.asReadOnlyBuffer();
    }

    private interface Poll<T> {
        Optional<T> once() throws IOException;
    }

    private <T> Optional<T> await(Poll<T> poll, long timeout, TimeUnit unit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            Optional<T> item = poll.once();
            if (item.isPresent()) {
                return item;
            }
            if (!room.awaitItemWritten(deadline, () -> log.logEndOffset() <= this.reader.position())) {
                return Optional.empty();
            }
        }
    }

    /**
     * Acknowledges every delivered item up to and including {@code sequence} (cumulative), durably:
     * when this returns, a restart will not deliver them again, and segments holding only
     * acknowledged items are deleted. "Durably" is the buffer's durability: under relaxed the
     * position survives a process crash, under strict also a power loss. Acknowledging an already
     * acknowledged sequence does nothing, unless writing the position failed before: then it
     * writes it again.
     *
     * @throws IllegalArgumentException if {@code sequence} has not been delivered yet
     * @throws IOException              if the position could not be written: the items are
     *                                  acknowledged for this run, and their room is freed, but a
     *                                  restart before the next successful acknowledgement may deliver
     *                                  them again
     */
    public void ack(long sequence) throws IOException {
        synchronized (consumerLock) {
            room.ensureOpen();
            long nextDelivery = reader.position(); // the reader moves past an item as it delivers it
            if (sequence >= nextDelivery) {
                throw new IllegalArgumentException("Cannot acknowledge sequence " + sequence + " of disk buffer " + dir
                        + ": only sequences below " + nextDelivery + " have been delivered");
            }
            int items = delivered.countThrough(sequence);
            if (items == 0) {
                if (!log.ackDurable()) {
                    log.retryCheckpoint();
                }
                return;
            }
            IOException notDurable = null;
            try {
                log.acknowledge(sequence + 1);
            } catch (BufferLog.AckNotDurableException e) {
                notDurable = e; // the start moved: the items are gone from this run's log
            }
            long bytes = delivered.removeOldest(items);
            room.release(items, bytes);
            metrics.sent(items, bytes);
            if (notDurable != null) {
                throw notDurable;
            }
        }
    }

    /** Unacknowledged items, including those being written. */
    public long sizeItems() {
        return room.sizeItems();
    }

    /** Stored bytes of unacknowledged items, including those being written. */
    public long sizeBytes() {
        return room.sizeBytes();
    }

    /** The first unacknowledged sequence: where a restart resumes delivery. */
    public long ackedPosition() {
        return log.ackedOffset();
    }

    /** The buffer's current log, for inspection (segments, sizes); do not append to it. */
    Log log() {
        return log.current();
    }

    public Path dir() {
        return dir;
    }

    /**
     * Closes the buffer: producers blocked on a full buffer and consumers waiting for an item get
     * {@link BufferClosedException}; unacknowledged items stay on disk for the next open.
     */
    @Override
    public void close() throws IOException {
        if (!room.close()) {
            return;
        }
        try {
            log.close();
        } finally {
            metrics.close();
        }
    }
}
