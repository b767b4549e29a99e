package dev.spool.log.catalog;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
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
 * <p>A log whose files are damaged ({@link PartitionOfflineException#isDamage}) does not fail the
 * open: its partition is kept offline ({@link PartitionEntry#offline}) with one ERROR line, and
 * every other partition opens. Anything else fails the whole open, after the logs opened so far
 * are closed: a gap in a topic's partition numbers, a required {@code topic.config} that is
 * missing or does not parse, an I/O error.
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
        LogConfig logConfig = logConfig(tp, dir, checkpoints.recoveryPoints());
        try {
            return PartitionEntry.online(catalog.openLog(dir, logConfig,
                    new LoadState(clean, optional(recoveryPoint), optional(logStart))));
        } catch (IOException e) {
            if (!PartitionOfflineException.isDamage(e)) {
                throw e;
            }
            PartitionOfflineException offline = new PartitionOfflineException(tp, e);
            LOG.error("{}; the other partitions serve", offline.getMessage());
            return PartitionEntry.offline(dir, offline, recoveryPoint, logStart);
        }
    }

    /**
     * The settings {@code tp}'s log opens with: its topic's, read from partition 0's
     * {@code topic.config}. A partition without the file is refused when Spool must have written
     * it, and adopted otherwise (see {@link TopicConfigFile}).
     */
    private LogConfig logConfig(TopicPartition tp, Path dir, Map<TopicPartition, Long> recoveryPoints)
            throws IOException {
        boolean hasTopicConfig = TopicConfigFile.exists(io, dir);
        if (!hasTopicConfig && TopicConfigFile.isRequired(io, dataDir.path(), tp, recoveryPoints)) {
            throw new IOException(TopicConfigFile.missingProblem(dir));
        }
        if (!configs.containsKey(tp.topic())) { // partition 0: its copy of the settings speaks for the topic
            TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, dir, TopicConfig.defaults(defaults));
            configs.put(tp.topic(), stored.config());
            logConfigs.put(tp.topic(), stored.config().applyTo(defaults, stored.batchBytesMaxStored()));
        }
        if (!hasTopicConfig) { // foreign or not yet listed: adopted (see TopicConfigFile)
            LOG.warn("{} has no {}: adopting it with the settings of its topic ({})", dir, TopicConfigFile.FILE_NAME,
                    configs.get(tp.topic()));
            TopicConfigFile.write(io, dir, configs.get(tp.topic()), logConfigs.get(tp.topic()).batchBytesMax());
        }
        return logConfigs.get(tp.topic());
    }

    private void closeWithoutFlush(Exception cause) {
        topics.values().forEach(partitions -> catalog.closeWithoutFlush(cause, partitions));
    }

    private static OptionalLong optional(Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }
}
