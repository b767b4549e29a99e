package dev.spool.arrow;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;

/**
 * The payload of one Arrow buffer item: one record batch in the Arrow IPC streaming format
 * (<a href="https://arrow.apache.org/docs/format/Columnar.html#ipc-streaming-format">spec</a>), the
 * bytes any Arrow implementation reads with its stream reader.
 * <pre>
 *  buffer item ({@code dev.spool.queue.ItemCodec}: one Kafka v2 record batch holding one record, CRC-32C)
 *   ├ value    Arrow IPC stream, little-endian, exactly:
 *   │            schema message        0xFFFFFFFF, int32 metadata length, Schema flatbuffer (fields and
 *   │                                  the schema's custom metadata)
 *   │            record batch message  0xFFFFFFFF, int32 metadata length, RecordBatch flatbuffer, body
 *   │                                  (validity, offset and data buffers, 8-byte aligned)
 *   │            end of stream         0xFFFFFFFF 0x00000000
 *   └ headers  the caller's metadata map, plus {@value #FORMAT_KEY} = {@value #FORMAT_VALUE}
 * </pre>
 * The record CRC protects the bytes on disk; this class checks what a CRC cannot: that the value
 * is a stream of this shape (a payload written by something else, or a bug). Reading it is
 * bounded: the two metadata lengths are checked against the payload before Arrow allocates for
 * them, the body's length must be exactly what lies between the batch's metadata and the
 * end-of-stream marker, and the batch's buffers come from a child allocator limited to twice the
 * payload's size (Arrow rounds allocations up to a power of two), or, decoded in place, are slices
 * of the memory the payload lies in (nothing is allocated for them). A damaged stream releases
 * everything it allocated.
 * Dictionary-encoded vectors are not supported. Stateless; thread-safe.
 */
public final class ArrowItemCodec {
    /** The metadata key that marks an item as an Arrow batch; callers may not use it. */
    public static final String FORMAT_KEY = "spool.arrow";
    public static final String FORMAT_VALUE = "ipc-stream-v1";
    private static final int CONTINUATION = 0xFFFFFFFF;
    private static final int PREFIX_BYTES = 8;
    /** Headroom for what reading a batch allocates beyond its body (the buffers of empty vectors). */
    private static final long DECODE_SLACK_BYTES = 64 << 10;

    private ArrowItemCodec() {
    }

    /** The batch as Arrow IPC stream bytes: its schema (with custom metadata), its rows, end of stream. */
    public static byte[] encode(VectorSchemaRoot batch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(sizeEstimate(batch));
        try {
            write(batch, Channels.newChannel(out));
        } catch (IOException e) {
            throw new IllegalStateException("Writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Writes the batch as an Arrow IPC stream to {@code out}, its vectors' buffers straight from
     * Arrow memory (what {@link ArrowBuffer} hands the disk buffer to write into an item's batch).
     */
    public static void write(VectorSchemaRoot batch, WritableByteChannel out) throws IOException {
        try (ArrowStreamWriter writer = new ArrowStreamWriter(batch, null, out)) {
            writer.start();
            writer.writeBatch();
            writer.end();
        }
    }

    /**
     * About the size of the batch's IPC stream: its vectors' buffers plus room for the schema and
     * batch messages (an estimate to size the item by; a larger stream still fits).
     */
    public static int sizeEstimate(VectorSchemaRoot batch) {
        long estimate = 4096;
        for (FieldVector vector : batch.getFieldVectors()) {
            estimate += vector.getBufferSize() + 8L * 3 + 256; // each buffer padded to 8 bytes; field metadata
        }
        return (int) Math.min(estimate, Integer.MAX_VALUE - 8);
    }

    /**
     * Reads the one batch of {@code payload} into vectors owned by {@code allocator}; the caller
     * closes the returned root.
     *
     * @throws InvalidArrowItemException if the payload is not a stream of one schema and one batch
     */
    public static VectorSchemaRoot decode(byte[] payload, BufferAllocator allocator) throws InvalidArrowItemException {
        return decode(ByteBuffer.wrap(payload), allocator);
    }

    /**
     * As {@link #decode(byte[], BufferAllocator)}, from the bytes between {@code payload}'s position
     * and limit (its position is not moved): the batch's buffers are copied once, from there into
     * Arrow memory, and nothing else is. The payload is needed only during the call.
     */
    public static VectorSchemaRoot decode(ByteBuffer payload, BufferAllocator allocator)
            throws InvalidArrowItemException {
        ByteBuffer bytes = payload.slice().order(ByteOrder.LITTLE_ENDIAN);
        checkFraming(bytes);
        // Arrow rounds each allocation up to a power of two: the batch's body (at most the payload) may take twice its size.
        BufferAllocator reading = allocator.newChildAllocator("spool-arrow-decode", 0,
                2L * bytes.remaining() + DECODE_SLACK_BYTES);
        InvalidArrowItemException failure = null;
        try (VectorSchemaRoot read = readBatch(new ReadChannel(new BufferChannel(bytes)), bytes.remaining(), reading,
                (in, bodyBytes) -> MessageSerializer.readMessageBody(in, bodyBytes, reading))) {
            return transferred(read, allocator);
        } catch (InvalidArrowItemException e) {
            failure = e;
            throw e;
        } catch (IOException | RuntimeException e) {
            // Arrow reports a malformed stream as IOException, or as whatever a flatbuffer read past its
            // bounds throws; its allocator's limit as OutOfMemoryException (a RuntimeException).
            failure = new InvalidArrowItemException("not a readable Arrow IPC stream: " + e, e);
            throw failure;
        } finally {
            closeReading(reading, failure);
        }
    }

    /**
     * As {@link #decode(ByteBuffer, BufferAllocator)} from the {@code length} bytes of {@code memory}
     * at {@code offset}, without copying: the vectors' buffers are slices of {@code memory} (so they
     * live in its allocator, which must be {@code allocator}), each holding a reference to it; the
     * caller may release its own reference as soon as this returns.
     */
    static VectorSchemaRoot decodeInPlace(ArrowBuf memory, long offset, int length, BufferAllocator allocator)
            throws InvalidArrowItemException {
        ByteBuffer bytes = memory.nioBuffer(offset, length).order(ByteOrder.LITTLE_ENDIAN);
        checkFraming(bytes);
        try {
            return readBatch(new ReadChannel(new BufferChannel(bytes)), length, allocator, (in, bodyBytes) -> {
                memory.getReferenceManager().retain(); // the batch releases one reference to its body when read
                return memory.slice(offset + in.bytesRead(), bodyBytes);
            });
        } catch (InvalidArrowItemException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidArrowItemException("not a readable Arrow IPC stream: " + e, e);
        }
    }

    /** Where {@link #readBatch} takes the batch's body from: read after the metadata, or where it lies. */
    private interface BodySource {
        ArrowBuf body(ReadChannel in, long bodyBytes) throws IOException;
    }

    /** Closes the decode's allocator: everything read was released or transferred, or it throws (a bug). */
    private static void closeReading(BufferAllocator reading, InvalidArrowItemException failure) {
        try {
            reading.close();
        } catch (RuntimeException leak) {
            if (failure == null) {
                throw leak;
            }
            failure.addSuppressed(leak);
        }
    }

    /**
     * The stream's schema and record batch, read step by step rather than with Arrow's stream
     * reader, so that every buffer is released whatever the damage: the reader leaks a batch's body
     * when the batch's metadata turns out malformed, which would leave the caller's allocator
     * unclosable. The body's length is checked against the bytes left before it is allocated.
     */
    private static VectorSchemaRoot readBatch(ReadChannel in, int size, BufferAllocator reading, BodySource bodies)
            throws IOException {
        MessageMetadataResult schemaMessage = MessageSerializer.readMessage(in);
        if (schemaMessage == null || schemaMessage.headerType() != MessageHeader.Schema) {
            throw new InvalidArrowItemException("the stream does not start with a schema message");
        }
        Schema schema = MessageSerializer.deserializeSchema(schemaMessage);
        for (Field field : schema.getFields()) {
            if (field.getDictionary() != null) {
                throw new InvalidArrowItemException("field '" + field.getName() + "' is dictionary-encoded, "
                        + "which Arrow buffer items do not support");
            }
        }
        MessageMetadataResult batchMessage = MessageSerializer.readMessage(in);
        if (batchMessage == null || batchMessage.headerType() != MessageHeader.RecordBatch) {
            throw new InvalidArrowItemException("the schema is not followed by a record batch message");
        }
        long bodyBytes = batchMessage.getMessageBodyLength();
        long left = size - in.bytesRead() - PREFIX_BYTES; // the end-of-stream marker follows the body
        if (bodyBytes < 0 || bodyBytes != left) {
            throw new InvalidArrowItemException("the record batch claims a body of " + bodyBytes + " bytes, but "
                    + left + " bytes lie between its metadata and the end-of-stream marker");
        }
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, reading); // empty vectors: nothing allocated yet
        try {
            ArrowBuf body = bodies.body(in, bodyBytes);
            ArrowRecordBatch batch;
            try {
                batch = MessageSerializer.deserializeRecordBatch(batchMessage, body); // releases the body on return
            } catch (IOException | RuntimeException e) {
                body.close();
                throw e;
            }
            try (batch) {
                new VectorLoader(root).load(batch);
            }
            return root;
        } catch (IOException | RuntimeException e) {
            root.close();
            throw e;
        }
    }

    /** The vectors of {@code read}, moved to {@code allocator} (the caller's), in a root of their own. */
    private static VectorSchemaRoot transferred(VectorSchemaRoot read, BufferAllocator allocator) {
        List<FieldVector> owned = new ArrayList<>(read.getFieldVectors().size());
        try {
            for (FieldVector vector : read.getFieldVectors()) {
                TransferPair transfer = vector.getTransferPair(allocator);
                transfer.transfer();
                owned.add((FieldVector) transfer.getTo());
            }
        } catch (RuntimeException e) {
            owned.forEach(FieldVector::close);
            throw e;
        }
        return new VectorSchemaRoot(read.getSchema(), owned, read.getRowCount());
    }

    /** The bytes of a buffer as a channel Arrow's reader reads from: each read is one bulk copy. */
    private static final class BufferChannel implements ReadableByteChannel {
        private final ByteBuffer source;
        private boolean open = true;

        BufferChannel(ByteBuffer source) {
            this.source = source.duplicate();
        }

        @Override
        public int read(ByteBuffer dst) {
            if (!source.hasRemaining()) {
                return -1;
            }
            int bytes = Math.min(dst.remaining(), source.remaining());
            dst.put(dst.position(), source, source.position(), bytes);
            dst.position(dst.position() + bytes);
            source.position(source.position() + bytes);
            return bytes;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    /**
     * Checks the stream's outline without Arrow: a schema message and a batch message whose
     * metadata lengths fit the payload, and the end-of-stream marker as the last 8 bytes.
     */
    private static void checkFraming(ByteBuffer bytes) throws InvalidArrowItemException {
        int size = bytes.remaining();
        int at = 0;
        for (String message : new String[] {"schema", "record batch"}) {
            if (size - at < PREFIX_BYTES || bytes.getInt(at) != CONTINUATION) {
                throw new InvalidArrowItemException("no " + message + " message at byte " + at + " of " + size);
            }
            int length = bytes.getInt(at + 4);
            if (length <= 0 || length > size - at - PREFIX_BYTES) {
                throw new InvalidArrowItemException("the " + message + " message at byte " + at + " claims "
                        + length + " bytes of metadata, but " + (size - at - PREFIX_BYTES) + " remain");
            }
            at += PREFIX_BYTES + length;
        }
        int end = size - PREFIX_BYTES;
        if (end < at || bytes.getInt(end) != CONTINUATION || bytes.getInt(end + 4) != 0) {
            throw new InvalidArrowItemException("the stream does not end with the end-of-stream marker");
        }
    }
}
