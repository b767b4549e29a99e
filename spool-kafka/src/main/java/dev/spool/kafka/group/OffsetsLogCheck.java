package dev.spool.kafka.group;

import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.DataDirCheck;
import dev.spool.log.tool.LogVerifier.Finding;
import dev.spool.log.tool.LogVerifier;
import dev.spool.log.tool.SegmentFileNames;
import dev.spool.log.tool.SegmentFileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code spool verify}'s check of the committed-offsets log ({@code __consumer_offsets} in the
 * data directory, {@link OffsetStore}): its segments and indexes get every check of
 * {@link LogVerifier}, and each record of its valid batches must decode with
 * {@link OffsetRecordCodec}, and each control batch as a transaction marker
 * ({@link EndTransactionMarker}), as the replay on open requires (a record that does not is an
 * {@code ERROR FILE_CORRUPT} naming the segment, position and offset). No directory: nothing to
 * check (no group ever committed). Read-only, no lock.
 */
public final class OffsetsLogCheck implements DataDirCheck {
    /** The offsets log's directory under the data directory. */
    public static final String DIR_NAME = "__consumer_offsets";

    private final FileIO io;

    public OffsetsLogCheck(FileIO io) {
        this.io = io;
    }

    @Override
    public List<Finding> check(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(DIR_NAME);
        if (!io.isDirectory(dir)) {
            return List.of();
        }
        LogConfig config = LogConfig.defaults().withSegmentBytes(OffsetStore.SEGMENT_BYTES);
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
                ByteBuffer batch = read.batch();
                List<Record> records;
                try {
                    RecordBatch.validate(batch, 0, batchBytesMax);
                    records = RecordBatch.records(batch, 0);
                } catch (CorruptRecordException e) {
                    return false; // LogVerifier reported it
                }
                if (RecordBatch.isControl(batch, 0)) { // a transaction's outcome, not an offsets record
                    try {
                        EndTransactionMarker.read(batch, 0);
                    } catch (CorruptRecordException e) {
                        findings.add(undecodable(segment, position, RecordBatch.baseOffset(batch, 0),
                                "transaction marker does not decode: " + e.getMessage()));
                        return false;
                    }
                    position += read.sizeBytes();
                    continue;
                }
                for (Record record : records) {
                    try {
                        OffsetRecordCodec.decode(record.key().orElse(null), record.value().orElse(null));
                    } catch (OffsetRecordCodec.MalformedRecordException e) {
                        findings.add(undecodable(segment, position, record.offset(),
                                "offsets record does not decode: " + e.getMessage()));
                        return false;
                    }
                }
                position += read.sizeBytes();
            }
        }
    }

    private static Finding undecodable(Path segment, long position, long offset, String problem) {
        return new Finding(LogVerifier.Severity.ERROR, LogVerifier.Kind.FILE_CORRUPT, segment, position, offset,
                problem + "; the server cannot replay the committed offsets (spool repair " + DIR_NAME + ")");
    }
}
