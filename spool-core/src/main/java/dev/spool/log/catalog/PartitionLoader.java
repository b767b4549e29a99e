package dev.spool.log.catalog;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.compaction.CleanerFiles;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens every partition of a data directory, as the checkpoints and the clean-shutdown marker
 * say (read by {@link DataDir}): each partition directory's {@code topic.config} gives its
 * topic's settings (partition 0's copy speaks for the topic), and each log is opened with its
 * checkpointed recovery point and log start offset.
 *
 * <h2>Damage keeps a partition offline, never the whole directory</h2>
 * A partition is kept offline ({@link PartitionEntry#offline}, one ERROR line) and every other
 * one opens when:
 * <ul>
 * <li>its log's files are damaged ({@link PartitionOfflineException#isDamage}): {@code spool
 *     repair <topic>} cuts the damage;</li>
 * <li>its own {@code topic.config} does not parse, or is missing where Spool must have written
 *     it ({@link TopicConfigFile.DamagedException}): its settings are not guessed, and the
 *     message says to restore the file ({@code spool repair} restores it from a copy). When
 *     that is partition 0's copy, the one that speaks for the topic, the topic's settings are
 *     unknown and <em>every</em> partition of the topic is offline with that damage (the topic
 *     then has no entry in {@link Loaded#configs}). A damaged copy in partition N &gt; 0 takes
 *     only partition N offline: the rule is "a partition opens only with its own readable
 *     copy", and the settings that apply stay partition 0's.</li>
 * </ul>
 * Anything else fails the whole open, after the logs opened so far are closed: a gap in a
 * topic's partition numbers, an I/O error (these are not damage in one topic's files).
 */
final class PartitionLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLoader.class);

    /** The catalog as opened: each topic's partitions in order, and each topic's settings. */
    record Loaded(Map<String, List<PartitionEntry>> topics, Map<String, TopicConfig> configs) {
        int partitionCount() {
            return topics.values().stream().mapToInt(List::size).sum();
        }
    }

    private final FileIO io;
    private final DataDir dataDir;
    private final LogConfig defaults;
    private final Topics catalog;
    private final Map<String, List<PartitionEntry>> topics = new HashMap<>();
    private final Map<String, TopicConfig> configs = new HashMap<>();
    private final Map<String, LogConfig> logConfigs = new HashMap<>();
    /** The topics whose partition 0 has no readable {@code topic.config}, each with that damage. */
    private final Map<String, TopicConfigFile.DamagedException> unreadable = new HashMap<>();

    PartitionLoader(FileIO io, DataDir dataDir, LogConfig defaults, Topics catalog) {
        this.io = io;
        this.dataDir = dataDir;
        this.defaults = defaults;
        this.catalog = catalog;
    }

    /**
     * Opens every partition of {@code found} (sorted, so each topic's partitions come in order),
     * and reads the topics' ids into {@code ids}.
     */
    Loaded load(TreeMap<TopicPartition, Path> found, DataDir.Checkpoints checkpoints, boolean clean, TopicIds ids)
            throws IOException {
        try {
            for (Map.Entry<TopicPartition, Path> entry : found.entrySet()) {
                TopicPartition tp = entry.getKey();
                List<PartitionEntry> partitions = topics.computeIfAbsent(tp.topic(), t -> new ArrayList<>());
                if (tp.partition() != partitions.size()) {
                    throw new IOException("Topic " + tp.topic() + " in " + dataDir.path() + " has partition "
                            + tp.partition() + " but not partition " + partitions.size()
                            + ": partitions must be numbered from 0");
                }
                partitions.add(open(tp, entry.getValue(), checkpoints, clean));
            }
            Map<String, List<Path>> dirs = new HashMap<>();
            topics.forEach((name, partitions) -> dirs.put(name, partitions.stream().map(PartitionEntry::dir).toList()));
            ids.load(io, dirs);
        } catch (IOException | RuntimeException e) {
            closeWithoutFlush(e);
            throw e;
        }
        Map<String, List<PartitionEntry>> frozen = new HashMap<>();
        topics.forEach((topic, partitions) -> frozen.put(topic, List.copyOf(partitions)));
        return new Loaded(frozen, configs);
    }

    private PartitionEntry open(TopicPartition tp, Path dir, DataDir.Checkpoints checkpoints, boolean clean)
            throws IOException {
        Long recoveryPoint = checkpoints.recoveryPoints().get(tp);
        Long logStart = checkpoints.logStarts().get(tp);
        LogConfig logConfig;
        try {
            logConfig = logConfig(tp, dir, checkpoints.recoveryPoints());
        } catch (TopicConfigFile.DamagedException e) {
            return offline(tp, dir, recoveryPoint, logStart, new PartitionOfflineException(tp, e, e.file(),
                    "run 'spool repair " + tp.topic() + "' to restore it from a copy in another partition that reads,"
                            + " or restore it by hand"));
        }
        try {
            return PartitionEntry.online(catalog.openLog(dir, logConfig,
                    new LoadState(clean, optional(recoveryPoint), optional(logStart))));
        } catch (CleanerFiles.DamagedSwapException e) {
            return offline(tp, dir, recoveryPoint, logStart, new PartitionOfflineException(tp, e, e.file(),
                    "restore the partition's directory from a copy"));
        } catch (IOException e) {
            if (!PartitionOfflineException.isDamage(e)) {
                throw e;
            }
            return offline(tp, dir, recoveryPoint, logStart, new PartitionOfflineException(tp, e));
        }
    }

    private static PartitionEntry offline(TopicPartition tp, Path dir, Long recoveryPoint, Long logStart,
                                          PartitionOfflineException offline) {
        LOG.error("{}; the other partitions serve", offline.getMessage());
        return PartitionEntry.offline(dir, offline, recoveryPoint, logStart);
    }

    /**
     * The settings {@code tp}'s log opens with: its topic's, read from partition 0's
     * {@code topic.config}. A partition without the file is refused when Spool must have written
     * it, and adopted otherwise (see {@link TopicConfigFile}); a partition N &gt; 0 is refused too
     * when its own copy does not parse, or when partition 0's was refused.
     *
     * @throws TopicConfigFile.DamagedException when the partition is refused: it stays offline
     */
    private LogConfig logConfig(TopicPartition tp, Path dir, Map<TopicPartition, Long> recoveryPoints)
            throws IOException {
        TopicConfigFile.DamagedException topicDamage = unreadable.get(tp.topic());
        if (topicDamage != null) { // partition 0's copy, which speaks for the topic, was refused
            throw topicDamage;
        }
        boolean hasTopicConfig = TopicConfigFile.exists(io, dir);
        if (!hasTopicConfig && TopicConfigFile.isRequired(io, dataDir.path(), tp, recoveryPoints)) {
            throw refused(tp, TopicConfigFile.missing(dir));
        }
        if (!configs.containsKey(tp.topic())) { // partition 0: its copy of the settings speaks for the topic
            TopicConfigFile.Stored stored = readStored(tp, dir, TopicConfig.defaults(defaults));
            configs.put(tp.topic(), stored.config());
            logConfigs.put(tp.topic(), stored.config().applyTo(defaults, stored.batchBytesMaxStored()));
        } else if (hasTopicConfig) {
            readStored(tp, dir, configs.get(tp.topic())); // only to refuse a damaged copy: partition 0's apply
        }
        if (!hasTopicConfig) { // foreign or not yet listed: adopted (see TopicConfigFile)
            LOG.warn("{} has no {}: adopting it with the settings of its topic ({})", dir, TopicConfigFile.FILE_NAME,
                    configs.get(tp.topic()));
            TopicConfigFile.write(io, dir, configs.get(tp.topic()), logConfigs.get(tp.topic()).batchBytesMax());
        }
        return logConfigs.get(tp.topic());
    }

    private TopicConfigFile.Stored readStored(TopicPartition tp, Path dir, TopicConfig defaults) throws IOException {
        try {
            return TopicConfigFile.readStored(io, dir, defaults);
        } catch (TopicConfigFile.DamagedException e) {
            throw refused(tp, e);
        }
    }

    /** Notes a refused partition 0: the topic's settings are unknown, so its other partitions are refused too. */
    private TopicConfigFile.DamagedException refused(TopicPartition tp, TopicConfigFile.DamagedException damage) {
        if (tp.partition() == 0) {
            unreadable.put(tp.topic(), damage);
        }
        return damage;
    }

    private void closeWithoutFlush(Exception cause) {
        topics.values().forEach(partitions -> catalog.closeWithoutFlush(cause, partitions));
    }

    private static OptionalLong optional(Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }
}
