package dev.spool.log;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts a corrupt partition log explicitly, keeping a copy of everything it removes: the engine of
 * {@code spool repair}. Recovery never skips corruption ({@link CorruptLogException}); this is the
 * one place that removes data, and only when asked.
 *
 * <h2>Steps (commit order: copies are durable before anything is cut)</h2>
 * <ol>
 * <li>{@link #plan}: open the partition's log with a full scan (as if no checkpoint existed), so
 *     every batch of every segment is checked. If it opens, nothing is wrong, unless the
 *     checkpointed recovery point lies past its end (a log manager would refuse it: flushed data
 *     is missing), in which case the plan only lowers the checkpoint. If it fails with
 *     {@link CorruptLogException}, the plan cuts the named segment at the named position and
 *     removes every later segment: offsets after the cut are no longer contiguous with it.</li>
 * <li>{@link #execute}: copy the damaged segment to {@code <file>.broken} (tmp, force, rename),
 *     rename each later segment to {@code <file>.broken}, sync the directory; then truncate the
 *     damaged segment, force it, delete its indexes and the later segments' (rebuilt on open),
 *     sync the directory; reopen the log with a full scan to prove it sound; finally lower the
 *     partition's checkpointed recovery point and log start offset to the new end if they lie
 *     past it.</li>
 * </ol>
 * A {@code .broken} name never replaces an existing file: a second repair of the same segment
 * gets {@code .broken.1}, and so on. The log loader ignores {@code .broken} files.
 *
 * <p>Holds the data directory's lock from {@link #open} to {@link #close}, so no log manager can
 * use the directory meanwhile. Not thread-safe.
 */
public final class LogRepair implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogRepair.class);
    private static final int COPY_CHUNK_BYTES = 1 << 20;
    private static final int BROKEN_NAMES_MAX = 1000;

    private final Path dataDir;
    private final LogManagerConfig config;
    private final FileIO io;
    private final AutoCloseable lock;

    private LogRepair(Path dataDir, LogManagerConfig config, AutoCloseable lock) {
        this.dataDir = dataDir;
        this.config = config;
        this.io = config.io();
        this.lock = lock;
    }

    /**
     * Takes the lock of an existing data directory.
     *
     * @throws dev.spool.log.io.DirectoryLockedException when another process uses it
     */
    public static LogRepair open(Path dataDir, LogManagerConfig config) throws IOException {
        if (!config.io().isDirectory(dataDir)) {
            throw new java.nio.file.NoSuchFileException(dataDir.toString(), null, "no such data directory");
        }
        return new LogRepair(dataDir, config, config.io().lock(dataDir.resolve(LogManager.LOCK_FILE)));
    }

    /** The partitions of {@code topic} found on disk, in order; throws {@link UnknownTopicException} if none. */
    public List<TopicPartition> partitions(String topic) throws IOException {
        TopicName.validate(topic);
        List<TopicPartition> out = new ArrayList<>(
                new LogVerifier(io, config.logConfig()).partitionsOf(dataDir, Optional.of(topic)).keySet());
        if (out.isEmpty()) {
            throw new UnknownTopicException("Unknown topic '" + topic + "' in " + dataDir);
        }
        return out;
    }

    /**
     * What repairing {@code partition} would do, or empty when its log opens and every batch
     * checks out (nothing to repair). Opening a sound log runs ordinary recovery: a torn tail is
     * truncated and indexes are rebuilt, as any open would.
     */
    public Optional<Plan> plan(TopicPartition partition) throws IOException {
        Path dir = dataDir.resolve(partition.dirName());
        if (!io.isDirectory(dir)) {
            throw new UnknownTopicException("No partition " + partition.partition() + " of topic '"
                    + partition.topic() + "' in " + dataDir);
        }
        Map<TopicPartition, Long> recoveryPoints = OffsetCheckpointFile.read(io,
                dataDir.resolve(LogManager.RECOVERY_POINT_CHECKPOINT));
        try {
            long end = openAndClose(dir, partition);
            Long recoveryPoint = recoveryPoints.get(partition);
            if (recoveryPoint != null && recoveryPoint > end) {
                Path last = lastSegment(dir);
                return Optional.of(new Plan(partition, last, io.size(last), io.size(last), List.of(), 0L,
                        "the log ends at offset " + end + " but the checkpoint says offsets up to " + recoveryPoint
                                + " were flushed"));
            }
            return Optional.empty();
        } catch (CorruptLogException e) {
            Path segment = e.file();
            if (!dir.equals(segment.getParent())) {
                throw new IOException("Corruption reported in " + segment + ", outside " + dir, e);
            }
            long base = SegmentFiles.baseOffsetOf(segment.getFileName().toString(), SegmentFiles.LOG_SUFFIX)
                    .orElseThrow(() -> new IOException("Not a segment file: " + segment, e));
            List<Path> later = new ArrayList<>();
            long laterBytes = 0;
            for (Path path : io.list(dir)) {
                OptionalLong other = SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.LOG_SUFFIX);
                if (other.isPresent() && other.getAsLong() > base) {
                    later.add(path);
                    laterBytes += io.size(path);
                }
            }
            long size = io.size(segment);
            return Optional.of(new Plan(partition, segment, Math.min(e.position(), size), size, List.copyOf(later),
                    laterBytes, e.getMessage()));
        }
    }

    /** Carries out a plan made by {@link #plan} under this lock; refuses if the files changed since. */
    public Result execute(Plan plan) throws IOException {
        Path dir = plan.segment().getParent();
        if (io.size(plan.segment()) != plan.segmentBytes()) {
            throw new IOException("Segment " + plan.segment() + " changed since the repair was planned ("
                    + io.size(plan.segment()) + " bytes, planned " + plan.segmentBytes() + "); plan again");
        }
        List<Path> copies = new ArrayList<>();
        if (plan.bytesRemoved() > 0) {
            copies.add(copy(plan.segment()));
        }
        for (Path later : plan.laterSegments()) {
            Path broken = brokenName(later);
            io.rename(later, broken);
            copies.add(broken);
            // Its hash-chain sidecar is evidence too: keep it beside the copy, not as an orphan the loader removes.
            long base = SegmentFiles.baseOffsetOf(later.getFileName().toString(), SegmentFiles.LOG_SUFFIX).orElseThrow();
            Path chain = SegmentFiles.chainFile(dir, base);
            if (io.exists(chain)) {
                Path brokenChain = brokenName(chain);
                io.rename(chain, brokenChain);
                copies.add(brokenChain);
            }
        }
        io.syncDirectory(dir);
        if (plan.bytesRemoved() > 0) {
            try (StorageFile file = io.open(plan.segment(), FileIO.OpenMode.READ_WRITE)) {
                file.truncate(plan.position());
                file.force(true);
            }
        }
        List<Path> touched = new ArrayList<>(plan.laterSegments());
        touched.add(plan.segment());
        for (Path segment : touched) {
            long base = SegmentFiles.baseOffsetOf(segment.getFileName().toString(), SegmentFiles.LOG_SUFFIX)
                    .orElseThrow();
            io.deleteIfExists(SegmentFiles.indexFile(dir, base));
            io.deleteIfExists(SegmentFiles.timeIndexFile(dir, base));
        }
        io.syncDirectory(dir);
        LOG.warn("Repaired {}: cut {} at position {} ({} bytes) and removed {} later segment(s); copies kept: {}",
                plan.partition(), plan.segment(), plan.position(), plan.bytesRemoved(), plan.laterSegments().size(),
                copies);
        long end = openAndClose(dir, plan.partition());
        lowerCheckpoints(plan.partition(), end);
        return new Result(plan, List.copyOf(copies), end);
    }

    /** Opens the log with a full scan and closes it (flushing rebuilt indexes); returns its end offset. */
    private long openAndClose(Path dir, TopicPartition partition) throws IOException {
        Map<TopicPartition, Long> logStarts = OffsetCheckpointFile.read(io, dataDir.resolve(LogManager.LOG_START_CHECKPOINT));
        Long start = logStarts.get(partition);
        LoadState fullScan = new LoadState(false, OptionalLong.empty(),
                start == null ? OptionalLong.empty() : OptionalLong.of(start));
        // With the topic's own settings (its hash chain above all), as the log manager will open it.
        TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, dir, TopicConfig.defaults(config.logConfig()));
        LogConfig logConfig = stored.config().applyTo(config.logConfig(), stored.batchBytesMaxStored());
        try (Log log = Log.open(io, dir, logConfig, fullScan, config.clockMs())) {
            return log.logEndOffset();
        }
    }

    private void lowerCheckpoints(TopicPartition partition, long end) throws IOException {
        for (String name : List.of(LogManager.RECOVERY_POINT_CHECKPOINT, LogManager.LOG_START_CHECKPOINT)) {
            Path file = dataDir.resolve(name);
            Map<TopicPartition, Long> offsets = new HashMap<>(OffsetCheckpointFile.read(io, file));
            Long value = offsets.get(partition);
            if (value != null && value > end) {
                offsets.put(partition, end);
                OffsetCheckpointFile.write(io, file, offsets);
            }
        }
    }

    private Path lastSegment(Path dir) throws IOException {
        Path last = null;
        for (Path path : io.list(dir)) {
            if (SegmentFiles.baseOffsetOf(path.getFileName().toString(), SegmentFiles.LOG_SUFFIX).isPresent()) {
                last = path; // the listing is sorted, and names sort by base offset
            }
        }
        if (last == null) {
            throw new IOException("No segment in " + dir);
        }
        return last;
    }

    /** Copies a file to a fresh {@code .broken} name: tmp, force, rename. The caller syncs the directory. */
    private Path copy(Path source) throws IOException {
        Path target = brokenName(source);
        Path tmp = target.resolveSibling(target.getFileName() + SegmentFiles.TMP_SUFFIX);
        io.deleteIfExists(tmp);
        try (StorageFile in = io.open(source, FileIO.OpenMode.READ);
             StorageFile out = io.open(tmp, FileIO.OpenMode.CREATE_NEW)) {
            long size = in.size();
            ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(COPY_CHUNK_BYTES, Math.max(size, 1)));
            for (long at = 0; at < size; ) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), size - at));
                in.readFully(chunk, at);
                chunk.flip();
                out.write(chunk, at);
                at += chunk.limit();
            }
            out.force(true);
        }
        io.rename(tmp, target);
        return target;
    }

    private Path brokenName(Path file) throws IOException {
        Path candidate = file.resolveSibling(file.getFileName() + SegmentFiles.BROKEN_SUFFIX);
        for (int i = 1; io.exists(candidate); i++) {
            if (i > BROKEN_NAMES_MAX) {
                throw new IOException("Too many " + SegmentFiles.BROKEN_SUFFIX + " copies of " + file);
            }
            candidate = file.resolveSibling(file.getFileName() + SegmentFiles.BROKEN_SUFFIX + "." + i);
        }
        return candidate;
    }

    /** Releases the data directory's lock. */
    @Override
    public void close() throws IOException {
        try {
            lock.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("Cannot release the lock of " + dataDir, e);
        }
    }

    /**
     * A repair to make.
     *
     * @param partition     the partition
     * @param segment       the damaged segment's {@code .log} file
     * @param position      where it is cut: the first bad byte
     * @param segmentBytes  its size when planned
     * @param laterSegments segments after it, all removed (kept as {@code .broken})
     * @param laterBytes    their total size
     * @param problem       what is wrong, as recovery reported it
     */
    public record Plan(TopicPartition partition, Path segment, long position, long segmentBytes,
                       List<Path> laterSegments, long laterBytes, String problem) {

        /** Bytes cut from the damaged segment itself. */
        public long bytesRemoved() {
            return segmentBytes - position;
        }

        /** Whether any data is removed (a plan may only lower a stale checkpoint). */
        public boolean removesData() {
            return bytesRemoved() > 0 || !laterSegments.isEmpty();
        }
    }

    /**
     * A repair made.
     *
     * @param plan         what was done
     * @param brokenCopies where the removed bytes are kept
     * @param logEndOffset the log's end offset after the repair
     */
    public record Result(Plan plan, List<Path> brokenCopies, long logEndOffset) {
    }
}
