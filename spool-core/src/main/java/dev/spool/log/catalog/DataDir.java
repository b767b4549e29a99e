package dev.spool.log.catalog;

import dev.spool.log.TopicPartition;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data directory's own files, everything but the logs in it ({@link DataDirFiles} lists the
 * names): the exclusive lock, the clean-shutdown marker, the two offset checkpoints, and the
 * partition directories as directory entries: found, removed when a deletion or a creation was
 * interrupted, renamed out of the namespace to delete them.
 *
 * <p>Invariant: the instance holds the directory's lock from {@link #lock} to {@link #close}.
 * Thread-safety: the methods keep no state besides the lock; callers serialize writes of the
 * checkpoints (the log manager's checkpoint lock).
 */
public final class DataDir implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataDir.class);

    private final FileIO io;
    private final Path dir;
    private final AutoCloseable lock;

    /** The checkpoint files' entries; {@code trusted} is false when one did not parse (then nothing is listed). */
    public record Checkpoints(Map<TopicPartition, Long> recoveryPoints, Map<TopicPartition, Long> logStarts,
                              boolean trusted) {
    }

    private DataDir(FileIO io, Path dir, AutoCloseable lock) {
        this.io = io;
        this.dir = dir;
        this.lock = lock;
    }

    /** Creates {@code dir} if needed and takes its lock: a second process cannot open it meanwhile. */
    public static DataDir lock(FileIO io, Path dir) throws IOException {
        io.createDirectories(dir);
        return new DataDir(io, dir, io.lock(dir.resolve(DataDirFiles.LOCK_FILE)));
    }

    public Path path() {
        return dir;
    }

    public boolean hasCleanShutdownMarker() {
        return io.exists(dir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE));
    }

    /** Removes the marker, durably: from here on a crash must be seen as unclean. */
    public void removeCleanShutdownMarker() throws IOException {
        if (io.deleteIfExists(dir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE))) {
            io.syncDirectory(dir);
        }
    }

    /** Writes the marker durably; the caller writes it last, after everything it vouches for. */
    public void writeCleanShutdownMarker() throws IOException {
        try (StorageFile file = io.open(dir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE), FileIO.OpenMode.CREATE)) {
            file.force(true);
        }
        io.syncDirectory(dir);
    }

    /**
     * Both checkpoints. A checkpoint that does not parse is logged and ignored, and the recovery
     * points are then dropped too: the marker and the checkpoints beside a damaged one cannot be
     * trusted, so every log is scanned.
     */
    public Checkpoints readCheckpoints() throws IOException {
        Map<TopicPartition, Long> recoveryPoints = readCheckpoint(DataDirFiles.RECOVERY_POINT_CHECKPOINT);
        Map<TopicPartition, Long> logStarts = readCheckpoint(DataDirFiles.LOG_START_CHECKPOINT);
        if (recoveryPoints == null || logStarts == null) {
            return new Checkpoints(Map.of(), logStarts == null ? Map.of() : logStarts, false);
        }
        return new Checkpoints(recoveryPoints, logStarts, true);
    }

    private Map<TopicPartition, Long> readCheckpoint(String name) throws IOException {
        try {
            return OffsetCheckpointFile.read(io, dir.resolve(name));
        } catch (OffsetCheckpointFile.CorruptCheckpointException e) {
            LOG.warn("{}; ignoring it and scanning the logs", e.getMessage());
            return null;
        }
    }

    /** Replaces both checkpoint files, each atomically ({@link OffsetCheckpointFile}). */
    public void writeCheckpoints(Map<TopicPartition, Long> recoveryPoints, Map<TopicPartition, Long> logStarts)
            throws IOException {
        OffsetCheckpointFile.write(io, dir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT), recoveryPoints);
        OffsetCheckpointFile.write(io, dir.resolve(DataDirFiles.LOG_START_CHECKPOINT), logStarts);
    }

    /**
     * The partition directories, sorted. On the way, removes what an interrupted topic deletion
     * left ({@code -delete} directories) and skips directories named with {@code reservedPrefix}
     * and no partition suffix (an application's own state).
     */
    public TreeMap<TopicPartition, Path> partitionDirs(String reservedPrefix) throws IOException {
        TreeMap<TopicPartition, Path> found = new TreeMap<>();
        for (Path path : io.list(dir)) {
            String name = path.getFileName().toString();
            if (!io.isDirectory(path)) {
                continue;
            }
            if (name.endsWith(DataDirFiles.DELETE_SUFFIX)) {
                LOG.info("Removing {} left by an interrupted topic deletion", path);
                deleteRecursively(path);
                continue;
            }
            Optional<TopicPartition> partition = TopicPartition.parseDirName(name);
            if (partition.isPresent()) {
                found.put(partition.get(), path);
            } else if (name.startsWith(reservedPrefix)) {
                LOG.debug("Skipping {}: reserved for the application", path);
            } else {
                LOG.warn("Ignoring {}: not a topic-partition directory", path);
            }
        }
        return found;
    }

    /**
     * A topic is created in the checkpoint: its creation returns once the recovery-point
     * checkpoint lists its partitions. A topic of {@code found} that {@code recoveryPoints} does
     * not list, whose partition directories are not numbered 0..n-1 and hold no records, is a
     * creation a crash interrupted (some directory entries reached the disk, others did not): its
     * directories are removed from the disk and from {@code found}, with a warning. Gaps in any
     * other topic are damage, which the caller reports.
     */
    public void removeInterruptedCreations(TreeMap<TopicPartition, Path> found,
                                           Map<TopicPartition, Long> recoveryPoints) throws IOException {
        Map<String, List<TopicPartition>> byTopic = new TreeMap<>();
        found.keySet().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp));
        Set<String> checkpointed = new HashSet<>();
        recoveryPoints.keySet().forEach(tp -> checkpointed.add(tp.topic()));
        boolean removed = false;
        for (Map.Entry<String, List<TopicPartition>> topic : byTopic.entrySet()) {
            List<TopicPartition> partitions = topic.getValue(); // sorted by partition
            boolean numberedFromZero = partitions.get(partitions.size() - 1).partition() == partitions.size() - 1;
            if (numberedFromZero || checkpointed.contains(topic.getKey())) {
                continue;
            }
            boolean empty = true;
            for (TopicPartition tp : partitions) {
                empty &= holdsNoRecords(found.get(tp));
            }
            if (!empty) {
                continue; // damage, not an interrupted creation: the caller reports the gap
            }
            LOG.warn("Removing topic {} from {}: its creation was interrupted (partitions {} of no records, "
                    + "never checkpointed)", topic.getKey(), dir, partitions.stream().map(TopicPartition::partition)
                    .toList());
            for (TopicPartition tp : partitions) {
                deleteRecursively(found.remove(tp));
            }
            removed = true;
        }
        if (removed) {
            io.syncDirectory(dir);
        }
    }

    private boolean holdsNoRecords(Path partitionDir) throws IOException {
        for (Path file : io.list(partitionDir)) {
            if (file.getFileName().toString().endsWith(SegmentFiles.LOG_SUFFIX) && io.size(file) > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes partition directories out of the namespace, in the order given, and removes them:
     * each is renamed to a random {@code -delete} name, the data directory is synced (the topic
     * is gone after a crash from here on), then the files are removed (or, after a crash, by the
     * next {@link #partitionDirs}).
     */
    public void delete(List<Path> partitionDirs) throws IOException {
        List<Path> renamed = new ArrayList<>();
        for (Path partitionDir : partitionDirs) {
            Path target = dir.resolve(UUID.randomUUID().toString().replace("-", "") + DataDirFiles.DELETE_SUFFIX);
            io.rename(partitionDir, target);
            renamed.add(target);
        }
        io.syncDirectory(dir);
        for (Path path : renamed) {
            deleteRecursively(path);
        }
    }

    /** Removes {@code path} and everything under it; nothing when it does not exist. */
    public void deleteRecursively(Path path) throws IOException {
        if (io.isDirectory(path)) {
            for (Path child : io.list(path)) {
                deleteRecursively(child);
            }
        }
        io.deleteIfExists(path);
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            lock.close();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("Cannot release the lock of " + dir, e);
        }
    }
}
