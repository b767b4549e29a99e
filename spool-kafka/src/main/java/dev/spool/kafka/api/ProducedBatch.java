package dev.spool.kafka.api;

import dev.spool.kafka.api.ProduceHandler.RefusedBatch;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * The checks a produced batch passes in the server before it goes to its log, each refusal a
 * {@link RefusedBatch} with the error Kafka's broker gives.
 *
 * <h2>The CRC is computed once</h2>
 * An accepted batch's CRC is checked by its log as it takes the batch ({@code Log.appendAsync}
 * refuses a mismatch, which the handler answers with CORRUPT_MESSAGE naming the partition), so it
 * is not computed here on the way in: the header checks and the one walk over the records
 * ({@link #walk}) read the bytes as they came. Two places check it first, so that damage is always
 * reported as what it is and never made valid: a refusal for what the bytes say (a record's
 * framing, a timestamp, a control flag, the producer's sequence) is answered with
 * CORRUPT_MESSAGE instead when the CRC does not match ({@link #crcFirst}), as Kafka's broker, which
 * checks the CRC before the rest, answers; and a batch the server is about to rewrite (recompress,
 * stamp with the append time, correct its max timestamp) is checked before the rewrite gives it a
 * new CRC ({@link #requireIntact}). Reading unchecked bytes is safe: every length is bounded by
 * the batch, and decompression by {@link RecordBatch#DECOMPRESSED_BYTES_MAX_DEFAULT}.
 *
 * <p>Stateless; every method works on the batch given.
 */
final class ProducedBatch {
    /** A record without a timestamp (Kafka's {@code RecordBatch.NO_TIMESTAMP}): never out of range. */
    static final long NO_TIMESTAMP = -1L;
    private static final int COMPRESSION_MASK = 0x07;

    private ProducedBatch() {
    }

    /**
     * The one batch of a partition's records, checked as far as its header goes (sizes, magic,
     * codec, record count; not the CRC, see the class comment): a control batch is refused, a
     * transactional one needs its producer fields and the request's transactional id (whether its
     * producer may write to the partition is the handler's check, under the partition's lock).
     */
    static ByteBuffer checkBatch(BaseRecords records, int batchBytesMax, String transactionalId) {
        if (!(records instanceof MemoryRecords memory) || memory.sizeInBytes() == 0) {
            throw new RefusedBatch(Errors.INVALID_RECORD, "No records");
        }
        ByteBuffer batch = memory.buffer().slice().order(ByteOrder.BIG_ENDIAN);
        int size = batch.remaining();
        if (size < RecordBatch.LOG_OVERHEAD_BYTES) {
            throw new RefusedBatch(Errors.CORRUPT_MESSAGE, size + " bytes are too few for a batch");
        }
        long batchBytes = (long) RecordBatch.batchLength(batch, 0) + RecordBatch.LOG_OVERHEAD_BYTES;
        if (batchBytes > batchBytesMax) {
            throw new RefusedBatch(Errors.MESSAGE_TOO_LARGE, "Batch of " + batchBytes + " bytes exceeds the maximum of "
                    + batchBytesMax);
        }
        if (batchBytes != size) {
            throw new RefusedBatch(Errors.INVALID_RECORD, "Produce v3+ carries exactly one batch per partition; got "
                    + size + " bytes where the first batch is " + batchBytes);
        }
        checkHeader(batch, size);
        if (RecordBatch.isControl(batch, 0)) {
            throw crcFirst(batch, new RefusedBatch(Errors.INVALID_RECORD, "A control batch (a transaction marker) "
                    + "is written by the transaction coordinator, never produced by a client"));
        }
        if (RecordBatch.isTransactional(batch, 0)) {
            checkTransactional(batch, transactionalId);
        }
        return batch;
    }

    /**
     * A transactional batch carries its producer's id, epoch and sequence (transactions build on
     * idempotence), and comes in a request naming the transactional id (as Kafka's broker requires
     * before it checks that id's authorization).
     */
    private static void checkTransactional(ByteBuffer batch, String transactionalId) {
        long producerId = RecordBatch.producerId(batch, 0);
        short epoch = RecordBatch.producerEpoch(batch, 0);
        int firstSequence = RecordBatch.baseSequence(batch, 0);
        if (producerId < 0 || epoch < 0 || firstSequence < 0) {
            throw crcFirst(batch, new RefusedBatch(Errors.INVALID_RECORD, "A transactional batch needs a producer id, "
                    + "epoch and sequence; got producer id " + producerId + ", epoch " + epoch + ", sequence "
                    + firstSequence));
        }
        if (transactionalId == null) {
            throw crcFirst(batch, new RefusedBatch(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, "A transactional "
                    + "batch of producer " + producerId + " came in a Produce request without a transactional id"));
        }
    }

    /** What {@link RecordBatch#validate} checks of the header, but the CRC. */
    private static void checkHeader(ByteBuffer batch, int size) {
        if (size < RecordBatch.HEADER_BYTES) {
            throw new RefusedBatch(Errors.CORRUPT_MESSAGE, "Batch is " + size + " bytes, shorter than its "
                    + RecordBatch.HEADER_BYTES + "-byte header");
        }
        byte magic = RecordBatch.magic(batch, 0);
        if (magic != RecordBatch.MAGIC) {
            throw new RefusedBatch(Errors.CORRUPT_MESSAGE, "Unsupported magic " + magic + ", expected "
                    + RecordBatch.MAGIC);
        }
        int codec = RecordBatch.attributes(batch, 0) & COMPRESSION_MASK;
        if (codec > CompressionType.ZSTD.id()) {
            throw crcFirst(batch, new RefusedBatch(Errors.CORRUPT_MESSAGE, "Unknown compression codec id " + codec));
        }
        int count = RecordBatch.recordCount(batch, 0);
        int lastDelta = RecordBatch.lastOffsetDelta(batch, 0);
        if (count < 0 || lastDelta < 0 || (count > 0 && lastDelta != count - 1)) {
            throw crcFirst(batch, new RefusedBatch(Errors.CORRUPT_MESSAGE, "Record count " + count
                    + " does not fit last offset delta " + lastDelta));
        }
        int recordsBytes = size - RecordBatch.HEADER_BYTES;
        if (codec == CompressionType.NONE.id() && (long) count * RecordBatch.RECORD_BYTES_MIN > recordsBytes) {
            throw crcFirst(batch, new RefusedBatch(Errors.CORRUPT_MESSAGE, "Record count " + count
                    + " cannot fit in " + recordsBytes + " bytes of records"));
        }
    }

    /**
     * Walks every record once: checks its framing (lengths within bounds, offset deltas 0, 1, 2 …,
     * the count exact, nothing left over) and, when {@code checkTimestamps}, that each timestamp
     * is -1 (none) or within {@code [earliestMs, latestMs]}. Returns the largest timestamp (-1 when
     * no record has one). An uncompressed batch is read in place, without allocating per record;
     * a compressed one is decompressed once (bounded).
     */
    static long walk(ByteBuffer batch, boolean checkTimestamps, long earliestMs, long latestMs, String limits) {
        try {
            if (RecordBatch.compression(batch, 0) != CompressionType.NONE) {
                return walkDecoded(batch, checkTimestamps, earliestMs, latestMs, limits);
            }
            RecordWalk walk = new RecordWalk(batch);
            int count = RecordBatch.recordCount(batch, 0);
            long baseTimestamp = RecordBatch.baseTimestamp(batch, 0);
            long maxTimestamp = NO_TIMESTAMP;
            for (int i = 0; i < count; i++) {
                long timestamp = baseTimestamp + walk.record(i);
                if (checkTimestamps) {
                    checkTimestamp(timestamp, i, earliestMs, latestMs, limits);
                }
                if (timestamp != NO_TIMESTAMP) {
                    maxTimestamp = Math.max(maxTimestamp, timestamp);
                }
            }
            walk.end(count);
            return maxTimestamp;
        } catch (CorruptRecordException e) {
            throw crcFirst(batch, new RefusedBatch(Errors.CORRUPT_MESSAGE, e.getMessage()));
        } catch (RefusedBatch e) {
            throw crcFirst(batch, e);
        }
    }

    private static long walkDecoded(ByteBuffer batch, boolean checkTimestamps, long earliestMs, long latestMs,
                                    String limits) throws CorruptRecordException {
        long maxTimestamp = NO_TIMESTAMP;
        long baseOffset = RecordBatch.baseOffset(batch, 0);
        for (Record record : RecordBatch.recordsOfCheckedBatch(batch, 0, RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT)) {
            if (checkTimestamps) {
                checkTimestamp(record.timestamp(), (int) (record.offset() - baseOffset), earliestMs, latestMs, limits);
            }
            if (record.timestamp() != NO_TIMESTAMP) {
                maxTimestamp = Math.max(maxTimestamp, record.timestamp());
            }
        }
        return maxTimestamp;
    }

    private static void checkTimestamp(long timestamp, int offsetDelta, long earliestMs, long latestMs,
                                       String limits) {
        if (timestamp == NO_TIMESTAMP) {
            return;
        }
        if (timestamp < 0) {
            throw new RefusedBatch(Errors.INVALID_TIMESTAMP, "Timestamp " + timestamp + " of the record at "
                    + "offset delta " + offsetDelta + " is negative: a timestamp is at least 0, or -1 for none");
        }
        if (timestamp < earliestMs || timestamp > latestMs) {
            throw new RefusedBatch(Errors.INVALID_TIMESTAMP, "Timestamp " + timestamp + " of the record at "
                    + "offset delta " + offsetDelta + " is out of range: the topic accepts [" + earliestMs + ", "
                    + latestMs + "] (" + limits + ")");
        }
    }

    /** Refuses the batch with CORRUPT_MESSAGE unless its CRC matches: before the server rewrites it. */
    static void requireIntact(ByteBuffer batch) {
        try {
            RecordBatch.validate(batch, 0, Integer.MAX_VALUE);
        } catch (CorruptRecordException e) {
            throw new RefusedBatch(Errors.CORRUPT_MESSAGE, e.getMessage());
        }
    }

    /** {@code refusal}, or CORRUPT_MESSAGE when the batch's CRC does not match (damage comes first). */
    static RefusedBatch crcFirst(ByteBuffer batch, RefusedBatch refusal) {
        try {
            requireIntact(batch);
            return refusal;
        } catch (RefusedBatch corrupt) {
            return corrupt;
        }
    }

    /**
     * A cursor over an uncompressed batch's records, reading Kafka's zig-zag varints in place: the
     * buffer's limit is set to each record's end while it is read, so nothing reads past it.
     */
    private static final class RecordWalk {
        private final ByteBuffer in;
        private final int end;

        RecordWalk(ByteBuffer batch) {
            this.in = batch.duplicate();
            this.end = batch.limit();
            in.position(RecordBatch.RECORDS_OFFSET);
        }

        /** Checks the framing of record {@code index}; returns its timestamp delta. */
        long record(int index) throws CorruptRecordException {
            in.limit(end);
            int length = varint("length", index);
            if (length < RecordBatch.RECORD_BYTES_MIN - 1 || length > in.remaining()) {
                throw new CorruptRecordException("Record " + index + " has length " + length + " with "
                        + in.remaining() + " bytes left in the batch");
            }
            in.limit(in.position() + length);
            in.get(); // attributes, unused
            long timestampDelta = varlong("timestamp delta", index);
            int offsetDelta = varint("offset delta", index);
            if (offsetDelta != index) {
                throw new CorruptRecordException("Record " + index + " has offset delta " + offsetDelta
                        + ", expected " + index);
            }
            skip(varint("key length", index), true, "key", index);
            skip(varint("value length", index), true, "value", index);
            int headerCount = varint("header count", index);
            if (headerCount < 0 || headerCount > in.remaining() / 2) {
                throw new CorruptRecordException("Record " + index + " claims " + headerCount + " headers in "
                        + in.remaining() + " bytes");
            }
            for (int h = 0; h < headerCount; h++) {
                skip(varint("header key length", index), false, "header key", index);
                skip(varint("header value length", index), true, "header value", index);
            }
            if (in.hasRemaining()) {
                throw new CorruptRecordException("Record " + index + " has " + in.remaining() + " bytes left over");
            }
            return timestampDelta;
        }

        /** Checks nothing follows the last of {@code count} records. */
        void end(int count) throws CorruptRecordException {
            in.limit(end);
            if (in.hasRemaining()) {
                throw new CorruptRecordException(in.remaining() + " bytes follow the last of " + count + " records");
            }
        }

        private void skip(int length, boolean nullable, String what, int index) throws CorruptRecordException {
            if (length == -1 && nullable) {
                return;
            }
            if (length < 0 || length > in.remaining()) {
                throw new CorruptRecordException("Record " + index + " " + what + " length " + length + " with "
                        + in.remaining() + " bytes left in the record");
            }
            in.position(in.position() + length);
        }

        /**
         * A zig-zag varint of at most 5 bytes (an int field of the record format): {@code what}
         * field of record {@code index}, named only in the error (nothing is built per field read).
         */
        private int varint(String what, int index) throws CorruptRecordException {
            int raw = 0;
            for (int shift = 0; shift <= 28; shift += 7) {
                if (!in.hasRemaining()) {
                    throw new CorruptRecordException("The " + what + " of record " + index + " runs past its end");
                }
                byte b = in.get();
                raw |= (b & 0x7f) << shift;
                if (b >= 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new CorruptRecordException("The " + what + " of record " + index
                    + " is a varint longer than 5 bytes");
        }

        /** A zig-zag varint of at most 10 bytes, as Kafka's records encode their fields. */
        private long varlong(String what, int index) throws CorruptRecordException {
            long raw = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (!in.hasRemaining()) {
                    throw new CorruptRecordException("The " + what + " of record " + index + " runs past its end");
                }
                byte b = in.get();
                raw |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new CorruptRecordException("The " + what + " of record " + index
                    + " is a varint longer than 10 bytes");
        }
    }
}
