package dev.spool.log.record;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Walks the records of a run of whole batches (what {@code Log.read} returns) one at a time,
 * without allocating per record: the one record decoder of the project ({@link RecordBatch#records}
 * and the log's tailer decode through it).
 *
 * <pre>{@code
 * RecordCursor cursor = new RecordCursor();          // one per reading thread, reused
 * cursor.reset(result.batches());
 * while (cursor.next()) {
 *     long offset = cursor.offset();
 *     ByteBuffer value = cursor.value();             // a view, valid until the next call to next()
 * }
 * }</pre>
 *
 * <h2>What a record exposes</h2>
 * {@link #offset()}, {@link #timestamp()}, the key and value as reused read-only views
 * ({@link #key()}, {@link #value()}: position to limit is the bytes, valid until the next
 * {@link #next()} or {@link #reset}; {@code null} for Kafka's null key or value, which
 * {@link #hasKey()} and {@link #hasValue()} tell apart from an empty one), or without views as
 * positions in {@link #buffer()} ({@link #keyPosition()}, {@link #keyLength()} …, length -1 for
 * null). Headers: {@link #headerCount()}, {@link #headerKey(int)}, {@link #headerValue(int)}
 * (views too), or {@link #headers()}, which allocates.
 *
 * <h2>Checks</h2>
 * Entering a batch checks its header and CRC ({@link RecordBatch#validate}): a bit flipped on the
 * disk or on the way is a {@link CorruptRecordException}, never a wrong record. Every record's
 * framing is checked as it is read (lengths within the record, offset deltas 0, 1, 2 …, the record
 * count exact, no bytes left over), so damaged or truncated bytes are a
 * {@link CorruptRecordException} naming the batch's byte position in the buffer, its base offset
 * and the record, never an {@link IndexOutOfBoundsException}. Batches must follow each other with
 * dense offsets. {@link #checkCrcs(boolean) checkCrcs(false)} skips the CRC, and only the CRC.
 *
 * <h2>Batches of particular kinds</h2>
 * A compressed batch is decompressed when the cursor enters it (at most
 * {@code decompressedBytesMax} bytes), into an array the cursor keeps and reuses for the next
 * compressed batch; its views then point into that array. A control batch's records (transaction
 * markers) are visited like any other, with {@link #isControl()} true: a consumer that wants data
 * only steps over them. A batch holding no records (compaction's or a repair's gap) yields nothing.
 *
 * <p>Not thread-safe: one cursor per reading thread. Cheap to create; meant to be reused.
 */
public final class RecordCursor {
    /** Locates a problem in a batch: {@code position} is the batch's byte in the buffer given to {@link #reset}. */
    @FunctionalInterface
    public interface Locator {
        CorruptRecordException locate(CorruptRecordException problem, int position, long baseOffset);
    }

    /** Problems named by the batch's position in the read buffer, the way a read without a file names them. */
    private static final Locator IN_BUFFER = (problem, position, baseOffset) ->
            problem.located(Path.of("(read buffer)"), position, baseOffset);
    /** Problems as they are, for {@link RecordBatch}'s callers, which locate them themselves. */
    private static final Locator PLAIN = (problem, position, baseOffset) -> problem;

    private final BatchDecompressor decompressor;
    private boolean checkCrc = true;
    private Locator locator = IN_BUFFER;

    private RecordSection batches = RecordSection.EMPTY;
    /** What a batch's CRC is computed through: reused, so that checking a batch allocates nothing. */
    private final CRC32C crc = new CRC32C();
    private ByteBuffer crcView = RecordSection.EMPTY.bytes;
    private int batchesEnd;
    private int nextBatchAt;
    private long expectedBase = -1;

    // The current batch, then the current record.
    private int batchAt = -1;
    private long baseOffset;
    private long baseTimestamp;
    private boolean control;
    private int recordCount;
    private int recordIndex;
    /** What the records are read from: {@link #batches}, or the decompressed bytes. */
    private RecordSection section = RecordSection.EMPTY;
    private int sectionEnd;
    private int recordAt;
    private long offset;
    private long timestamp;
    private int keyAt;
    private int keyLength;
    private int valueAt;
    private int valueLength;
    private int headersAt;
    private int headerCount;
    private int recordEnd;
    /** The read position within {@link #section} while decoding. */
    private int at;

    /** A cursor decompressing at most {@link RecordBatch#DECOMPRESSED_BYTES_MAX_DEFAULT} bytes a batch. */
    public RecordCursor() {
        this(RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT);
    }

    /** A cursor refusing as corrupt a compressed batch that expands past {@code decompressedBytesMax}. */
    public RecordCursor(int decompressedBytesMax) {
        this.decompressor = new BatchDecompressor(decompressedBytesMax);
    }

    /**
     * Whether entering a batch checks its CRC (the default; the choice holds across resets). Off,
     * a batch's header and every record's framing are still checked, so damage to a length, count or
     * offset is still a {@link CorruptRecordException}, but a bit flipped in a key, a value or a
     * timestamp goes unnoticed: for a reader whose bytes are checked another way, as Kafka's consumer
     * with {@code check.crcs=false}. Batches of one small record then read about 1.6 times as fast.
     */
    public RecordCursor checkCrcs(boolean check) {
        this.checkCrc = check;
        return this;
    }

    /**
     * Starts over on the whole batches in {@code batches} from its position to its limit (neither is
     * moved; the bytes must not change while the cursor walks them). Problems are reported with the
     * batch's byte position in this buffer.
     */
    public RecordCursor reset(ByteBuffer batches) {
        return reset(batches, IN_BUFFER);
    }

    /** As {@link #reset(ByteBuffer)}, reporting problems through {@code locator} (which names the file). */
    public RecordCursor reset(ByteBuffer batches, Locator locator) {
        this.locator = locator;
        this.batches = new RecordSection(batches.duplicate()); // big-endian, whatever the caller's order
        this.crcView = batches.duplicate();
        this.batchesEnd = batches.limit();
        this.nextBatchAt = batches.position();
        this.expectedBase = -1;
        this.batchAt = -1;
        this.recordCount = 0;
        this.recordIndex = 0;
        this.section = this.batches;
        return this;
    }

    /**
     * Over the one batch at {@code at}, whose header the caller checked: no CRC pass, from now on (for
     * {@link RecordBatch}'s own cursors).
     */
    RecordCursor resetOverCheckedBatch(ByteBuffer buffer, int at) throws CorruptRecordException {
        ByteBuffer batch = buffer.duplicate().position(at);
        RecordBatch.checkedCompression(batch, at); // header present and length within the buffer
        return checkCrcs(false).reset(batch.limit(at + RecordBatch.sizeInBytes(batch, at)), PLAIN);
    }

    /** Moves to the next record, entering (and checking) the next batch when this one is done; false at the end. */
    public boolean next() throws CorruptRecordException {
        while (recordIndex >= recordCount) {
            if (batchAt >= 0 && recordAt != sectionEnd) {
                throw corrupt((sectionEnd - recordAt) + (section == batches ? "" : " decompressed")
                        + " bytes follow the last of " + recordCount + " records");
            }
            if (nextBatchAt >= batchesEnd) {
                return false;
            }
            enterBatch();
        }
        readRecord();
        return true;
    }

    private void enterBatch() throws CorruptRecordException {
        ByteBuffer in = batches.bytes;
        int at = nextBatchAt;
        batchAt = at;
        recordIndex = 0;
        recordCount = 0;
        if (batchesEnd - at < RecordBatch.HEADER_BYTES) {
            checkHeader(in, at); // throws: the header is not whole
        }
        // Each field read once (for one-record batches the header is most of a read's work), and
        // the batch checked by a predicate that only answers yes or no; validate words a no.
        baseOffset = in.getLong(at + RecordBatch.BASE_OFFSET_OFFSET);
        int length = in.getInt(at + RecordBatch.BATCH_LENGTH_OFFSET);
        short attributes = in.getShort(at + RecordBatch.ATTRIBUTES_OFFSET);
        int count = in.getInt(at + RecordBatch.RECORD_COUNT_OFFSET);
        int lastDelta = in.getInt(at + RecordBatch.LAST_OFFSET_DELTA_OFFSET);
        if (!RecordBatch.isSound(in, at, length, attributes, count, lastDelta)
                || checkCrc && RecordBatch.storedCrc(in, at) != crcOf(at, length + RecordBatch.LOG_OVERHEAD_BYTES)) {
            checkHeader(in, at);
            throw new IllegalStateException("The batch at " + at + " failed a check that validate passed");
        }
        if (expectedBase >= 0 && baseOffset != expectedBase) {
            throw corrupt("the batch starts at offset " + baseOffset + ", expected " + expectedBase
                    + " to follow the previous batch");
        }
        int size = length + RecordBatch.LOG_OVERHEAD_BYTES;
        nextBatchAt = at + size;
        expectedBase = baseOffset + lastDelta + 1;
        baseTimestamp = in.getLong(at + RecordBatch.BASE_TIMESTAMP_OFFSET);
        control = (attributes & RecordBatch.CONTROL_MASK) != 0;
        int codec = attributes & RecordBatch.COMPRESSION_MASK;
        if (codec == 0) {
            section = batches;
            recordAt = at + RecordBatch.RECORDS_OFFSET;
            sectionEnd = nextBatchAt;
        } else {
            try {
                section = decompressor.decompress(in, at, size, CompressionType.forId(codec));
            } catch (CorruptRecordException e) {
                throw locator.locate(e, at, baseOffset);
            }
            recordAt = decompressor.start();
            sectionEnd = decompressor.end();
        }
        if ((long) count * RecordBatch.RECORD_BYTES_MIN > sectionEnd - recordAt) {
            throw corrupt("Record count " + count + " cannot fit in " + (sectionEnd - recordAt)
                    + (section == batches ? "" : " decompressed") + " bytes of records");
        }
        recordCount = count;
    }

    /**
     * The CRC of the {@code size}-byte batch at {@code at}; not through {@link RecordBatch}, whose CRC
     * method every batch builder calls too: the compiler shapes a call by the buffer classes seen there,
     * and here it sees only the cursor's reads (one-record 100 B batches read 5-10% faster, 2026-12-07).
     */
    private long crcOf(int at, int size) {
        crc.reset();
        crc.update(crcView.limit(at + size).position(at + RecordBatch.ATTRIBUTES_OFFSET));
        return crc.getValue();
    }

    /** Checks the batch at {@code at} the slow way, which throws a located problem when there is one. */
    private void checkHeader(ByteBuffer in, int at) throws CorruptRecordException {
        baseOffset = batchesEnd - at >= RecordBatch.LOG_OVERHEAD_BYTES ? RecordBatch.baseOffset(in, at) : -1;
        try {
            RecordBatch.validate(in, at, Integer.MAX_VALUE, checkCrc ? crc : null, crcView);
        } catch (CorruptRecordException e) {
            throw locator.locate(e, at, baseOffset);
        }
    }

    /** Decodes the record at {@link #recordAt}; every length is checked against the bytes left. */
    private void readRecord() throws CorruptRecordException {
        at = recordAt;
        int length = readVarint(sectionEnd);
        if (length < RecordBatch.RECORD_BYTES_MIN - 1 || length > sectionEnd - at) {
            throw corrupt("Record " + recordIndex + " has length " + length + " with " + (sectionEnd - at)
                    + (section == batches ? "" : " decompressed") + " bytes left in the batch");
        }
        int end = at + length;
        at++; // attributes, unused
        long timestampDelta = readVarlong(end);
        int offsetDelta = readVarint(end);
        if (offsetDelta != recordIndex) {
            throw corrupt("Record " + recordIndex + " has offset delta " + offsetDelta + ", expected " + recordIndex);
        }
        keyLength = readVarint(end);
        keyAt = at;
        at = skipBytes(keyLength, end, "key");
        valueLength = readVarint(end);
        valueAt = at;
        at = skipBytes(valueLength, end, "value");
        int headers = readVarint(end);
        if (headers < 0 || headers > (end - at) / 2) {
            throw corrupt("Record " + recordIndex + " claims " + headers + " headers in " + (end - at) + " bytes");
        }
        headersAt = at;
        if (headers > 0) {
            skipHeaders(headers, end);
        }
        if (at != end) {
            throw corrupt("Record " + recordIndex + " has " + (end - at) + " bytes left over");
        }
        headerCount = headers;
        recordEnd = end;
        offset = baseOffset + offsetDelta;
        timestamp = baseTimestamp + timestampDelta;
        recordAt = end;
        recordIndex++; // the last is at the header's last offset delta: entering the batch checked it
    }

    // Kept out of readRecord, which the compiler then inlines whole into next() (a record without headers).
    private void skipHeaders(int headers, int end) throws CorruptRecordException {
        for (int h = 0; h < headers; h++) {
            int headerKeyLength = readVarint(end);
            if (headerKeyLength == -1) {
                throw corrupt("Record " + recordIndex + " has a header with a null key");
            }
            at = skipBytes(headerKeyLength, end, "header key");
            at = skipBytes(readVarint(end), end, "header value");
        }
    }

    private int skipBytes(int length, int end, String what) throws CorruptRecordException {
        if (length == -1) {
            return at;
        }
        if (length < 0 || length > end - at) {
            throw corrupt("Record " + what + " length " + length + " with " + (end - at)
                    + " bytes left in the record");
        }
        return at + length;
    }

    /** A zig-zag varint at {@link #at}, below {@code end}; moves {@link #at} past it. */
    private int readVarint(int end) throws CorruptRecordException {
        int p = at;
        ByteBuffer in = section.bytes;
        if (end - p >= 2) { // one or two bytes (values -8192 .. 8191), read without the loop
            int first = in.get(p);
            if (first >= 0) {
                at = p + 1;
                return (first >>> 1) ^ -(first & 1);
            }
            int second = in.get(p + 1);
            if (second >= 0) {
                int raw = (first & 0x7F) | (second << 7);
                at = p + 2;
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        int raw = (int) readRaw(end, 28, "Varint");
        return (raw >>> 1) ^ -(raw & 1);
    }

    private long readVarlong(int end) throws CorruptRecordException {
        int p = at;
        if (p < end) { // one byte: timestamps within 64 ms of the batch's first
            int first = section.bytes.get(p);
            if (first >= 0) {
                at = p + 1;
                return (first >>> 1) ^ -(first & 1);
            }
        }
        long raw = readRaw(end, 63, "Varlong");
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** The unsigned varint at {@link #at} (at most {@code shiftMax / 7 + 1} bytes, below {@code end}); moves {@link #at} past it. */
    private long readRaw(int end, int shiftMax, String kind) throws CorruptRecordException {
        int p = at;
        long raw = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift > shiftMax) {
                throw corrupt(kind + " is longer than " + (shiftMax / 7 + 1) + " bytes");
            }
            if (p >= end) {
                throw corrupt(kind + " runs past the end of the record");
            }
            byte b = section.bytes.get(p++);
            raw |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                break;
            }
        }
        at = p;
        return raw;
    }

    private CorruptRecordException corrupt(String problem) {
        return locator.locate(new CorruptRecordException(problem), batchAt, baseOffset);
    }

    /** The current record's offset. */
    public long offset() {
        return offset;
    }

    /** The current record's timestamp (the batch's base timestamp plus the record's delta). */
    public long timestamp() {
        return timestamp;
    }

    /** Whether the current record belongs to a control batch (a transaction marker). */
    public boolean isControl() {
        return control;
    }

    /**
     * The offset after the last batch the cursor entered: once {@link #next()} returned false, where
     * the read that filled the buffer continues (batches without records included); -1 before the first.
     */
    public long nextOffset() {
        return expectedBase;
    }

    /** The current batch's byte position in the buffer given to {@link #reset}. */
    public int batchPosition() {
        return batchAt;
    }

    public boolean hasKey() {
        return keyLength >= 0;
    }

    public boolean hasValue() {
        return valueLength >= 0;
    }

    /**
     * The buffer that {@link #keyPosition()}, {@link #valuePosition()} and the lengths index into:
     * the batches' (for an uncompressed batch) or the decompressed bytes. Read-only; do not move it
     * across calls to {@link #next()}.
     */
    public ByteBuffer buffer() {
        return section.readOnly;
    }

    public int keyPosition() {
        return keyAt;
    }

    /** The key's length in bytes; -1 for a null key. */
    public int keyLength() {
        return keyLength;
    }

    public int valuePosition() {
        return valueAt;
    }

    /** The value's length in bytes; -1 for a null value. */
    public int valueLength() {
        return valueLength;
    }

    /** The key as a reused read-only view (position to limit), valid until the next {@link #next()}; null when null. */
    public ByteBuffer key() {
        return keyLength < 0 ? null : RecordSection.point(section.key, keyAt, keyLength);
    }

    /** The value as a reused read-only view (position to limit), valid until the next {@link #next()}; null when null. */
    public ByteBuffer value() {
        return valueLength < 0 ? null : RecordSection.point(section.value, valueAt, valueLength);
    }

    public int headerCount() {
        return headerCount;
    }

    /** The key of header {@code index} (UTF-8 bytes) as a reused read-only view, valid until the next {@link #next()}. */
    public ByteBuffer headerKey(int index) {
        headerAt(index);
        int length = readVarintChecked();
        return RecordSection.point(section.headerKey, at, length);
    }

    /** The value of header {@code index} as a reused read-only view, valid until the next {@link #next()}; null when null. */
    public ByteBuffer headerValue(int index) {
        headerAt(index);
        int keyBytes = readVarintChecked();
        at += keyBytes; // past the key (read the length first: it moves the position)
        int length = readVarintChecked();
        return length < 0 ? null : RecordSection.point(section.headerValue, at, length);
    }

    /** Moves {@link #at} to header {@code index}'s key length. */
    private void headerAt(int index) {
        if (index < 0 || index >= headerCount) {
            throw new IndexOutOfBoundsException("Header " + index + " of a record with " + headerCount + " headers");
        }
        at = headersAt;
        for (int h = 0; h < index; h++) {
            int keyBytes = readVarintChecked(); // moves the position past the varint
            at += keyBytes;
            int valueBytes = readVarintChecked();
            at += Math.max(valueBytes, 0);
        }
    }

    /** A varint of a record whose framing {@link #readRecord} already checked. */
    private int readVarintChecked() {
        try {
            return readVarint(recordEnd);
        } catch (CorruptRecordException e) {
            throw new IllegalStateException("Header framing changed after it was checked", e);
        }
    }

    /** The current record's headers, decoded into new objects (allocates). */
    public List<Header> headers() {
        return Header.allOf(this);
    }

    /**
     * The current record as a new {@link Record} (allocates): key and value are new read-only
     * views of the same bytes, which stay valid after the cursor moves on (a compressed batch's
     * decompressed bytes are then left to the record, and the cursor decompresses the next batch
     * into a new array).
     */
    public Record toRecord() {
        if (section != batches) {
            decompressor.handOut();
        }
        Optional<ByteBuffer> key = keyLength < 0 ? Optional.empty() : Optional.of(section.readOnly.slice(keyAt, keyLength));
        Optional<ByteBuffer> value = valueLength < 0 ? Optional.empty()
                : Optional.of(section.readOnly.slice(valueAt, valueLength));
        return new Record(offset, timestamp, key, value, headers());
    }
}
