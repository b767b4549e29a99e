package dev.spool.log.record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The codec of Kafka's record batch, magic 2: the unit Spool stores, indexes and checksums.
 * This class owns the layout; everything else reads a batch through its static accessors, which
 * take a buffer and the absolute position where the batch starts and never move the buffer.
 *
 * <h2>Batch header (61 bytes, big-endian)</h2>
 * <pre>
 *  offset  size  field                 CRC-covered
 *       0     8  baseOffset            no   (assigned by the log on append)
 *       8     4  batchLength           no   (bytes after this field: total size - 12)
 *      12     4  partitionLeaderEpoch  no   (set by a leader; may change after the CRC was computed)
 *      16     1  magic = 2             no
 *      17     4  crc                   no   (CRC-32C, Castagnoli, of bytes 21 .. end of batch)
 *      21     2  attributes            yes  bits 0-2 codec, 3 timestamp type, 4 transactional,
 *                                           5 control, 6 delete horizon set
 *      23     4  lastOffsetDelta       yes
 *      27     8  baseTimestamp         yes
 *      35     8  maxTimestamp          yes
 *      43     8  producerId            yes  (-1: none)
 *      51     2  producerEpoch         yes  (-1: none)
 *      53     4  baseSequence          yes  (-1: none)
 *      57     4  recordCount           yes
 *      61     …  records               yes  (compressed as one block when codec != none)
 * </pre>
 * The CRC leaves out the offset, length and leader epoch so that a log can assign offsets and a
 * leader can stamp its epoch without recomputing the checksum over the payload.
 *
 * <h2>Record (inside the records section)</h2>
 * <pre>
 *  length          varint  bytes of the record after this field
 *  attributes      int8    unused, 0
 *  timestampDelta  varlong timestamp - baseTimestamp
 *  offsetDelta     varint  offset - baseOffset
 *  keyLength       varint  -1 for a null key
 *  key             bytes
 *  valueLength     varint  -1 for a null value
 *  value           bytes
 *  headerCount     varint
 *  headers         headerKeyLength varint, headerKey UTF-8, headerValueLength varint (-1 null), value
 * </pre>
 * Varints are zig-zag encoded ({@link Varint}).
 *
 * <h2>Compression</h2>
 * When attribute bits 0-2 name a codec, the records section (everything after the 61-byte header)
 * is one compressed block in that codec's stream framing
 * ({@link dev.spool.log.record.compression.CompressionCodec}); the header stays plain, and the CRC
 * covers the compressed bytes, so a batch is checked without decompressing it. Decoding a
 * compressed batch decompresses at most {@code decompressedBytesMax} bytes (default
 * {@link #DECOMPRESSED_BYTES_MAX_DEFAULT}) and refuses more as corrupt.
 */
public final class RecordBatch {
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BATCH_LENGTH_OFFSET = 8;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int LAST_OFFSET_DELTA_OFFSET = 23;
    public static final int BASE_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int RECORD_COUNT_OFFSET = 57;
    public static final int RECORDS_OFFSET = 61;

    /** Bytes of the header; also the size of a batch with no records. */
    public static final int HEADER_BYTES = RECORDS_OFFSET;
    /** Bytes before the batch length's count starts: baseOffset and batchLength. */
    public static final int LOG_OVERHEAD_BYTES = 12;
    /** The smallest legal value of the batchLength field. */
    public static final int BATCH_LENGTH_MIN = HEADER_BYTES - LOG_OVERHEAD_BYTES;
    public static final byte MAGIC = 2;
    /**
     * The default limit on a compressed batch's decompressed records section: 64 MiB, 64 times
     * the default batch limit of about 1 MiB. Realistic events compress 3–20 times, so this leaves
     * room for unusually compressible batches, while one decoding thread can never be made to hold
     * more than this (gzip alone can expand 1000 times: a 1 MiB batch could claim 1 GiB).
     */
    public static final int DECOMPRESSED_BYTES_MAX_DEFAULT = 64 << 20;
    /** The smallest record on the wire: length, attributes, two deltas, null key, null value, no headers. */
    public static final int RECORD_BYTES_MIN = 7;

    static final int COMPRESSION_MASK = 0x07;
    static final int TIMESTAMP_TYPE_MASK = 0x08;
    static final int TRANSACTIONAL_MASK = 0x10;
    static final int CONTROL_MASK = 0x20;

    /** No producer id, epoch or sequence (a non-idempotent producer). */
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;

    private RecordBatch() {
    }

    public static long baseOffset(ByteBuffer buffer, int at) {
        return buffer.getLong(at + BASE_OFFSET_OFFSET);
    }

    /** Stamps the base offset. Not covered by the CRC, so the checksum stays valid. */
    public static void setBaseOffset(ByteBuffer buffer, int at, long baseOffset) {
        buffer.putLong(at + BASE_OFFSET_OFFSET, baseOffset);
    }

    public static int batchLength(ByteBuffer buffer, int at) {
        return buffer.getInt(at + BATCH_LENGTH_OFFSET);
    }

    /** The whole batch's size in bytes: the length field plus the 12 bytes before it counts from. */
    public static int sizeInBytes(ByteBuffer buffer, int at) {
        return batchLength(buffer, at) + LOG_OVERHEAD_BYTES;
    }

    public static int partitionLeaderEpoch(ByteBuffer buffer, int at) {
        return buffer.getInt(at + PARTITION_LEADER_EPOCH_OFFSET);
    }

    /** Stamps the leader epoch. Not covered by the CRC. */
    public static void setPartitionLeaderEpoch(ByteBuffer buffer, int at, int epoch) {
        buffer.putInt(at + PARTITION_LEADER_EPOCH_OFFSET, epoch);
    }

    public static byte magic(ByteBuffer buffer, int at) {
        return buffer.get(at + MAGIC_OFFSET);
    }

    /** The CRC stored in the header. */
    public static long storedCrc(ByteBuffer buffer, int at) {
        return Integer.toUnsignedLong(buffer.getInt(at + CRC_OFFSET));
    }

    public static short attributes(ByteBuffer buffer, int at) {
        return buffer.getShort(at + ATTRIBUTES_OFFSET);
    }

    /** Attribute bits 0–2: a codec's id, or 5–7 in a damaged batch (where {@link #compression} throws). */
    public static int compressionId(ByteBuffer buffer, int at) {
        return attributes(buffer, at) & COMPRESSION_MASK;
    }

    /** The batch's codec; throws {@link IllegalArgumentException} for an id that names none (see {@link #validate}). */
    public static CompressionType compression(ByteBuffer buffer, int at) {
        return CompressionType.forId(attributes(buffer, at) & COMPRESSION_MASK);
    }

    public static TimestampType timestampType(ByteBuffer buffer, int at) {
        return (attributes(buffer, at) & TIMESTAMP_TYPE_MASK) == 0
                ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    public static boolean isTransactional(ByteBuffer buffer, int at) {
        return (attributes(buffer, at) & TRANSACTIONAL_MASK) != 0;
    }

    public static boolean isControl(ByteBuffer buffer, int at) {
        return (attributes(buffer, at) & CONTROL_MASK) != 0;
    }

    public static int lastOffsetDelta(ByteBuffer buffer, int at) {
        return buffer.getInt(at + LAST_OFFSET_DELTA_OFFSET);
    }

    public static long lastOffset(ByteBuffer buffer, int at) {
        return baseOffset(buffer, at) + lastOffsetDelta(buffer, at);
    }

    public static long baseTimestamp(ByteBuffer buffer, int at) {
        return buffer.getLong(at + BASE_TIMESTAMP_OFFSET);
    }

    public static long maxTimestamp(ByteBuffer buffer, int at) {
        return buffer.getLong(at + MAX_TIMESTAMP_OFFSET);
    }

    public static long producerId(ByteBuffer buffer, int at) {
        return buffer.getLong(at + PRODUCER_ID_OFFSET);
    }

    public static short producerEpoch(ByteBuffer buffer, int at) {
        return buffer.getShort(at + PRODUCER_EPOCH_OFFSET);
    }

    public static int baseSequence(ByteBuffer buffer, int at) {
        return buffer.getInt(at + BASE_SEQUENCE_OFFSET);
    }

    public static int recordCount(ByteBuffer buffer, int at) {
        return buffer.getInt(at + RECORD_COUNT_OFFSET);
    }

    /**
     * Whether the batch holds a record or is a control batch. A batch that is neither only spans
     * offsets: the gap a cleaner or a repair leaves over removed offsets, or a producer's batch
     * whose records were all cleaned away.
     */
    public static boolean holdsRecords(ByteBuffer buffer, int at) {
        return recordCount(buffer, at) > 0 || isControl(buffer, at);
    }

    /** CRC-32C of bytes {@code 21 .. end} of the batch at {@code at}, as the header should hold it. */
    public static long computeCrc(ByteBuffer buffer, int at) {
        return computeCrc(buffer, at, new CRC32C(), buffer.duplicate());
    }

    /**
     * As {@link #computeCrc(ByteBuffer, int)} with the caller's checksum and a duplicate of
     * {@code buffer} to read through ({@code view}'s position and limit are moved): nothing allocated.
     */
    static long computeCrc(ByteBuffer buffer, int at, CRC32C crc, ByteBuffer view) {
        int size = sizeInBytes(buffer, at);
        crc.reset();
        view.limit(at + size).position(at + ATTRIBUTES_OFFSET);
        crc.update(view);
        return crc.getValue();
    }

    /**
     * Checks the header of the batch at {@code at} whose bytes are all present in {@code buffer}:
     * length bounds, magic, CRC, codec, and that offset deltas agree with the record count. Does
     * not decode records (see {@link #validateRecords}). The message says what was expected.
     */
    public static void validate(ByteBuffer buffer, int at, int batchBytesMax) throws CorruptRecordException {
        validate(buffer, at, batchBytesMax, new CRC32C(), buffer.duplicate());
    }

    /** As {@link #validate(ByteBuffer, int, int)}, computing the CRC with the caller's scratch (see {@link #computeCrc}); none when {@code crc} is null. */
    static void validate(ByteBuffer buffer, int at, int batchBytesMax, CRC32C crc, ByteBuffer crcView)
            throws CorruptRecordException {
        int length = checkHeaderAndLength(buffer, at);
        checkBatchBytesMax(length, batchBytesMax);
        checkFitsBuffer(buffer, at, length);
        checkMagic(buffer, at);
        if (crc != null) {
            checkCrc(buffer, at, length, computeCrc(buffer, at, crc, crcView));
        }
        checkCodecAndCounts(buffer, at, length);
    }

    /**
     * CRC-32C of bytes {@code 21 .. end} of one batch whose bytes are {@code pieces[0 .. count)} in order
     * (between their positions and limits, which do not move), its header whole in the first piece.
     */
    public static long computeCrc(ByteBuffer[] pieces, int count) {
        CRC32C crc = new CRC32C();
        ByteBuffer head = pieces[0];
        crc.update(head.duplicate().position(head.position() + ATTRIBUTES_OFFSET));
        for (int i = 1; i < count; i++) {
            crc.update(pieces[i].duplicate());
        }
        return crc.getValue();
    }

    /**
     * Checks one batch whose bytes are {@code pieces[0 .. count)}, its length exactly theirs, as {@link
     * #validate(ByteBuffer, int, int)} does but for its CRC, which it computes over the pieces and writes
     * into the header, as a builder does over the bytes it encoded: for a batch put together around
     * memory its caller holds, appended with one gathering write.
     */
    public static void seal(ByteBuffer[] pieces, int count, int batchBytesMax) throws CorruptRecordException {
        ByteBuffer head = pieces[0];
        int at = head.position();
        int length = checkHeaderAndLength(head, at);
        checkBatchBytesMax(length, batchBytesMax);
        long bytes = java.util.Arrays.stream(pieces, 0, count).mapToLong(ByteBuffer::remaining).sum();
        if (bytes != (long) length + LOG_OVERHEAD_BYTES) {
            throw new CorruptRecordException("Batch length " + length + " does not match the " + bytes
                    + " bytes of its " + count + " pieces (expected length + " + LOG_OVERHEAD_BYTES + ")");
        }
        checkMagic(head, at);
        checkCodecAndCounts(head, at, length);
        head.putInt(at + CRC_OFFSET, (int) computeCrc(pieces, count));
    }

    private static void checkBatchBytesMax(int length, int batchBytesMax) throws CorruptRecordException {
        if ((long) length + LOG_OVERHEAD_BYTES > batchBytesMax) {
            throw new CorruptRecordException("Batch of " + ((long) length + LOG_OVERHEAD_BYTES)
                    + " bytes exceeds the maximum of " + batchBytesMax + " bytes");
        }
    }

    private static void checkMagic(ByteBuffer buffer, int at) throws CorruptRecordException {
        byte magic = magic(buffer, at);
        if (magic != MAGIC) {
            throw new CorruptRecordException("Unsupported magic " + magic + ", expected " + MAGIC);
        }
    }

    private static void checkCrc(ByteBuffer buffer, int at, int length, long computed) throws CorruptRecordException {
        long stored = storedCrc(buffer, at);
        if (stored != computed) {
            throw new CorruptRecordException("CRC mismatch: stored 0x" + Long.toHexString(stored)
                    + ", computed 0x" + Long.toHexString(computed) + " over bytes " + ATTRIBUTES_OFFSET + ".."
                    + ((long) length + LOG_OVERHEAD_BYTES) + " of the batch; expected them equal: the batch's "
                    + "bytes changed after it was written");
        }
    }

    /** The header's codec is one Kafka knows, and its record count fits its offsets and its length. */
    private static void checkCodecAndCounts(ByteBuffer buffer, int at, int length) throws CorruptRecordException {
        int codec = attributes(buffer, at) & COMPRESSION_MASK;
        if (codec > CompressionType.ZSTD.id()) {
            throw new CorruptRecordException("Unknown compression codec id " + codec);
        }
        int count = recordCount(buffer, at);
        int lastDelta = lastOffsetDelta(buffer, at);
        // Offsets are dense: Kafka's broker likewise refuses a produced batch whose count is not lastOffsetDelta + 1.
        // An empty batch may span any offsets: Kafka's compaction leaves such batches, and so does
        // spool repair where it removed damaged batches ({@link #gapBatch}); appends refuse empty batches.
        if (count < 0 || lastDelta < 0 || (count > 0 && lastDelta != count - 1)) {
            throw new CorruptRecordException("Record count " + count + " does not fit last offset delta " + lastDelta);
        }
        if (codec == CompressionType.NONE.id() && (long) count * RECORD_BYTES_MIN > length - BATCH_LENGTH_MIN) {
            throw new CorruptRecordException("Record count " + count + " cannot fit in " + (length - BATCH_LENGTH_MIN)
                    + " bytes of records");
        }
    }

    /**
     * What {@link #validate} checks with no size limit but the CRC, as a yes or no over header
     * fields the caller has read (the header is whole in {@code buffer}; its limit is the end of the
     * bytes): the record cursor's fast way in, which checks the CRC itself and leaves the wording of
     * a problem to {@link #validate}.
     */
    static boolean isSound(ByteBuffer buffer, int at, int length, short attributes, int count, int lastDelta) {
        int codec = attributes & COMPRESSION_MASK;
        return length >= BATCH_LENGTH_MIN
                && (long) at + length + LOG_OVERHEAD_BYTES <= buffer.limit()
                && buffer.get(at + MAGIC_OFFSET) == MAGIC
                && codec <= CompressionType.ZSTD.id()
                && (count == 0 ? lastDelta >= 0 : count > 0 && lastDelta == count - 1)
                && (codec != CompressionType.NONE.id() || (long) count * RECORD_BYTES_MIN <= length - BATCH_LENGTH_MIN);
    }

    /** Checks the header is present and the length field is at least the minimum; returns the length. */
    private static int checkHeaderAndLength(ByteBuffer buffer, int at) throws CorruptRecordException {
        if (buffer.limit() - at < HEADER_BYTES) {
            throw new CorruptRecordException("Batch is " + (buffer.limit() - at)
                    + " bytes, smaller than the " + HEADER_BYTES + "-byte header");
        }
        int length = batchLength(buffer, at);
        if (length < BATCH_LENGTH_MIN) {
            throw new CorruptRecordException("Batch length " + length + " is below the minimum " + BATCH_LENGTH_MIN);
        }
        return length;
    }

    private static void checkFitsBuffer(ByteBuffer buffer, int at, int length) throws CorruptRecordException {
        if ((long) at + length + LOG_OVERHEAD_BYTES > buffer.limit()) {
            throw new CorruptRecordException("Batch length " + length + " runs past the end of the buffer ("
                    + (buffer.limit() - at - LOG_OVERHEAD_BYTES) + " bytes available)");
        }
    }

    /**
     * The codec of a batch about to be decoded: its framing is checked first, so that a reader
     * that skipped {@link #validate} still gets a {@link CorruptRecordException}, never an overrun.
     */
    static CompressionType checkedCompression(ByteBuffer buffer, int at) throws CorruptRecordException {
        checkFitsBuffer(buffer, at, checkHeaderAndLength(buffer, at));
        int codec = attributes(buffer, at) & COMPRESSION_MASK;
        if (codec > CompressionType.ZSTD.id()) {
            throw new CorruptRecordException("Unknown compression codec id " + codec);
        }
        return CompressionType.forId(codec);
    }

    /**
     * Walks every record of the batch and checks its framing: lengths in bounds, offset deltas 0, 1,
     * 2 … in order, the record count exact, no bytes left over. A compressed batch is decompressed
     * first, to at most {@link #DECOMPRESSED_BYTES_MAX_DEFAULT} bytes. Used on untrusted input; a
     * batch our own {@link BatchBuilder} wrote is well-formed by construction.
     */
    public static void validateRecords(ByteBuffer buffer, int at) throws CorruptRecordException {
        validateRecords(buffer, at, DECOMPRESSED_BYTES_MAX_DEFAULT);
    }

    /**
     * As {@link #validateRecords(ByteBuffer, int)}, refusing a compressed records section that
     * claims or expands to more than {@code decompressedBytesMax} bytes (a decompression bomb), is
     * truncated or is not valid for its codec. Memory used is at most about that limit.
     */
    public static void validateRecords(ByteBuffer buffer, int at, int decompressedBytesMax)
            throws CorruptRecordException {
        RecordCursor cursor = new RecordCursor(decompressedBytesMax).resetOverCheckedBatch(buffer, at);
        while (cursor.next()) {
            // each record's framing is checked as the cursor reads it
        }
    }

    /**
     * Checks the batch at {@code at} ({@link #validate}: length, magic, CRC, codec, count) and
     * decodes every record, with absolute offsets and timestamps; a compressed batch is
     * decompressed to at most {@link #DECOMPRESSED_BYTES_MAX_DEFAULT} bytes. The CRC comes first:
     * a bit flipped in a value must be a {@link CorruptRecordException}, never a wrong record, and a
     * damaged varint is reported as the CRC mismatch it is rather than as a framing puzzle.
     * Checking costs one CRC-32C pass over the batch, small next to decoding it.
     */
    public static List<Record> records(ByteBuffer buffer, int at) throws CorruptRecordException {
        return records(buffer, at, DECOMPRESSED_BYTES_MAX_DEFAULT);
    }

    /**
     * As {@link #records(ByteBuffer, int)} with a limit on the decompressed records section. Keys
     * and values of a compressed batch are views into a new buffer holding the decompressed bytes;
     * of an uncompressed batch, views into {@code buffer}.
     */
    public static List<Record> records(ByteBuffer buffer, int at, int decompressedBytesMax)
            throws CorruptRecordException {
        validate(buffer, at, Integer.MAX_VALUE);
        return recordsOfCheckedBatch(buffer, at, decompressedBytesMax);
    }

    /**
     * Decodes a batch the caller has just checked with {@link #validate} (under its own batch
     * limit), without computing the CRC again. Framing is still checked record by record. Only for
     * a batch checked on the same path: anything read from storage goes through {@link #records}.
     */
    public static List<Record> recordsOfCheckedBatch(ByteBuffer buffer, int at, int decompressedBytesMax)
            throws CorruptRecordException {
        RecordCursor cursor = new RecordCursor(decompressedBytesMax).resetOverCheckedBatch(buffer, at);
        List<Record> records = new ArrayList<>(Math.min(Math.max(recordCount(buffer, at), 0), 1024));
        while (cursor.next()) {
            records.add(cursor.toRecord());
        }
        return records;
    }

    /**
     * A batch of no records spanning offsets {@code baseOffset .. baseOffset + lastOffsetDelta}:
     * the shape Kafka's compaction leaves where it removed every record of a batch. It keeps a
     * log's offsets dense where records were lost, so readers step over the lost offsets (to
     * {@link #lastOffset} + 1) as Kafka consumers do over compacted batches. No producer, no
     * timestamp ({@code -1}).
     */
    public static ByteBuffer gapBatch(long baseOffset, int lastOffsetDelta) {
        if (baseOffset < 0 || lastOffsetDelta < 0) {
            throw new IllegalArgumentException("Gap batch at offset " + baseOffset + " with last offset delta "
                    + lastOffsetDelta + ": both must be >= 0");
        }
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES);
        writeHeader(buffer, 0, HEADER_BYTES, baseOffset, (short) 0, lastOffsetDelta, -1L, -1L, NO_PRODUCER_ID,
                NO_PRODUCER_EPOCH, NO_SEQUENCE, 0);
        return buffer;
    }

    /** Writes a complete header at {@code at} for records already in place, and computes the CRC. */
    static void writeHeader(ByteBuffer buffer, int at, int sizeBytes, long baseOffset, short attributes,
                            int lastOffsetDelta, long baseTimestamp, long maxTimestamp, long producerId,
                            short producerEpoch, int baseSequence, int recordCount) {
        buffer.putLong(at + BASE_OFFSET_OFFSET, baseOffset);
        buffer.putInt(at + BATCH_LENGTH_OFFSET, sizeBytes - LOG_OVERHEAD_BYTES);
        buffer.putInt(at + PARTITION_LEADER_EPOCH_OFFSET, NO_PARTITION_LEADER_EPOCH);
        buffer.put(at + MAGIC_OFFSET, MAGIC);
        buffer.putShort(at + ATTRIBUTES_OFFSET, attributes);
        buffer.putInt(at + LAST_OFFSET_DELTA_OFFSET, lastOffsetDelta);
        buffer.putLong(at + BASE_TIMESTAMP_OFFSET, baseTimestamp);
        buffer.putLong(at + MAX_TIMESTAMP_OFFSET, maxTimestamp);
        buffer.putLong(at + PRODUCER_ID_OFFSET, producerId);
        buffer.putShort(at + PRODUCER_EPOCH_OFFSET, producerEpoch);
        buffer.putInt(at + BASE_SEQUENCE_OFFSET, baseSequence);
        buffer.putInt(at + RECORD_COUNT_OFFSET, recordCount);
        buffer.putInt(at + CRC_OFFSET, (int) computeCrc(buffer, at));
    }

    static short attributes(CompressionType compression, TimestampType timestampType, boolean transactional,
                            boolean control) {
        int attributes = compression.id();
        if (timestampType == TimestampType.LOG_APPEND_TIME) {
            attributes |= TIMESTAMP_TYPE_MASK;
        }
        if (transactional) {
            attributes |= TRANSACTIONAL_MASK;
        }
        if (control) {
            attributes |= CONTROL_MASK;
        }
        return (short) attributes;
    }
}
