package dev.spool.log;

import dev.spool.log.catalog.BackgroundTasks;
import dev.spool.log.compaction.CompactionManager;
import dev.spool.log.catalog.DataDir;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.LogAccess;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.PartitionMetadataFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.catalog.Topics;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logs of one data directory: one {@link Log} per topic-partition, in a directory named
 * {@code topic-partition}. A facade over the catalog ({@code dev.spool.log.catalog}): the data
 * directory's own files ({@link DataDir}), the topics ({@link Topics}) and the background work
 * ({@link BackgroundTasks}). Opening the manager takes an exclusive lock on the directory, reads
 * the checkpoints and the clean-shutdown marker, and opens every log with what they say.
 *
 * <p>The data directory holds, besides one directory per partition ({@code orders-0/}, each with
 * its topic's {@code topic.config} and {@code partition.metadata}, {@link PartitionMetadataFile}),
 * the lock, the clean-shutdown marker and two checkpoints ({@link DataDirFiles} lists them). The
 * checkpoints are written atomically ({@link OffsetCheckpointFile}) every
 * {@code checkpointIntervalMs}, on {@link #flush()} and {@link #close()}, and whenever a topic or
 * partition is created (the commit point of a creation).
 *
 * <h2>A damaged partition</h2>
 * A log whose files are damaged (a corrupt batch, flushed data missing) does not stop the
 * manager: the partition stays offline and every other one opens and serves. {@link #log} and
 * {@link #findLog} throw {@link PartitionOfflineException} for it (naming the file and position,
 * and saying to run {@code spool repair <topic>}), {@link #offlinePartitions()} lists it, and the
 * checkpoints keep the entries it had, which the repair and the next open judge the damage by.
 * Nothing in its segments is cut or rewritten, and the next open examines them again. A
 * {@code topic.config} that does not parse, or is missing where Spool wrote it, keeps its partition
 * offline the same way (partition 0's, which speaks for the topic: every partition of the topic,
 * whose {@link #topicConfig}, {@link #describeTopic} and alterations then throw that
 * {@link PartitionOfflineException}); the message says to run {@code spool repair}, which
 * restores it from a copy that reads.
 *
 * <p>Thread-safe. Topic creation, alteration ({@link #alterTopicConfig}) and deletion are
 * serialized; logs are used concurrently.
 */
public final class LogManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);
    /**
     * Directories of the data directory named with this prefix and no {@code -N} partition suffix
     * belong to the application embedding the log manager (the Kafka server keeps its group offsets
     * in {@code __consumer_offsets}); the manager leaves them alone.
     */
    public static final String RESERVED_PREFIX = "__";

    private final LogManagerConfig config;
    private final DataDir dataDir;
    private final BackgroundTasks tasks;
    private final Topics topics;
    private final boolean openedClean;
    /** Cleans the logs of compacted topics and keeps the cleaner checkpoint. */
    private final CompactionManager compaction;

    private LogManager(LogManagerConfig config, DataDir dataDir, BackgroundTasks tasks, Topics topics,
                       boolean openedClean) {
        this.config = config;
        this.dataDir = dataDir;
        this.tasks = tasks;
        this.topics = topics;
        this.openedClean = openedClean;
        this.compaction = new CompactionManager(config.io(), dataDir.path(), config.cleaner(), config.clockMs(),
                config.meterRegistry());
    }

    /** Opens (creating if needed) the data directory with default settings. */
    public static LogManager open(Path dataDir) throws IOException {
        return open(dataDir, LogManagerConfig.defaults());
    }

    public static LogManager open(Path path, LogManagerConfig config) throws IOException {
        DataDir dataDir = DataDir.lock(config.io(), path);
        BackgroundTasks tasks = BackgroundTasks.start(path, config.ioExecutor());
        try {
            DataDir.Checkpoints checkpoints = dataDir.readCheckpoints();
            // A damaged checkpoint cannot be trusted, and neither can the marker beside it.
            boolean clean = dataDir.hasCleanShutdownMarker() && checkpoints.trusted();
            Topics topics = Topics.open(config.io(), dataDir, checkpoints, clean, config.logConfig(),
                    config.partitionsMax(), RESERVED_PREFIX, new ManagedLogs(config, tasks));
            LogManager manager = new LogManager(config, dataDir, tasks, topics, clean);
            try {
                dataDir.removeCleanShutdownMarker(); // from here on a crash must be seen as unclean
                if (!clean) {
                    // Recovery flushed what it accepted: record it now, and give every log a checkpointed
                    // recovery point, those of a creation a crash interrupted too (U2 must not outlive it).
                    manager.checkpoint();
                }
            } catch (IOException | RuntimeException e) {
                topics.closeWithoutFlush(e);
                throw e;
            }
            manager.startBackgroundTasks();
            return manager;
        } catch (IOException | RuntimeException e) {
            tasks.close();
            try {
                dataDir.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Opens logs for the catalog, each running its background I/O on the manager's one I/O executor. */
    private record ManagedLogs(LogManagerConfig config, BackgroundTasks tasks) implements LogAccess {
        @Override
        public Log open(Path dir, LogConfig logConfig, LoadState state) throws IOException {
            return Log.open(config.io(), dir, logConfig, state, config.clockMs(), tasks.ioExecutor(),
                    config.meterRegistry());
        }

        @Override
        public void closeWithoutFlush(Log log) throws IOException {
            log.closeWithoutFlush();
        }

        @Override
        public void onRecoveryPointLowered(Log log, Runnable action) {
            log.onRecoveryPointLowered(action);
        }
    }

    private void startBackgroundTasks() {
        tasks.every(config.checkpointIntervalMs(), "checkpoint", this::flushAndCheckpoint);
        tasks.every(config.retentionCheckIntervalMs(), "retention", this::applyRetention);
        if (config.retentionCheckIntervalMs() > 0 && config.cleaner().enabled()) { // none withoutBackgroundTasks
            // A thread of its own: a round can take minutes, and must not hold up the tasks above.
            compaction.startBackground(String.valueOf(dataDir.path().toAbsolutePath().getFileName()),
                    () -> compactedLogs(null));
        }
        // Kafka's flush.ms: bounds what a power loss can take from relaxed appends.
        tasks.every(config.logConfig().write().flushIntervalMs(), "flush", this::flushLogs);
    }

    public Path dataDir() {
        return dataDir.path();
    }

    /** Whether the directory had been shut down cleanly before this open (no log was scanned). */
    public boolean openedClean() {
        return openedClean;
    }

    /**
     * Creates a topic with {@code partitions} partitions, each an empty log.
     *
     * @throws InvalidTopicNameException if the name breaks Kafka's rules
     * @throws TopicExistsException      if it exists
     */
    public void createTopic(String name, int partitions) throws IOException {
        createTopic(name, partitions, TopicConfig.defaults(config.logConfig()));
    }

    /**
     * Creates a topic with its own settings (durability, compression, hash chain), kept in each
     * partition directory ({@link TopicConfigFile}) and applied again on every open. Returns once
     * the recovery-point checkpoint lists its partitions: a crash before leaves nothing of it.
     *
     * @throws IllegalArgumentException if the topic would keep a hash chain and be compacted
     */
    public void createTopic(String name, int partitions, TopicConfig topicConfig) throws IOException {
        refuseCompactedChain(name, topicConfig);
        topics.create(name, partitions, topicConfig);
    }

    /**
     * Changes a topic's settings while it runs ({@link Topics#alterConfig}): written to every
     * partition's {@code topic.config}, then retention, segment roll and the batch limit take
     * effect at once. The hash chain cannot change on an existing topic.
     *
     * @throws UnknownTopicException    if the topic does not exist
     * @throws IllegalArgumentException if {@code next} turns the hash chain on or off, or compacts a topic that keeps one
     */
    public void alterTopicConfig(String name, TopicConfig next) throws IOException {
        refuseCompactedChain(name, next);
        topics.alterConfig(name, next);
    }

    /** Cleaning rewrites batches, which would break a hash chain: a topic keeps one or is compacted, not both. */
    private void refuseCompactedChain(String name, TopicConfig topicConfig) {
        if (topicConfig.hashChain()
                && (topicConfig.value(TopicSetting.CLEANUP_POLICY, config.logConfig()) & TopicSetting.CLEANUP_COMPACT) != 0) {
            throw new IllegalArgumentException("Topic '" + name + "' keeps a hash chain and cannot be compacted "
                    + "(cleanup.policy=compact): cleaning rewrites batches, which would break the chain");
        }
    }

    /** The settings a topic's logs run with where the topic sets nothing of its own. */
    public LogConfig defaultLogConfig() {
        return config.logConfig();
    }

    /** A topic's settings; throws {@link UnknownTopicException} if it does not exist. */
    public TopicConfig topicConfig(String name) {
        return topics.config(name);
    }

    /** The topic names, sorted. */
    public SortedSet<String> topics() {
        return topics.names();
    }

    public boolean topicExists(String name) {
        return topics.exists(name);
    }

    /** The partitions of a topic with their offsets and sizes (an offline one as such), if the topic exists. */
    public Optional<TopicDescription> describeTopic(String name) {
        return topics.describe(name);
    }

    /**
     * The log of one partition; throws {@link UnknownTopicException} if there is none and
     * {@link PartitionOfflineException} if its files are damaged.
     */
    public Log log(String topic, int partition) {
        return topics.log(topic, partition);
    }

    /**
     * The log of a single-partition topic, creating the topic (one partition, the default
     * settings) when it does not exist: the shortest way to an embedded log.
     *
     * @throws IllegalArgumentException when the topic exists with more than one partition (use {@link #log(String, int)})
     */
    public Log logOrCreate(String topic) throws IOException {
        if (!topicExists(topic)) {
            try {
                createTopic(topic, 1);
            } catch (TopicExistsException raced) {
                // created meanwhile by another thread: use it
            }
        }
        int partitions = partitionCount(topic);
        if (partitions != 1) {
            throw new IllegalArgumentException("Topic '" + topic + "' has " + partitions
                    + " partitions; name the partition: log(\"" + topic + "\", partition)");
        }
        return log(topic, 0);
    }

    /** The log of one partition, if there is one; throws {@link PartitionOfflineException} if its files are damaged. */
    public Optional<Log> findLog(String topic, int partition) {
        return topics.find(topic, partition).map(entry -> entry.openLog());
    }

    /**
     * The partitions kept offline because their files are damaged, sorted, each with the damage
     * (file and position); empty when every partition is online. Fixed for the life of the
     * manager: a repair takes effect on the next open.
     */
    public SortedMap<TopicPartition, PartitionOfflineException> offlinePartitions() {
        return topics.offline();
    }

    /** How many partitions a topic has (offline ones included); throws {@link UnknownTopicException} if none. */
    public int partitionCount(String topic) {
        return topics.partitionCount(topic);
    }

    /**
     * A topic's id: random when the topic was created, kept in every partition directory
     * ({@link PartitionMetadataFile}) and the same after every open. Throws
     * {@link UnknownTopicException} if the topic does not exist, and {@link IllegalStateException}
     * if it runs without an id ({@link #findTopicId}).
     */
    public UUID topicId(String name) {
        return findTopicId(name).orElseThrow(() -> new IllegalStateException("Topic " + name + " has no readable"
                + " topic id (its partition.metadata files are damaged or disagree); run 'spool repair " + name + "'"));
    }

    /**
     * A topic's id, or empty when the topic runs without one: every copy of its id is damaged, or
     * two copies disagree, so the id is never guessed ({@code spool repair} gives it one). Throws
     * {@link UnknownTopicException} if the topic does not exist.
     */
    public Optional<UUID> findTopicId(String name) {
        return topics.findId(name);
    }

    /** The name of the topic with id {@code topicId}, if there is one. */
    public Optional<String> findTopicName(UUID topicId) {
        return topics.nameOf(topicId);
    }

    /**
     * Grows a topic to {@code newCount} partitions; the existing ones keep their records. Returns
     * once the checkpoint lists them all; a crash before leaves partitions 0..k with no gap.
     *
     * @throws UnknownTopicException    if the topic does not exist
     * @throws IllegalArgumentException if {@code newCount} is not above the current count or is
     *                                  above the log manager's maximum
     */
    public void addPartitions(String name, int newCount) throws IOException {
        topics.addPartitions(name, newCount);
    }

    /**
     * Deletes the records of a partition below {@code offset} (Kafka's DeleteRecords): moves its log
     * start offset up to {@code offset} ({@link Log#advanceLogStartOffset}) and writes the
     * log-start checkpoint before returning, so the records stay deleted after a restart or a
     * crash. An offset at or below the current start moves nothing. Returns the log start offset.
     *
     * @throws UnknownTopicException     if there is no such partition
     * @throws PartitionOfflineException if its files are damaged
     * @throws IllegalArgumentException  if {@code offset} is negative or past the log end
     */
    public long deleteRecords(String topic, int partition, long offset) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("Cannot delete records of " + topic + "-" + partition
                    + " below offset " + offset + ": an offset is not negative");
        }
        long start = log(topic, partition).advanceLogStartOffset(offset);
        checkpoint(); // even when unchanged here: a concurrent call may have moved it and not yet written it
        return start;
    }

    /**
     * Deletes a topic: its logs are closed, each partition directory is renamed out of the
     * namespace (highest partition first, so a crash leaves partitions 0..k, never a hole), the
     * data directory is synced, and the files are removed. A damaged topic can be deleted too.
     */
    public void deleteTopic(String name) throws IOException {
        int partitions = topics.exists(name) ? topics.partitionCount(name) : 0;
        topics.delete(name);
        // A topic created again under the name must be cleaned from its start.
        compaction.forget(name, partitions);
    }

    /** Flushes every log, then checkpoints the recovery points and log start offsets. */
    public void flush() throws IOException {
        topics.ensureOpen();
        flushAndCheckpoint();
    }

    private void flushAndCheckpoint() throws IOException {
        for (Log log : topics.onlineLogs()) {
            if (!log.isClosed()) {
                log.flush();
            }
        }
        checkpoint();
    }

    /** The periodic flush: only the logs with unflushed appends. */
    private void flushLogs() throws IOException {
        for (Log log : topics.onlineLogs()) {
            if (!log.isClosed() && log.recoveryPoint() < log.logEndOffset()) {
                log.flush();
            }
        }
    }

    /**
     * Writes both checkpoint files from the logs' current recovery points and start offsets; an
     * offline partition keeps the entries it had.
     */
    public void checkpoint() throws IOException {
        topics.checkpoint();
    }

    /**
     * Cleans every partition of {@code topic} now (its cleanup policy must have {@code compact}),
     * whatever their dirty ratio; returns how many records were removed.
     */
    public long cleanNow(String topic) throws IOException {
        if ((topicConfig(topic).value(TopicSetting.CLEANUP_POLICY, config.logConfig())
                & TopicSetting.CLEANUP_COMPACT) == 0) {
            throw new IllegalArgumentException("Topic " + topic + " has no compact cleanup policy");
        }
        long removed = 0;
        for (CompactionManager.Candidate candidate : compactedLogs(topic)) {
            removed += compaction.clean(candidate).recordsRemoved();
        }
        return removed;
    }

    /** Runs one background cleaner round now: the dirtiest cleanable compacted log, if any. */
    public Optional<TopicPartition> cleanDirtiest() throws IOException {
        return compaction.cleanOnce(compactedLogs(null));
    }

    /** The online logs of compacted topics ({@code only} that topic when not null). */
    private List<CompactionManager.Candidate> compactedLogs(String only) {
        List<CompactionManager.Candidate> out = new ArrayList<>();
        for (String name : topics.names()) {
            if (only != null && !only.equals(name)) {
                continue;
            }
            TopicConfig topicConfig;
            try {
                topicConfig = topics.config(name);
            } catch (RuntimeException e) {
                continue; // unreadable settings: the topic is offline, nothing to clean
            }
            if ((topicConfig.value(TopicSetting.CLEANUP_POLICY, config.logConfig()) & TopicSetting.CLEANUP_COMPACT) == 0) {
                continue;
            }
            for (int p = 0; p < topics.partitionCount(name); p++) {
                int partition = p;
                findLog(name, partition).ifPresent(log -> out.add(new CompactionManager.Candidate(new TopicPartition(name, partition), log)));
            }
        }
        return out;
    }

    /** Applies retention to every log now; returns the number of segments deleted. */
    public int applyRetention() throws IOException {
        int deleted = 0;
        long now = config.clockMs().getAsLong();
        for (Log log : topics.onlineLogs()) {
            if (!log.isClosed()) {
                deleted += log.applyRetention(now);
            }
        }
        return deleted;
    }

    /**
     * Stops background work, flushes and closes every log, writes the checkpoints, then the
     * clean-shutdown marker (last, so it is present only if everything before it succeeded), and
     * releases the directory lock. An offline partition was never opened, so the marker vouches for
     * it only as the one found on open did: none is written when the open was not clean.
     */
    @Override
    public void close() throws IOException {
        if (!topics.close()) {
            return;
        }
        compaction.close(); // a cleaning round gives up at its next batch; its thread is joined
        tasks.stopPeriodic();
        try {
            boolean anyFailed = false;
            for (Log log : topics.onlineLogs()) {
                anyFailed |= log.isFailed();
                log.close();
            }
            checkpoint();
            if (anyFailed) {
                LOG.warn("Not marking {} as cleanly shut down: a log failed; the next open will recover it",
                        dataDir.path());
            } else if (!openedClean && !topics.offline().isEmpty()) {
                // The marker would vouch for the offline partitions too, which this open did not find clean.
                LOG.warn("Not marking {} as cleanly shut down: partitions {} are offline (damaged) and were not "
                        + "shut down cleanly before", dataDir.path(), topics.offline().keySet());
            } else {
                dataDir.writeCleanShutdownMarker();
            }
        } finally {
            tasks.close(); // logs are closed (flushed) by now: queued roll flushes find nothing to do
            dataDir.close();
        }
    }
}
