package dev.spool.log.tool;

import dev.spool.log.TopicPartition;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.BatchClassifier;
import dev.spool.log.segment.BatchCursor;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The file work of {@link LogRepair}, apart from its decisions: listing a partition's segments,
 * reading one whole, walking its headers (with the engine's {@link BatchCursor}), durable
 * {@code .broken} copies (tmp, force, rename), the empty batches that keep lost offsets taken, and
 * lowering the checkpoints to a repaired log's end. Stateless beyond its {@link FileIO}; not
 * thread-safe, as the repair that uses it.
 */
final class RepairFiles {
    private static final int COPY_CHUNK_BYTES = 1 << 20;
    private static final int BROKEN_NAMES_MAX = 1000;

    private final FileIO io;

    RepairFiles(FileIO io) {
        this.io = io;
    }

    /** Lowers {@code partition}'s entries of the data directory's checkpoints to {@code end} where they lie past it. */
    void lowerCheckpoints(Path dataDir, TopicPartition partition, long end) throws IOException {
        for (String name : List.of(DataDirFiles.RECOVERY_POINT_CHECKPOINT, DataDirFiles.LOG_START_CHECKPOINT)) {
            Path file = dataDir.resolve(name);
            Map<TopicPartition, Long> offsets = new HashMap<>(OffsetCheckpointFile.read(io, file));
            Long value = offsets.get(partition);
            if (value != null && value > end) {
                offsets.put(partition, end);
                OffsetCheckpointFile.write(io, file, offsets);
            }
        }
    }

    static long writeGap(StorageFile out, long at, long first, long last) throws IOException {
        for (long from = first; from <= last; ) { // one batch spans at most 2^31 offsets
            int delta = (int) Math.min(last - from, Integer.MAX_VALUE);
            ByteBuffer gap = RecordBatch.gapBatch(from, delta);
            out.write(gap, at);
            at += RecordBatch.HEADER_BYTES;
            from += (long) delta + 1;
        }
        return at;
    }

    List<Long> segmentBases(Path dir) throws IOException {
        List<Long> bases = new ArrayList<>();
        for (Path path : io.list(dir)) {
            SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.LOG_SUFFIX).ifPresent(bases::add);
        }
        java.util.Collections.sort(bases);
        return bases;
    }

    Path lastSegment(Path dir) throws IOException {
        List<Long> bases = segmentBases(dir);
        if (bases.isEmpty()) {
            throw new IOException("No segment in " + dir);
        }
        return SegmentFiles.logFile(dir, bases.get(bases.size() - 1));
    }

    static long baseOf(Path segment) throws IOException {
        return SegmentFiles.baseOffsetOf(segment.getFileName().toString(), SegmentFiles.LOG_SUFFIX)
                .orElseThrow(() -> new IOException("Not a segment file: " + segment));
    }

    /**
     * The log's end as its last segment's headers say ({@link #offsetAfterHeaders}) when the
     * segment at {@code index} of {@code bases} is not the last one; empty when it is (its own
     * batches say where the log ends).
     */
    OptionalLong logEndAfter(Path dir, List<Long> bases, int index) throws IOException {
        if (index + 1 >= bases.size()) {
            return OptionalLong.empty();
        }
        long last = bases.get(bases.size() - 1);
        return offsetAfterHeaders(SegmentFiles.logFile(dir, last), last);
    }

    /** The whole segment in memory: a segment is below 2 GiB (the scanner refuses more). */
    ByteBuffer readAll(Path segment) throws IOException {
        try (StorageFile in = io.open(segment, FileIO.OpenMode.READ)) {
            long size = in.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException("Segment " + segment + " is " + size + " bytes, above 2 GiB");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            in.readFully(bytes, 0);
            return bytes.flip();
        }
    }

    /**
     * The offset after the last batch whose header follows on from the one before in
     * {@code segment}, walking headers only (no CRC): the log's end as far as the prompt needs it.
     * Empty if the walk cannot start.
     */
    OptionalLong offsetAfterHeaders(Path segment, long base) throws IOException {
        long next = base;
        try (StorageFile in = io.open(segment, FileIO.OpenMode.READ)) {
            BatchCursor cursor = BatchCursor.overHeaders(in, segment, 0, in.size(), Integer.MAX_VALUE);
            while (true) { // each pass moves the cursor forward by a whole batch, or stops
                BatchClassifier.Verdict verdict = cursor.read();
                // A header that reads, even of a batch cut short at the end, says how far the log went.
                boolean header = verdict.isValid() || (verdict.kind() == BatchClassifier.Kind.TORN_TAIL
                        && cursor.hasHeader() && cursor.sizeBytes() >= RecordBatch.HEADER_BYTES);
                if (!header || cursor.baseOffset() != next || cursor.lastOffsetDelta() < 0) {
                    break;
                }
                next = cursor.lastOffset() + 1;
                if (!verdict.isValid()) {
                    break;
                }
                cursor.advance();
            }
        }
        return OptionalLong.of(next);
    }

    /** Copies {@code bytes} bytes of {@code source} from {@code position} to a fresh {@code .broken} name: tmp, force, rename. */
    Path copy(Path source, long position, long bytes) throws IOException {
        Path target = brokenName(source);
        Path tmp = target.resolveSibling(target.getFileName() + SegmentFiles.TMP_SUFFIX);
        io.deleteIfExists(tmp);
        try (StorageFile in = io.open(source, FileIO.OpenMode.READ);
             StorageFile out = io.open(tmp, FileIO.OpenMode.CREATE_NEW)) {
            copyRange(in, position, bytes, out, 0);
            out.force(true);
        }
        io.rename(tmp, target);
        return target;
    }

    /** Copies {@code bytes} bytes at {@code from} of {@code in} to {@code out} at {@code to}; returns the position after. */
    static long copyRange(StorageFile in, long from, long bytes, StorageFile out, long to) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(COPY_CHUNK_BYTES, Math.max(bytes, 1)));
        for (long done = 0; done < bytes; ) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), bytes - done));
            in.readFully(chunk, from + done);
            chunk.flip();
            out.write(chunk, to + done);
            done += chunk.limit();
        }
        return to + bytes;
    }

    Path brokenName(Path file) throws IOException {
        Path candidate = file.resolveSibling(file.getFileName() + SegmentFiles.BROKEN_SUFFIX);
        for (int i = 1; io.exists(candidate); i++) {
            if (i > BROKEN_NAMES_MAX) {
                throw new IOException("Too many " + SegmentFiles.BROKEN_SUFFIX + " copies of " + file);
            }
            candidate = file.resolveSibling(file.getFileName() + SegmentFiles.BROKEN_SUFFIX + "." + i);
        }
        return candidate;
    }
}
