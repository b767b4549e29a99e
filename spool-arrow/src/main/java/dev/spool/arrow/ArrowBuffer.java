package dev.spool.arrow;

import dev.spool.queue.DiskBuffer;
import dev.spool.queue.DiskBufferConfig;
import dev.spool.queue.EnqueueResult;
import dev.spool.queue.ItemMemory;
import dev.spool.queue.PayloadWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Apache Arrow record batches through a {@link DiskBuffer}: enqueue a {@link VectorSchemaRoot}
 * with a metadata map, and poll an equal batch back (schema with its custom metadata, row count,
 * values, nulls) with the same map.
 *
 * <h2>Design</h2>
 * Each batch is one buffer item whose payload is the batch in the Arrow IPC streaming format
 * ({@link ArrowItemCodec}), so everything the disk buffer promises holds per batch: the size
 * limits and what happens when full, durability, FIFO order, at-least-once delivery with
 * cumulative acknowledgement, damaged items reported with their position, and the buffer's
 * metrics (an event is a batch). The item's metadata map carries the caller's map; the seed kept
 * it as JSON inside the schema's metadata, which changed the schema the consumer saw.
 *
 * <p>Polled batches are read into vectors of the {@code allocator} given at open; the caller owns
 * them and closes each {@link ArrowItem}. The allocator stays the caller's: closing this buffer
 * does not close it. Thread-safe as the disk buffer is; a batch being enqueued or put must not
 * change until {@link #enqueue} or {@link #put} returns (a put, and a relaxed enqueue, write its
 * vectors' memory itself).
 *
 * <p><b>Copies.</b> {@link #put} hands Arrow's stream writer to
 * {@link DiskBuffer#put(dev.spool.queue.PayloadWriter, int, Map)} as a writer that lends its
 * buffers ({@link dev.spool.queue.PayloadWriter#lendsBuffers()}): the IPC stream's small parts (its
 * flatbuffer messages, padding, small vectors) are copied into the item's record batch, and the
 * vectors' large buffers are written to the file from where they lie, the batch's pieces in one
 * gathering write; the page cache's copy is the only one. So does a relaxed {@link #enqueue}; a
 * strict one, which returns before the write, copies the vectors' buffers once, into the direct
 * buffer the log writes. Poll
 * has the item read from the file straight into Arrow memory of the caller's allocator
 * ({@link DiskBuffer#poll(ItemMemory, dev.spool.queue.PayloadReader)}), where it is checked and the
 * polled vectors wrap it: the bytes are copied once, from the file. (A batch under 64 KiB, or one
 * that came in the same read as such a batch, is read with its neighbours and copied once more,
 * into that memory.)
 */
public final class ArrowBuffer implements AutoCloseable {
    private final DiskBuffer buffer;
    private final BufferAllocator allocator;

    private ArrowBuffer(DiskBuffer buffer, BufferAllocator allocator) {
        this.buffer = buffer;
        this.allocator = allocator;
    }

    /**
     * Opens (creating if needed) the buffer in {@code dir}; polled batches are allocated from {@code allocator}.
     *
     * @throws IllegalStateException when the JVM was started without {@value #ADD_OPENS}, which Arrow's
     *                               IPC writer needs on Java 17 and later (checked here, before anything is
     *                               queued, rather than failing on the first enqueue)
     */
    public static ArrowBuffer open(Path dir, DiskBufferConfig config, BufferAllocator allocator) throws IOException {
        Objects.requireNonNull(allocator, "allocator");
        requireNioOpen(ArrowBuffer.class.getModule());
        return new ArrowBuffer(DiskBuffer.open(dir, config), allocator);
    }

    /** The JVM option Arrow's memory layer needs on Java 17+ (on the module path, name Arrow's module instead). */
    public static final String ADD_OPENS = "--add-opens=java.base/java.nio=ALL-UNNAMED";

    /**
     * Arrow writes a vector's memory through a {@link java.nio.ByteBuffer} it makes with a private
     * constructor of {@code java.nio}; without the package opened to it, every enqueue would fail with
     * Arrow's "DirectByteBuffer.<init>(long, int) not available".
     */
    static void requireNioOpen(Module reader) {
        if (!java.nio.Buffer.class.getModule().isOpen("java.nio", reader)) {
            throw new IllegalStateException("Apache Arrow needs the JVM option " + ADD_OPENS
                    + " (java.nio is not open to " + (reader.isNamed() ? reader.getName() : "the class path")
                    + "): add it to the java command, or to the argLine of the build's test runner");
        }
    }

    /**
     * Encodes the batch and enqueues it, as {@link DiskBuffer#enqueue}: the future completes when
     * it is on disk (or dropped when full under {@code DROP_NEWEST}).
     *
     * @throws IllegalArgumentException if the metadata uses the key {@value ArrowItemCodec#FORMAT_KEY},
     *                                  or the encoded batch is larger than the buffer allows
     */
    public CompletableFuture<EnqueueResult> enqueue(VectorSchemaRoot batch, Map<String, String> metadata)
            throws IOException, InterruptedException {
        return buffer.enqueue(ipcStream(batch), ArrowItemCodec.sizeEstimate(batch), itemMetadata(metadata));
    }

    /** Encodes the batch and writes it, waiting until it is on disk, as {@link DiskBuffer#put}. */
    public EnqueueResult put(VectorSchemaRoot batch, Map<String, String> metadata)
            throws IOException, InterruptedException {
        return buffer.put(ipcStream(batch), ArrowItemCodec.sizeEstimate(batch), itemMetadata(metadata));
    }

    /**
     * Arrow's stream writer over {@code batch}, lending its buffers: the large ones it writes are
     * views of the vectors' memory, which the caller keeps unchanged until the put returns.
     */
    private static PayloadWriter ipcStream(VectorSchemaRoot batch) {
        return new PayloadWriter() {
            @Override
            public void writeTo(WritableByteChannel out) throws IOException {
                ArrowItemCodec.write(batch, out);
            }

            @Override
            public boolean lendsBuffers() {
                return true;
            }
        };
    }

    private static Map<String, String> itemMetadata(Map<String, String> metadata) {
        Objects.requireNonNull(metadata, "metadata");
        if (metadata.containsKey(ArrowItemCodec.FORMAT_KEY)) {
            throw new IllegalArgumentException("Metadata key '" + ArrowItemCodec.FORMAT_KEY
                    + "' is reserved: it marks an item as an Arrow batch");
        }
        Map<String, String> withFormat = new LinkedHashMap<>(metadata);
        withFormat.put(ArrowItemCodec.FORMAT_KEY, ArrowItemCodec.FORMAT_VALUE);
        return withFormat;
    }

    /**
     * The next batch in FIFO order, or empty if none is written yet. Delivered batches stay in the
     * buffer until acknowledged.
     *
     * @throws InvalidArrowItemException if the next item is not an Arrow batch this class wrote; it
     *                                   counts as delivered, so the caller may {@link #ack} its
     *                                   sequence (named in the message) to drop it, or stop
     * @throws dev.spool.queue.CorruptItemException at damaged bytes on disk, as {@link DiskBuffer#poll()}
     */
    public Optional<ArrowItem> poll() throws IOException {
        try (ItemArrowMemory memory = new ItemArrowMemory(allocator)) {
            return buffer.poll(memory, (sequence, payload, metadata, storedBytes) ->
                    toArrow(sequence, payload, metadata, storedBytes, memory));
        }
    }

    /** As {@link #poll()}, waiting up to {@code timeout} for a batch to be written. */
    public Optional<ArrowItem> poll(long timeout, TimeUnit unit) throws IOException, InterruptedException {
        try (ItemArrowMemory memory = new ItemArrowMemory(allocator)) {
            return buffer.poll(memory, (sequence, payload, metadata, storedBytes) ->
                    toArrow(sequence, payload, metadata, storedBytes, memory), timeout, unit);
        }
    }

    /**
     * The Arrow memory a poll has its item read into ({@link ItemMemory}): one buffer of the
     * caller's allocator at a time; closing drops this poll's reference to it (vectors made from it
     * hold their own).
     */
    private static final class ItemArrowMemory implements ItemMemory, AutoCloseable {
        private final BufferAllocator allocator;
        private ArrowBuf last;

        ItemArrowMemory(BufferAllocator allocator) {
            this.allocator = allocator;
        }

        @Override
        public ByteBuffer allocate(int bytes) {
            close();
            last = allocator.buffer(bytes);
            return last.nioBuffer(0, bytes);
        }

        /** Where {@code payload} starts in the last buffer allocated: the disk buffer delivers it there. */
        long offsetOf(ByteBuffer payload) {
            long offset = last == null ? -1
                    : MemoryUtil.getByteBufferAddress(payload) + payload.position() - last.memoryAddress();
            if (offset < 0 || offset + payload.remaining() > last.capacity()) {
                throw new IllegalStateException("The disk buffer delivered a payload outside the memory it was given");
            }
            return offset;
        }

        @Override
        public void close() {
            if (last != null) {
                last.close();
                last = null;
            }
        }
    }

    /** Decodes the item where the disk buffer put it, in Arrow memory: the vectors wrap those bytes, no copy. */
    private ArrowItem toArrow(long sequence, ByteBuffer payload, Map<String, String> itemMetadata, int storedBytes,
            ItemArrowMemory memory) throws InvalidArrowItemException {
        if (!ArrowItemCodec.FORMAT_VALUE.equals(itemMetadata.get(ArrowItemCodec.FORMAT_KEY))) {
            throw new InvalidArrowItemException(where(sequence) + " is not an Arrow batch: its metadata has no '"
                    + ArrowItemCodec.FORMAT_KEY + "' = '" + ArrowItemCodec.FORMAT_VALUE + "'");
        }
        VectorSchemaRoot batch;
        try {
            batch = ArrowItemCodec.decodeInPlace(memory.last, memory.offsetOf(payload), payload.remaining(), allocator);
        } catch (InvalidArrowItemException e) {
            throw new InvalidArrowItemException(where(sequence) + ": " + e.getMessage(), e);
        }
        Map<String, String> metadata = new LinkedHashMap<>(itemMetadata);
        metadata.remove(ArrowItemCodec.FORMAT_KEY);
        return new ArrowItem(sequence, batch, Collections.unmodifiableMap(metadata), storedBytes);
    }

    private String where(long sequence) {
        return "Item at sequence " + sequence + " of disk buffer " + buffer.dir();
    }

    /** Acknowledges every batch up to and including {@code sequence}, as {@link DiskBuffer#ack}. */
    public void ack(long sequence) throws IOException {
        buffer.ack(sequence);
    }

    /** The disk buffer underneath: sizes, position, its directory. */
    public DiskBuffer buffer() {
        return buffer;
    }

    /** Closes the disk buffer (unacknowledged batches stay on disk); the allocator is the caller's to close. */
    @Override
    public void close() throws IOException {
        buffer.close();
    }
}
