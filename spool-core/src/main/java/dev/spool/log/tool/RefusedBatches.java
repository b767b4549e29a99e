package dev.spool.log.tool;

import dev.spool.log.TopicPartition;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Splits one segment whose every batch checks out into the runs of batches its log's owner
 * accepts and the batches it refuses ({@link BatchContentCheck}: a CRC that holds over records the
 * owner's codec cannot read). The refused batches come back as {@link SegmentSalvage.Damage}, the
 * shape of damaged bytes, so that {@link LogRepair} copies them to {@code .broken} and puts an
 * empty batch over their offsets exactly as it does for damage; their offsets are known, since
 * their headers check out. Reads the segment batch by batch ({@link SegmentFileReader}, at most
 * one batch in memory); never writes. Stateless beyond its {@link FileIO}; not thread-safe, as the
 * repair that uses it.
 */
final class RefusedBatches {
    private final FileIO io;
    private final RepairFiles files;
    private final LogVerifier.Progress progress;
    private final long progressIntervalBytes;
    /** Bytes of batches read by the plan under way, for {@link #progress}. */
    private long readBytes;

    /** @param progress told each time another {@code progressIntervalBytes} of batches were read */
    RefusedBatches(FileIO io, RepairFiles files, LogVerifier.Progress progress, long progressIntervalBytes) {
        this.io = io;
        this.files = files;
        this.progress = progress;
        this.progressIntervalBytes = progressIntervalBytes;
    }

    /**
     * The first segment of the log in {@code dir} (in offset order) that holds batches
     * {@code contents} refuses, planned as damage: each such batch is copied and replaced by an
     * empty batch over its offsets. Empty when the check accepts every batch.
     */
    Optional<LogRepair.Plan> plan(TopicPartition partition, Path dir, int batchBytesMax, BatchContentCheck contents)
            throws IOException {
        List<Long> bases = files.segmentBases(dir);
        readBytes = 0;
        for (int index = 0; index < bases.size(); index++) {
            Path segment = SegmentFiles.logFile(dir, bases.get(index));
            SegmentSalvage.Pieces pieces = split(segment, batchBytesMax, contents);
            if (!pieces.damages().isEmpty()) {
                return Optional.of(new LogRepair.Plan(partition, segment, io.size(segment), pieces.kept(),
                        pieces.damages(), pieces.damages().get(0).problem(), OptionalLong.of(bases.get(0)),
                        files.logEndAfter(dir, bases, index)));
            }
        }
        return Optional.empty();
    }

    /**
     * The segment's pieces in file order; no damage when the check accepts every batch.
     *
     * @throws IOException when the segment holds anything but whole batches that check out (it
     *                     changed since the log opened sound)
     */
    private SegmentSalvage.Pieces split(Path segment, int batchBytesMax, BatchContentCheck contents) throws IOException {
        List<SegmentSalvage.Kept> kept = new ArrayList<>();
        List<SegmentSalvage.Damage> refused = new ArrayList<>();
        try (SegmentFileReader reader = SegmentFileReader.open(io, segment, batchBytesMax)) {
            long size = reader.sizeBytes();
            long runStart = -1;
            long runFirst = -1;
            long runLast = -1;
            long position = 0;
            while (position < size) { // each pass steps over a whole batch: bounded by the file's size
                SegmentFileReader.BatchRead read = reader.read(position);
                if (read.kind() != SegmentFileReader.BatchRead.Kind.BATCH) {
                    throw new IOException("Segment " + segment + " changed since its log opened sound: " + read.kind()
                            + " at position " + position + " (" + read.problem() + ")");
                }
                reader.validate(read);
                ByteBuffer batch = read.batch();
                long first = RecordBatch.baseOffset(batch, 0);
                long last = RecordBatch.lastOffset(batch, 0);
                Optional<String> problem = contents.problem(batch.duplicate());
                if (problem.isEmpty()) {
                    if (runStart < 0) {
                        runStart = position;
                        runFirst = first;
                    }
                    runLast = last;
                } else {
                    if (runStart >= 0) {
                        kept.add(new SegmentSalvage.Kept(runStart, position - runStart, runFirst, runLast));
                        runStart = -1;
                    }
                    refused.add(new SegmentSalvage.Damage(position, read.sizeBytes(), first, OptionalLong.of(last),
                            OptionalLong.of(last), problem.get()));
                }
                position += read.sizeBytes();
                readBytes += read.sizeBytes();
                if (readBytes / progressIntervalBytes != (readBytes - read.sizeBytes()) / progressIntervalBytes) {
                    progress.verified(readBytes, segment);
                }
            }
            if (runStart >= 0) {
                kept.add(new SegmentSalvage.Kept(runStart, position - runStart, runFirst, runLast));
            }
        }
        return new SegmentSalvage.Pieces(List.copyOf(kept), List.copyOf(refused));
    }
}
