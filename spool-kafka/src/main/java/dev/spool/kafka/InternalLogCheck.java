package dev.spool.kafka;

import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.BatchContentCheck;
import dev.spool.log.tool.DataDirCheck;
import dev.spool.log.tool.LogVerifier;
import dev.spool.log.tool.LogVerifier.Finding;
import dev.spool.log.tool.SegmentFileNames;
import dev.spool.log.tool.SegmentFileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code spool verify}'s check of one of the server's internal logs (a Spool log in a reserved
 * directory of the data directory, replayed record by record when the server starts): its segments
 * and indexes get every check of {@link LogVerifier}, and each record of its valid batches must
 * decode with the log's codec, as the replay requires. A record that does not is an
 * {@code ERROR FILE_CORRUPT} naming the segment, the batch's position and the record's offset, and
 * the repair ({@code spool repair <directory>}), which removes the batch with the same decision
 * ({@link #contents}). No directory: nothing to check (the feature was never used). Read-only, no
 * lock; one walk per check.
 */
public final class InternalLogCheck implements DataDirCheck {
    /** What a record must be: empty when it decodes, else what is wrong with it. */
    @FunctionalInterface
    public interface RecordCheck {
        Optional<String> problem(Record record);
    }

    /**
     * One internal log.
     *
     * @param dirName       its directory under the data directory
     * @param segmentBytes  its segment size (the verifier checks segments against it)
     * @param recordName    what its records are, for the finding ("offsets record")
     * @param consequence   what the damage stops, for the finding ("the server cannot replay ...")
     * @param markersInline whether control batches are transaction markers the replay reads (the
     *                      offsets log); otherwise their records are checked as any other
     * @param records       the check of each record
     */
    public record Spec(String dirName, int segmentBytes, String recordName, String consequence, boolean markersInline,
                       RecordCheck records) {
        public Spec {
            Objects.requireNonNull(dirName, "dirName");
            Objects.requireNonNull(records, "records");
        }
    }

    private final FileIO io;
    private final Spec spec;

    public InternalLogCheck(FileIO io, Spec spec) {
        this.io = io;
        this.spec = spec;
    }

    @Override
    public List<Finding> check(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(spec.dirName());
        if (!io.isDirectory(dir)) {
            return List.of();
        }
        LogConfig config = LogConfig.defaults().withSegmentBytes(spec.segmentBytes());
        List<Finding> findings = new ArrayList<>(new LogVerifier(io, config).verifyPartition(dir).findings());
        for (Path segment : SegmentFileNames.logFiles(io, dir).values()) {
            if (!decodeRecords(segment, config.batchBytesMax(), findings)) {
                break;
            }
        }
        return findings;
    }

    /** Decodes every record of the segment's valid batches; false at the first batch or record that fails. */
    private boolean decodeRecords(Path segment, int batchBytesMax, List<Finding> findings) throws IOException {
        try (SegmentFileReader reader = SegmentFileReader.open(io, segment, batchBytesMax)) {
            long position = 0;
            while (true) {
                SegmentFileReader.BatchRead read = reader.read(position);
                if (read.kind() != SegmentFileReader.BatchRead.Kind.BATCH) {
                    return read.kind() == SegmentFileReader.BatchRead.Kind.END; // damage: LogVerifier reported it
                }
                Optional<Finding> problem;
                try {
                    problem = checkBatch(segment, position, read.batch(), batchBytesMax);
                } catch (CorruptRecordException e) {
                    return false; // LogVerifier reported it
                }
                if (problem.isPresent()) {
                    findings.add(problem.get());
                    return false;
                }
                position += read.sizeBytes();
            }
        }
    }

    /**
     * The check of a batch's records as {@code spool repair} asks it
     * ({@link dev.spool.log.tool.LogRepair#plan(dev.spool.log.TopicPartition, BatchContentCheck)}):
     * the same decision as this check's walk makes, so that repair removes what verify reports.
     * Records that do not even parse are refused too (LogVerifier's finding).
     */
    public BatchContentCheck contents() {
        return batch -> {
            try {
                return undecodable(batch).map(u -> u.what() + " at offset " + u.offset() + " does not decode: "
                        + u.reason());
            } catch (CorruptRecordException e) {
                return Optional.of("records do not parse: " + e.getMessage());
            }
        };
    }

    /**
     * The finding of a batch whose records do not decode; empty when they do.
     *
     * @throws CorruptRecordException when the batch itself is invalid
     */
    private Optional<Finding> checkBatch(Path segment, long position, ByteBuffer batch, int batchBytesMax)
            throws CorruptRecordException {
        RecordBatch.validate(batch, 0, batchBytesMax);
        return undecodable(batch).map(u -> new Finding(LogVerifier.Severity.ERROR, LogVerifier.Kind.FILE_CORRUPT,
                segment, position, u.offset(), u.what() + " does not decode: " + u.reason() + "; "
                + spec.consequence() + " (spool repair " + spec.dirName() + ")"));
    }

    /** A record the replay cannot read: its offset, what it should be ("transaction marker"), and why not. */
    private record Undecodable(long offset, String what, String reason) {
    }

    /**
     * The first record of a batch (its CRC checked) that the replay cannot decode; empty when every
     * one decodes. A control batch of a log with {@link Spec#markersInline} must be a transaction
     * marker.
     *
     * @throws CorruptRecordException when the batch's records do not parse at all
     */
    private Optional<Undecodable> undecodable(ByteBuffer batch) throws CorruptRecordException {
        List<Record> records = RecordBatch.records(batch, 0);
        if (spec.markersInline() && RecordBatch.isControl(batch, 0)) { // a transaction's outcome
            try {
                EndTransactionMarker.read(batch, 0);
                return Optional.empty();
            } catch (CorruptRecordException e) {
                return Optional.of(new Undecodable(RecordBatch.baseOffset(batch, 0), "transaction marker",
                        e.getMessage()));
            }
        }
        for (Record record : records) {
            Optional<String> problem = spec.records().problem(record);
            if (problem.isPresent()) {
                return Optional.of(new Undecodable(record.offset(), spec.recordName(), problem.get()));
            }
        }
        return Optional.empty();
    }
}
