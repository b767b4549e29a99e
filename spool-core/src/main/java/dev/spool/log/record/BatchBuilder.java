package dev.spool.log.record;

import dev.spool.log.record.compression.CompressionCodec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Encodes records into one Kafka v2 {@link RecordBatch}, in a buffer it owns and reuses.
 *
 * <p>Appending a record writes its varint fields straight into the buffer: no allocation per
 * record (key and value are copied once from the caller's buffers, which are not moved). Call
 * {@link #build()} to write the header and CRC, hand the returned buffer to a log, then
 * {@link #reset()} to start the next batch. Not thread-safe: one builder per producing thread.
 *
 * <p>Compression ({@link #compression(CompressionType, int)}) is applied by {@link #build()}, on
 * the calling thread: the records section is compressed as one block into a second buffer the
 * builder allocates once and reuses, and the compressed batch is kept only when it is smaller than
 * the plain one; otherwise the batch is written with codec {@link CompressionType#NONE}, as if no
 * compression had been asked for. Appending is the same either way ({@code batchBytesMax} bounds
 * the plain batch, so a compressed batch is always smaller than the limit).
 */
public final class BatchBuilder {
    private final ByteBuffer buffer;
    private final int batchBytesMax;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    private boolean transactional;
    private int recordCount;
    private long baseTimestamp;
    private long maxTimestamp = -1L;
    private boolean built;
    /** The codec {@link #build()} tries, or null for none. */
    private CompressionCodec codec;
    /** Where a compressed batch is built; allocated on the first compressed build, then reused. */
    private ByteBuffer compressedBuffer;
    /** The buffer holding the built batch: {@link #buffer} or {@link #compressedBuffer}. */
    private ByteBuffer builtBuffer;

    /**
     * @param batchBytesMax the largest batch this builder produces, header included; a record
     *                      that would make the batch larger is refused by {@link #tryAppend}
     */
    public BatchBuilder(int batchBytesMax) {
        this(batchBytesMax, false);
    }

    /**
     * A builder whose batches live in a direct buffer (allocated once, off the heap): a batch
     * written to a log with a write call (one larger than a page) then goes from it to the page
     * cache in one copy, where the JDK first copies a heap buffer into a temporary direct one. For
     * a long-lived builder of large, uncompressed batches (it refuses a codec); each holds
     * {@code batchBytesMax} bytes of direct memory.
     */
    public static BatchBuilder direct(int batchBytesMax) {
        return new BatchBuilder(batchBytesMax, true);
    }

    private BatchBuilder(int batchBytesMax, boolean direct) {
        if (batchBytesMax < RecordBatch.HEADER_BYTES + RecordBatch.RECORD_BYTES_MIN) {
            throw new IllegalArgumentException("batchBytesMax " + batchBytesMax + " cannot hold a single record");
        }
        this.batchBytesMax = batchBytesMax;
        this.buffer = (direct ? ByteBuffer.allocateDirect(batchBytesMax) : ByteBuffer.allocate(batchBytesMax))
                .order(ByteOrder.BIG_ENDIAN);
        reset();
    }

    /** Sets the idempotent-producer fields carried in the header as given. */
    public BatchBuilder producer(long id, short epoch, int firstSequence) {
        this.producerId = id;
        this.producerEpoch = epoch;
        this.baseSequence = firstSequence;
        return this;
    }

    /** Marks the batch as part of a transaction (attribute bit 4). */
    public BatchBuilder transactional(boolean isTransactional) {
        this.transactional = isTransactional;
        return this;
    }

    /**
     * Compresses batches with {@code type} at the codec's default level (Kafka's default);
     * {@link CompressionType#NONE} turns compression off. Kept for every batch until changed.
     */
    public BatchBuilder compression(CompressionType type) {
        return setCodec(type == CompressionType.NONE ? null : CompressionCodec.of(type));
    }

    /**
     * Compresses batches with {@code type} at {@code level}, in the ranges Kafka accepts (see
     * {@link CompressionCodec#of(CompressionType, int)}); throws {@link IllegalArgumentException}
     * for a level the codec does not have.
     */
    public BatchBuilder compression(CompressionType type, int level) {
        return setCodec(type == CompressionType.NONE ? null : CompressionCodec.of(type, level));
    }

    private BatchBuilder setCodec(CompressionCodec newCodec) {
        if (newCodec != null && buffer.isDirect()) { // the codecs work on arrays
            throw new IllegalStateException("A direct builder makes uncompressed batches only, not "
                    + newCodec.type());
        }
        if (built) {
            throw new IllegalStateException("Batch already built; call reset() before changing compression");
        }
        this.codec = newCodec;
        return this;
    }

    /** The codec {@link #build()} tries; {@link CompressionType#NONE} when compression is off. */
    public CompressionType compression() {
        return codec == null ? CompressionType.NONE : codec.type();
    }

    /** Empties the builder for the next batch; producer fields and compression are kept. */
    public BatchBuilder reset() {
        buffer.clear();
        buffer.position(RecordBatch.RECORDS_OFFSET);
        recordCount = 0;
        baseTimestamp = 0L;
        maxTimestamp = -1L;
        built = false;
        builtBuffer = null;
        return this;
    }

    public int recordCount() {
        return recordCount;
    }

    /**
     * Whether {@link #build()} has run since the last {@link #reset()}: its view of the batch may
     * then be in a caller's hands ({@code Log.append(BatchBuilder)} checks such a batch whole).
     */
    public boolean isBuilt() {
        return built;
    }

    public boolean isEmpty() {
        return recordCount == 0;
    }

    /** Bytes the batch occupies so far, header included. */
    public int sizeInBytes() {
        return built ? builtBuffer.limit() : buffer.position();
    }

    public int batchBytesMax() {
        return batchBytesMax;
    }

    /** The encoded size of a record with these fields, for planning; no allocation. */
    public static int recordSizeInBytes(long timestampDelta, int offsetDelta, int keyBytes, int valueBytes,
                                        Header[] headers) {
        int body = bodySize(timestampDelta, offsetDelta, keyBytes, valueBytes, headers);
        return Varint.sizeOfInt(body) + body;
    }

    /**
     * Appends a record without headers. {@code key} and {@code value} may be {@code null}
     * (Kafka's null key and tombstone value); their remaining bytes are copied, their positions
     * untouched. Returns {@code false}, writing nothing, when the batch is too full for the record:
     * build it and append the record to the next one.
     *
     * @throws RecordTooLargeException when the record would not fit even an empty batch
     */
    public boolean tryAppend(long timestamp, ByteBuffer key, ByteBuffer value) {
        return tryAppend(timestamp, key, value, null);
    }

    /** As {@link #tryAppend(long, ByteBuffer, ByteBuffer)}, with headers ({@code null} for none). */
    public boolean tryAppend(long timestamp, ByteBuffer key, ByteBuffer value, Header[] headers) {
        return append0(timestamp, key == null ? -1 : key.remaining(), key, value == null ? -1 : value.remaining(),
                value, headers);
    }

    /** Convenience for byte arrays; {@code null} key or value as in {@link #tryAppend(long, ByteBuffer, ByteBuffer)}. */
    public boolean tryAppend(long timestamp, byte[] key, byte[] value) {
        return append0(timestamp, key == null ? -1 : key.length, key, value == null ? -1 : value.length, value, null);
    }

    /** As {@link #tryAppend(long, byte[], byte[])}, with headers ({@code null} for none). */
    public boolean tryAppend(long timestamp, byte[] key, byte[] value, Header[] headers) {
        return append0(timestamp, key == null ? -1 : key.length, key, value == null ? -1 : value.length, value,
                headers);
    }

    /** Key and value are each a ByteBuffer, a byte[] or null: one path, no wrapping allocation. */
    private boolean append0(long timestamp, int keyBytes, Object key, int valueBytes, Object value, Header[] headers) {
        if (built) {
            throw new IllegalStateException("Batch already built; call reset() first");
        }
        long base = recordCount == 0 ? timestamp : baseTimestamp;
        long timestampDelta = timestamp - base;
        int body = bodySize(timestampDelta, recordCount, keyBytes, valueBytes, headers);
        int total = Varint.sizeOfInt(body) + body;
        if (total > buffer.limit() - buffer.position()) {
            if (recordCount == 0) {
                throw new RecordTooLargeException((long) RecordBatch.HEADER_BYTES + total, batchBytesMax);
            }
            return false;
        }
        if (recordCount == 0) {
            baseTimestamp = timestamp;
        }
        Varint.writeInt(body, buffer);
        buffer.put((byte) 0);
        Varint.writeLong(timestampDelta, buffer);
        Varint.writeInt(recordCount, buffer);
        putBytes(key, keyBytes);
        putBytes(value, valueBytes);
        int headerCount = headers == null ? 0 : headers.length;
        Varint.writeInt(headerCount, buffer);
        for (int i = 0; i < headerCount; i++) {
            byte[] headerKey = headers[i].keyUtf8();
            Varint.writeInt(headerKey.length, buffer);
            buffer.put(headerKey);
            byte[] headerValue = headers[i].valueOrNull();
            if (headerValue == null) {
                Varint.writeInt(-1, buffer);
            } else {
                Varint.writeInt(headerValue.length, buffer);
                buffer.put(headerValue);
            }
        }
        recordCount++;
        if (timestamp > maxTimestamp) {
            maxTimestamp = timestamp;
        }
        return true;
    }

    /**
     * Appends or throws: {@link RecordTooLargeException} when the record would not fit even an
     * empty batch, {@link IllegalStateException} when this batch is too full for it.
     */
    public void append(long timestamp, ByteBuffer key, ByteBuffer value, Header[] headers) {
        if (!tryAppend(timestamp, key, value, headers)) {
            throw new IllegalStateException("Batch is full (" + sizeInBytes() + " bytes); build it and start another");
        }
    }

    /**
     * Writes the header and CRC and returns the finished batch: a view of this builder's buffer
     * from position 0 to the batch's end, valid until {@link #reset()}. The base offset is 0; the
     * log stamps the real one on append. With compression on, the records are compressed here and
     * the result has the codec's attribute bits only when compressing made the batch smaller.
     */
    public ByteBuffer build() {
        if (recordCount == 0) {
            throw new IllegalStateException("Cannot build an empty batch");
        }
        if (!built) {
            int plainSize = buffer.position();
            buffer.limit(plainSize);
            int compressedSize = codec == null ? -1 : compressRecords(plainSize);
            CompressionType kept = compressedSize < 0 ? CompressionType.NONE : codec.type();
            builtBuffer = compressedSize < 0 ? buffer : compressedBuffer;
            int size = compressedSize < 0 ? plainSize : compressedSize;
            builtBuffer.limit(size);
            short attributes = RecordBatch.attributes(kept, TimestampType.CREATE_TIME, transactional, false);
            RecordBatch.writeHeader(builtBuffer, 0, size, 0L, attributes, recordCount - 1, baseTimestamp,
                    maxTimestamp, producerId, producerEpoch, baseSequence, recordCount);
            built = true;
        }
        return builtBuffer.duplicate().position(0).limit(builtBuffer.limit()).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Compresses the records section into {@link #compressedBuffer} with room for one byte less
     * than the plain section, so that only a smaller result fits. Returns the whole compressed
     * batch's size, header included, or -1 when compression did not shrink the batch.
     */
    private int compressRecords(int plainSize) {
        int plainRecordsBytes = plainSize - RecordBatch.RECORDS_OFFSET;
        if (compressedBuffer == null) {
            compressedBuffer = ByteBuffer.allocate(batchBytesMax).order(ByteOrder.BIG_ENDIAN);
        }
        compressedBuffer.clear();
        ByteBuffer source = buffer.slice(RecordBatch.RECORDS_OFFSET, plainRecordsBytes);
        ByteBuffer target = compressedBuffer.slice(RecordBatch.RECORDS_OFFSET, plainRecordsBytes - 1);
        int compressed = codec.compress(source, target);
        if (compressed < 0) {
            return -1;
        }
        if (compressed >= plainRecordsBytes) {
            throw new IllegalStateException(codec.type() + " codec wrote " + compressed + " bytes into room for "
                    + (plainRecordsBytes - 1));
        }
        return RecordBatch.RECORDS_OFFSET + compressed;
    }

    private void putBytes(Object bytes, int length) {
        Varint.writeInt(length, buffer);
        if (bytes instanceof byte[] array) {
            buffer.put(array, 0, length);
        } else if (bytes instanceof ByteBuffer source) {
            buffer.put(buffer.position(), source, source.position(), length);
            buffer.position(buffer.position() + length);
        }
    }

    private static int bodySize(long timestampDelta, int offsetDelta, int keyBytes, int valueBytes, Header[] headers) {
        int size = 1 + Varint.sizeOfLong(timestampDelta) + Varint.sizeOfInt(offsetDelta)
                + Varint.sizeOfInt(keyBytes) + Math.max(keyBytes, 0)
                + Varint.sizeOfInt(valueBytes) + Math.max(valueBytes, 0);
        int headerCount = headers == null ? 0 : headers.length;
        size += Varint.sizeOfInt(headerCount);
        for (int i = 0; i < headerCount; i++) {
            Header header = Objects.requireNonNull(headers[i], "header");
            byte[] headerKey = header.keyUtf8();
            byte[] headerValue = header.valueOrNull();
            size += Varint.sizeOfInt(headerKey.length) + headerKey.length;
            size += headerValue == null ? Varint.sizeOfInt(-1) : Varint.sizeOfInt(headerValue.length) + headerValue.length;
        }
        return size;
    }

    /**
     * A batch of no records that keeps a producer's fields: what compaction leaves where it removed
     * every record of an idempotent or transactional producer's batch, so the producer's last
     * sequence and epoch can still be read from the log (Kafka's cleaner keeps the same shape).
     */
    public static ByteBuffer emptyProducerBatch(long baseOffset, int lastOffsetDelta, long producerId,
                                                short producerEpoch, int baseSequence, boolean transactional,
                                                long baseTimestamp, long maxTimestamp) {
        ByteBuffer buffer = ByteBuffer.allocate(RecordBatch.HEADER_BYTES);
        RecordBatch.writeHeader(buffer, 0, RecordBatch.HEADER_BYTES, baseOffset,
                RecordBatch.attributes(CompressionType.NONE, TimestampType.CREATE_TIME, transactional, false),
                lastOffsetDelta, baseTimestamp, maxTimestamp, producerId, producerEpoch, baseSequence, 0);
        return buffer;
    }
}
