package dev.spool.log.catalog;

import dev.spool.log.Log;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.TopicDescription;
import dev.spool.log.TopicPartition;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One partition of the catalog: its open log, or, when its files are damaged (its log's, or its
 * {@code topic.config}, see {@link PartitionLoader}), the damage that
 * keeps it offline together with the checkpoint entries it had when the data directory was
 * opened. Those entries are written into every later checkpoint unchanged: {@code spool repair}
 * and the next open judge the damage against the recovery point the log really had, which a
 * checkpoint without the partition would lose.
 *
 * @param dir                the partition's directory
 * @param log                the open log; null when offline
 * @param offline            why the partition is offline; null when online
 * @param keptRecoveryPoint  an offline partition's checkpointed recovery point; null when none was checkpointed
 * @param keptLogStartOffset an offline partition's checkpointed log start offset; null when none
 */
public record PartitionEntry(Path dir, Log log, PartitionOfflineException offline, Long keptRecoveryPoint,
                             Long keptLogStartOffset) {

    public static PartitionEntry online(Log log) {
        return new PartitionEntry(log.dir(), log, null, null, null);
    }

    public static PartitionEntry offline(Path dir, PartitionOfflineException damage, Long recoveryPoint,
                                         Long logStartOffset) {
        return new PartitionEntry(dir, null, damage, recoveryPoint, logStartOffset);
    }

    public boolean isOnline() {
        return log != null;
    }

    /**
     * Whether the partition is offline because its {@code topic.config} (or partition 0's, which
     * speaks for the topic) is missing or does not parse, rather than for damage in its log.
     */
    public boolean settingsUnreadable() {
        return offline != null && offline.getCause() instanceof TopicConfigFile.DamagedException;
    }

    /** The log; when offline, throws {@link #offline} again ({@link PartitionOfflineException#again}). */
    public Log openLog() {
        if (log == null) {
            throw offline.again();
        }
        return log;
    }

    /** The recovery point to checkpoint: the log's, or the one kept; null when none is known. */
    public Long recoveryPoint() {
        return log != null ? Long.valueOf(log.recoveryPoint()) : keptRecoveryPoint;
    }

    /** The log start offset to checkpoint: the log's, or the one kept; null when none is known. */
    public Long logStartOffset() {
        return log != null ? Long.valueOf(log.logStartOffset()) : keptLogStartOffset;
    }

    /**
     * The partition's offsets and size as partition {@code index}. An offline one is described by
     * its kept offsets (0 when none), with no size and no segments.
     */
    public TopicDescription.PartitionDescription describe(int index) {
        if (log != null) {
            return new TopicDescription.PartitionDescription(index, log.logStartOffset(), log.logEndOffset(),
                    log.sizeBytes(), log.segmentCount());
        }
        long start = keptLogStartOffset == null ? 0 : keptLogStartOffset;
        long end = keptRecoveryPoint == null ? start : Math.max(start, keptRecoveryPoint);
        return TopicDescription.PartitionDescription.offline(index, start, end);
    }

    /** The log, or empty when offline. */
    public Optional<Log> onlineLog() {
        return Optional.ofNullable(log);
    }

    /** Adds the entries to checkpoint of every partition of {@code topics} ({@link #recoveryPoint}, {@link #logStartOffset}). */
    static void addCheckpointEntries(Map<String, List<PartitionEntry>> topics, Map<TopicPartition, Long> recoveryPoints,
                                     Map<TopicPartition, Long> logStarts) {
        topics.forEach((topic, partitions) -> {
            for (int p = 0; p < partitions.size(); p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                putIfKnown(recoveryPoints, tp, partitions.get(p).recoveryPoint());
                putIfKnown(logStarts, tp, partitions.get(p).logStartOffset());
            }
        });
    }

    private static void putIfKnown(Map<TopicPartition, Long> offsets, TopicPartition tp, Long offset) {
        if (offset != null) {
            offsets.put(tp, offset);
        }
    }
}
