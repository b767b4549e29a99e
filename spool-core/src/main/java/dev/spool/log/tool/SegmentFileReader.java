package dev.spool.log.tool;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.BatchCursor;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A read-only cursor over one segment's {@code .log} file, for tools that must read a log without
 * owning it: {@code spool dump}, {@link LogVerifier}, and a follower that tails a log another
 * process is appending to.
 *
 * <p>The file is opened with {@link FileIO.OpenMode#READ} and nothing is ever written, truncated
 * or rebuilt: where the engine's recovery would act, this class only reports. It classifies the
 * bytes at a position with the engine's own {@link BatchCursor} and {@link BatchClassifier}, maps
 * them to what {@link BatchRead.Kind} names, and leaves the judgement (is an incomplete batch a
 * torn tail, a write in progress, or corruption?) to the caller, who knows whether this is the
 * last segment and whether a writer may be live.
 *
 * <p>Not thread-safe; cheap to open. The file's size is read on every call, so a growing file is
 * followed naturally.
 */
public final class SegmentFileReader implements Closeable {
    private final StorageFile file;
    private final int batchBytesMax;

    private SegmentFileReader(StorageFile file, int batchBytesMax) {
        this.file = file;
        this.batchBytesMax = batchBytesMax;
    }

    /**
     * Opens {@code logFile} read-only.
     *
     * @param batchBytesMax the largest batch accepted; a length field above it is reported as
     *                      {@link BatchRead.Kind#BAD_LENGTH}, so a garbled length never makes this
     *                      class allocate more than this
     */
    public static SegmentFileReader open(FileIO io, Path logFile, int batchBytesMax) throws IOException {
        if (batchBytesMax < RecordBatch.HEADER_BYTES) {
            throw new IllegalArgumentException("batchBytesMax " + batchBytesMax + " is below a batch header");
        }
        return new SegmentFileReader(io.open(logFile, FileIO.OpenMode.READ), batchBytesMax);
    }

    public Path file() {
        return file.path();
    }

    /** The file's size now. */
    public long sizeBytes() throws IOException {
        return file.size();
    }

    /**
     * Reads what lies at {@code position}: a whole batch (not yet checked: get its records through
     * {@link #records(BatchRead)}, or check it with {@link #validate(BatchRead)}), the end of the
     * file, an incomplete batch, or bytes that are no batch, as {@link BatchClassifier} names them
     * (the same rules as recovery's scan). Reads at most one batch of at most {@code batchBytesMax}
     * bytes. A file that shrinks while it is read (a live segment's writer trims the zeros allocated
     * ahead of its appends when it seals or closes the segment) is read again at its new size.
     */
    public BatchRead read(long position) throws IOException {
        while (true) {
            long size = file.size();
            try {
                return read(position, size);
            } catch (EOFException e) {
                if (file.size() >= size) {
                    throw e;
                }
                // The file shrank while it was read: its writer trimmed the zeros it had allocated
                // ahead of its appends (at a seal or a close). Judge the bytes again by the new size.
            }
        }
    }

    private BatchRead read(long position, long size) throws IOException {
        BatchCursor cursor = BatchCursor.overHeaders(file, file.path(), position, size, batchBytesMax);
        BatchClassifier.Verdict verdict = cursor.read();
        return switch (verdict.kind()) {
            case END -> new BatchRead(BatchRead.Kind.END, position, 0, null, "", verdict.kind());
            case TORN_TAIL -> new BatchRead(BatchRead.Kind.INCOMPLETE, position,
                    (int) Math.min(size - position, Integer.MAX_VALUE), null, verdict.problem(), verdict.kind());
            case HOLE, CORRUPT -> new BatchRead(BatchRead.Kind.BAD_LENGTH, position, 0, null, verdict.problem(),
                    verdict.kind());
            case VALID -> new BatchRead(BatchRead.Kind.BATCH, position, cursor.sizeBytes(), cursor.readBatch(), "",
                    verdict.kind());
        };
    }

    /**
     * Checks the batch {@code read} found ({@link RecordBatch#validate}: length, magic, CRC, codec,
     * count) without decoding it.
     *
     * @throws CorruptRecordException naming this file, the batch's position and its base offset
     */
    public void validate(BatchRead read) throws CorruptRecordException {
        ByteBuffer batch = batchOf(read);
        try {
            RecordBatch.validate(batch, 0, batchBytesMax);
        } catch (CorruptRecordException e) {
            throw e.located(file(), read.position(), RecordBatch.baseOffset(batch, 0));
        }
    }

    /**
     * Checks the batch {@code read} found, CRC first, and decodes its records: the one way to get
     * records from this file, so that damaged bytes are never taken for records.
     *
     * @throws CorruptRecordException naming this file, the batch's position and its base offset
     */
    public List<Record> records(BatchRead read) throws CorruptRecordException {
        validate(read);
        ByteBuffer batch = read.batch();
        try {
            return RecordBatch.recordsOfCheckedBatch(batch, 0, RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT);
        } catch (CorruptRecordException e) {
            throw e.located(file(), read.position(), RecordBatch.baseOffset(batch, 0));
        }
    }

    private static ByteBuffer batchOf(BatchRead read) {
        if (read.kind() != BatchRead.Kind.BATCH) {
            throw new IllegalArgumentException("No batch to check at position " + read.position() + ": the read found "
                    + read.kind());
        }
        return read.batch();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /**
     * What {@link #read} found at a position.
     *
     * @param kind      what the bytes are
     * @param position  where they start in the file
     * @param sizeBytes the batch's size for {@link Kind#BATCH}; the bytes left for {@link Kind#INCOMPLETE}
     * @param batch     the whole batch, from 0 to its limit, for {@link Kind#BATCH}; {@code null} otherwise
     * @param problem   what is wrong, for {@link Kind#INCOMPLETE} and {@link Kind#BAD_LENGTH}
     * @param bytes     what {@link BatchClassifier} named the bytes; {@code kind} is its coarser view
     *                  for tools (a hole and a corrupt length are both {@link Kind#BAD_LENGTH})
     */
    public record BatchRead(Kind kind, long position, int sizeBytes, ByteBuffer batch, String problem,
                            BatchClassifier.Kind bytes) {
        /** The kinds of bytes a read finds: the classifier's kinds as the tools have always seen them. */
        public enum Kind {
            /** A whole batch by its length field; its contents are not yet checked. */
            BATCH,
            /** The position is the end of the file. */
            END,
            /**
             * Fewer bytes than a header, fewer than the length field announces, or zeros to the
             * end ({@link BatchClassifier.Kind#TORN_TAIL}): an interrupted write at the end of the
             * last segment, or a write in progress.
             */
            INCOMPLETE,
            /**
             * The length field is out of bounds, or a zero-filled header has data after it (a
             * hole): the next batch cannot be found.
             */
            BAD_LENGTH
        }
    }
}
