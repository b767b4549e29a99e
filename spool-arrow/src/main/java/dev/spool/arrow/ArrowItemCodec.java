package dev.spool.arrow;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
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
 * them, and the batch's buffers come from a child allocator limited to twice the payload's size
 * (Arrow rounds allocations up to a power of two).
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
        long estimate = 4096;
        for (FieldVector vector : batch.getFieldVectors()) {
            estimate += vector.getBufferSize();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(estimate, Integer.MAX_VALUE - 8));
        try (ArrowStreamWriter writer = new ArrowStreamWriter(batch, null, out)) {
            writer.start();
            writer.writeBatch();
            writer.end();
        } catch (IOException e) {
            throw new IllegalStateException("Writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads the one batch of {@code payload} into vectors owned by {@code allocator}; the caller
     * closes the returned root.
     *
     * @throws InvalidArrowItemException if the payload is not a stream of one schema and one batch
     */
    public static VectorSchemaRoot decode(byte[] payload, BufferAllocator allocator) throws InvalidArrowItemException {
        checkFraming(payload);
        // Arrow rounds each allocation up to a power of two: the batch's body (at most the payload) may take twice its size.
        try (BufferAllocator reading = allocator.newChildAllocator("spool-arrow-decode", 0,
                2L * payload.length + DECODE_SLACK_BYTES);
             ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(payload), reading)) {
            VectorSchemaRoot read = reader.getVectorSchemaRoot();
            if (!reader.loadNextBatch()) {
                throw new InvalidArrowItemException("the stream has a schema but no record batch");
            }
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
        } catch (InvalidArrowItemException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Arrow reports a malformed stream as IOException, or as whatever a flatbuffer read past its
            // bounds throws; its allocator's limit as OutOfMemoryException (a RuntimeException).
            throw new InvalidArrowItemException("not a readable Arrow IPC stream: " + e, e);
        }
    }

    /**
     * Checks the stream's outline without Arrow: a schema message and a batch message whose
     * metadata lengths fit the payload, and the end-of-stream marker as the last 8 bytes.
     */
    private static void checkFraming(byte[] payload) throws InvalidArrowItemException {
        ByteBuffer bytes = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        for (String message : new String[] {"schema", "record batch"}) {
            if (payload.length - at < PREFIX_BYTES || bytes.getInt(at) != CONTINUATION) {
                throw new InvalidArrowItemException("no " + message + " message at byte " + at + " of " + payload.length);
            }
            int length = bytes.getInt(at + 4);
            if (length <= 0 || length > payload.length - at - PREFIX_BYTES) {
                throw new InvalidArrowItemException("the " + message + " message at byte " + at + " claims "
                        + length + " bytes of metadata, but " + (payload.length - at - PREFIX_BYTES) + " remain");
            }
            at += PREFIX_BYTES + length;
        }
        int end = payload.length - PREFIX_BYTES;
        if (end < at || bytes.getInt(end) != CONTINUATION || bytes.getInt(end + 4) != 0) {
            throw new InvalidArrowItemException("the stream does not end with the end-of-stream marker");
        }
    }
}
