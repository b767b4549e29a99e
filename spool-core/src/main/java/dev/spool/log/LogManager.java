package dev.spool.log;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.PartitionMetadataFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.catalog.TopicIds;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logs of one data directory: one {@link Log} per topic-partition, in a directory named
 * {@code topic-partition}. Opening the manager takes an exclusive lock on the directory, reads
 * the checkpoints and the clean-shutdown marker, and opens every log with what they say.
 *
 * <h2>Files in the data directory</h2>
 * <pre>
 *  .lock                              held (flock) while open: a second process cannot open the directory
 *  .spool_cleanshutdown               written last by close(); removed on open. Present = no scan needed
 *  recovery-point-offset-checkpoint   per partition: all offsets below are flushed (Kafka's text format)
 *  log-start-offset-checkpoint        per partition: the first readable offset
 *  orders-0/ orders-1/ …              one log directory per partition, each with the topic's topic.config
 *                                     and its partition.metadata (the topic id, {@link PartitionMetadataFile})
 *  &lt;uuid&gt;-delete/                      a deleted partition's directory, removed in the background
 * </pre>
 * Checkpoints are written atomically ({@link OffsetCheckpointFile}) every
 * {@code checkpointIntervalMs} and on {@link #flush()} and {@link #close()}.
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

    private final Path dataDir;
    private final LogManagerConfig config;
    private final FileIO io;
    private final AutoCloseable lock;
    private final Object topicLock = new Object();
    private final Object checkpointLock = new Object();
    private volatile Map<String, List<Log>> topics;
    private volatile Map<String, TopicConfig> topicConfigs;
    /**
     * Each topic's id. Changed under {@link #topicLock}: an id is added before its topic is
     * published in {@link #topics} and removed after the topic left it, so a topic that exists
     * always has an id.
     */
    private final TopicIds topicIds = new TopicIds();
    private final ScheduledExecutorService scheduler;
    /** The logs' background I/O: rolled-segment flushes and queued appends (see {@link Log#open(FileIO, Path,
     * LogConfig, LoadState, java.util.function.LongSupplier, java.util.concurrent.Executor)}). */
    private final Executor flusher;
    /** The pool behind {@link #flusher} when the manager started it (no executor was configured); null otherwise. */
    private final ExecutorService ownPool;
    private final boolean openedClean;
    private volatile boolean closed;

    private LogManager(Path dataDir, LogManagerConfig config, AutoCloseable lock, Executor flusher,
                       ExecutorService ownPool, Map<String, List<Log>> topics, Map<String, TopicConfig> topicConfigs,
                       boolean openedClean) {
        this.dataDir = dataDir;
        this.flusher = flusher;
        this.ownPool = ownPool;
        this.config = config;
        this.io = config.io();
        this.lock = lock;
        this.topics = topics;
        this.topicConfigs = topicConfigs;
        topics.values().forEach(logs -> logs.forEach(this::watchTruncation));
        this.openedClean = openedClean;
        boolean background = config.checkpointIntervalMs() > 0 || config.retentionCheckIntervalMs() > 0
                || config.logConfig().write().flushIntervalMs() > 0;
        this.scheduler = background ? Executors.newSingleThreadScheduledExecutor(daemon("spool-log-manager")) : null;
    }

    /** Opens (creating if needed) the data directory with default settings. */
    public static LogManager open(Path dataDir) throws IOException {
        return open(dataDir, LogManagerConfig.defaults());
    }

    public static LogManager open(Path dataDir, LogManagerConfig config) throws IOException {
        FileIO io = config.io();
        io.createDirectories(dataDir);
        AutoCloseable lock = io.lock(dataDir.resolve(DataDirFiles.LOCK_FILE));
        // Background I/O of every log: forcing rolled segments and writing queued (async or contended) appends.
        ExecutorService ownPool = config.ioExecutor().isPresent() ? null : Executors.newFixedThreadPool(
                Math.max(4, 2 * Runtime.getRuntime().availableProcessors()), daemon("spool-io"));
        Executor flusher = ownPool != null ? ownPool : config.ioExecutor().orElseThrow();
        try {
            LogManager manager = load(dataDir, config, lock, flusher, ownPool);
            try {
                manager.topicIds.load(manager.io, manager.topics);
            } catch (IOException | RuntimeException e) {
                manager.closeLogsWithoutFlush(e);
                throw e;
            }
            if (!manager.openedClean) {
                // Recovery flushed what it accepted: record it now, and give every log a checkpointed
                // recovery point, those of a creation a crash interrupted too (U2 must not outlive it).
                try {
                    manager.checkpoint();
                } catch (IOException | RuntimeException e) {
                    manager.closeLogsWithoutFlush(e);
                    throw e;
                }
            }
            manager.startBackgroundTasks();
            return manager;
        } catch (IOException | RuntimeException e) {
            if (ownPool != null) {
                ownPool.shutdownNow();
            }
            try {
                lock.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A topic is created in the checkpoint: {@link #createTopic} returns once the recovery-point
     * checkpoint lists its partitions. A topic that the checkpoint does not list, whose partition
     * directories are not numbered 0..n-1 and hold no records, is a creation a crash interrupted
     * (some directory entries reached the disk, others did not): its directories are removed, with
     * a warning. Gaps in any other topic are damage, and the open fails on them.
     */
    private static void removeInterruptedCreations(FileIO io, Path dataDir, TreeMap<TopicPartition, Path> found,
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
                empty &= holdsNoRecords(io, found.get(tp));
            }
            if (!empty) {
                continue; // damage, not an interrupted creation: the load reports the gap
            }
            LOG.warn("Removing topic {} from {}: its creation was interrupted (partitions {} of no records, "
                    + "never checkpointed)", topic.getKey(), dataDir, partitions.stream().map(TopicPartition::partition)
                    .toList());
            for (TopicPartition tp : partitions) {
                deleteRecursively(io, found.remove(tp));
            }
            removed = true;
        }
        if (removed) {
            io.syncDirectory(dataDir);
        }
    }

    private static boolean holdsNoRecords(FileIO io, Path partitionDir) throws IOException {
        for (Path file : io.list(partitionDir)) {
            if (file.getFileName().toString().endsWith(SegmentFiles.LOG_SUFFIX) && io.size(file) > 0) {
                return false;
            }
        }
        return true;
    }

    private void closeLogsWithoutFlush(Exception cause) {
        for (List<Log> logs : topics.values()) {
            for (Log log : logs) {
                try {
                    log.closeWithoutFlush();
                } catch (IOException | RuntimeException suppressed) {
                    cause.addSuppressed(suppressed);
                }
            }
        }
    }

    private static ThreadFactory daemon(String name) {
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static LogManager load(Path dataDir, LogManagerConfig config, AutoCloseable lock, Executor flusher,
                                   ExecutorService ownPool) throws IOException {
        FileIO io = config.io();
        Path marker = dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE);
        boolean clean = io.exists(marker);
        Map<TopicPartition, Long> recoveryPoints = readCheckpoint(io, dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));
        Map<TopicPartition, Long> logStarts = readCheckpoint(io, dataDir.resolve(DataDirFiles.LOG_START_CHECKPOINT));
        if (recoveryPoints == null || logStarts == null) {
            clean = false; // a damaged checkpoint cannot be trusted, and neither can the marker beside it
            recoveryPoints = Map.of();
            logStarts = logStarts == null ? Map.of() : logStarts;
        }
        TreeMap<TopicPartition, Path> found = new TreeMap<>();
        for (Path path : io.list(dataDir)) {
            String name = path.getFileName().toString();
            if (!io.isDirectory(path)) {
                continue;
            }
            if (name.endsWith(DataDirFiles.DELETE_SUFFIX)) {
                LOG.info("Removing {} left by an interrupted topic deletion", path);
                deleteRecursively(io, path);
                continue;
            }
            Optional<TopicPartition> partition = TopicPartition.parseDirName(name);
            if (partition.isEmpty()) {
                if (name.startsWith(RESERVED_PREFIX)) { // an application's own state (the Kafka server's group offsets)
                    LOG.debug("Skipping {}: reserved for the application", path);
                } else {
                    LOG.warn("Ignoring {}: not a topic-partition directory", path);
                }
                continue;
            }
            found.put(partition.get(), path);
        }
        removeInterruptedCreations(io, dataDir, found, recoveryPoints);
        Map<String, List<Log>> topics = new HashMap<>();
        Map<String, TopicConfig> topicConfigs = new HashMap<>();
        Map<String, LogConfig> logConfigs = new HashMap<>();
        List<Log> opened = new ArrayList<>();
        try {
            for (Map.Entry<TopicPartition, Path> entry : found.entrySet()) {
                TopicPartition tp = entry.getKey();
                List<Log> partitions = topics.computeIfAbsent(tp.topic(), t -> new ArrayList<>());
                if (tp.partition() != partitions.size()) {
                    throw new IOException("Topic " + tp.topic() + " in " + dataDir + " has partition " + tp.partition()
                            + " but not partition " + partitions.size() + ": partitions must be numbered from 0");
                }
                LoadState state = new LoadState(clean, optional(recoveryPoints.get(tp)), optional(logStarts.get(tp)));
                boolean hasTopicConfig = TopicConfigFile.exists(io, entry.getValue());
                if (!hasTopicConfig && TopicConfigFile.isRequired(io, dataDir, tp, recoveryPoints)) {
                    throw new IOException(TopicConfigFile.missingProblem(entry.getValue()));
                }
                if (!topicConfigs.containsKey(tp.topic())) { // partition 0: its copy of the settings speaks for the topic
                    TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, entry.getValue(),
                            TopicConfig.defaults(config.logConfig()));
                    topicConfigs.put(tp.topic(), stored.config());
                    logConfigs.put(tp.topic(), stored.config().applyTo(config.logConfig(), stored.batchBytesMaxStored()));
                }
                if (!hasTopicConfig) { // foreign or not yet listed: adopted (see TopicConfigFile)
                    LOG.warn("{} has no {}: adopting it with the settings of its topic ({})", entry.getValue(),
                            TopicConfigFile.FILE_NAME, topicConfigs.get(tp.topic()));
                    TopicConfigFile.write(io, entry.getValue(), topicConfigs.get(tp.topic()),
                            logConfigs.get(tp.topic()).batchBytesMax());
                }
                Log log = Log.open(io, entry.getValue(), logConfigs.get(tp.topic()), state,
                        config.clockMs(), flusher,
                        config.meterRegistry());
                opened.add(log);
                partitions.add(log);
            }
        } catch (IOException | RuntimeException e) {
            for (Log log : opened) {
                try {
                    log.closeWithoutFlush();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        if (io.deleteIfExists(marker)) {
            io.syncDirectory(dataDir); // from here on a crash must be seen as unclean
        }
        Map<String, List<Log>> frozen = new HashMap<>();
        topics.forEach((topic, logs) -> frozen.put(topic, List.copyOf(logs)));
        LOG.info("Opened {} ({} shutdown): {} topic(s), {} partition(s)", dataDir, clean ? "clean" : "unclean",
                frozen.size(), opened.size());
        return new LogManager(dataDir, config, lock, flusher, ownPool, Collections.unmodifiableMap(frozen),
                Collections.unmodifiableMap(topicConfigs), clean);
    }

    private static Map<TopicPartition, Long> readCheckpoint(FileIO io, Path file) throws IOException {
        try {
            return OffsetCheckpointFile.read(io, file);
        } catch (OffsetCheckpointFile.CorruptCheckpointException e) {
            LOG.warn("{}; ignoring it and scanning the logs", e.getMessage());
            return null;
        }
    }

    private static OptionalLong optional(Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    private void startBackgroundTasks() {
        if (scheduler == null) {
            return;
        }
        if (config.checkpointIntervalMs() > 0) {
            scheduler.scheduleWithFixedDelay(() -> runQuietly("checkpoint", this::flushAndCheckpoint),
                    config.checkpointIntervalMs(), config.checkpointIntervalMs(), TimeUnit.MILLISECONDS);
        }
        if (config.retentionCheckIntervalMs() > 0) {
            scheduler.scheduleWithFixedDelay(() -> runQuietly("retention", this::applyRetention),
                    config.retentionCheckIntervalMs(), config.retentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        }
        long flushIntervalMs = config.logConfig().write().flushIntervalMs();
        if (flushIntervalMs > 0) { // Kafka's flush.ms: bounds what a power loss can take from relaxed appends
            scheduler.scheduleWithFixedDelay(() -> runQuietly("flush", this::flushLogs), flushIntervalMs,
                    flushIntervalMs, TimeUnit.MILLISECONDS);
        }
    }

    private void flushLogs() throws IOException {
        for (List<Log> logs : topics.values()) {
            for (Log log : logs) {
                if (!log.isClosed() && log.recoveryPoint() < log.logEndOffset()) {
                    log.flush();
                }
            }
        }
    }

    private interface IoTask {
        void run() throws IOException;
    }

    private void runQuietly(String what, IoTask task) {
        try {
            task.run();
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.error("Background {} of {} failed: {}", what, dataDir, e.getMessage(), e);
            }
        }
    }

    public Path dataDir() {
        return dataDir;
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
     * partition directory ({@link TopicConfigFile}) and applied again on every open.
     */
    public void createTopic(String name, int partitions, TopicConfig topicConfig) throws IOException {
        java.util.Objects.requireNonNull(topicConfig, "topicConfig");
        TopicName.validate(name);
        if (partitions < 1 || partitions > config.partitionsMax()) {
            throw new IllegalArgumentException("A topic needs 1 to " + config.partitionsMax() + " partitions, not "
                    + partitions);
        }
        synchronized (topicLock) {
            ensureOpen();
            if (topics.containsKey(name)) {
                throw new TopicExistsException(name);
            }
            for (int p = 0; p < partitions; p++) {
                if (io.exists(dataDir.resolve(new TopicPartition(name, p).dirName()))) {
                    throw new TopicExistsException(name);
                }
            }
            List<Log> logs = new ArrayList<>(partitions);
            List<Path> made = new ArrayList<>(partitions);
            UUID topicId = PartitionMetadataFile.randomTopicId();
            Map<String, List<Log>> previous = topics;
            Map<String, TopicConfig> previousConfigs = topicConfigs;
            Map<String, List<Log>> next = new HashMap<>(previous);
            LogConfig logConfig = topicConfig.applyTo(config.logConfig());
            try {
                for (int p = 0; p < partitions; p++) {
                    Path dir = dataDir.resolve(new TopicPartition(name, p).dirName());
                    made.add(dir);
                    logs.add(openNewPartition(dir, topicConfig, logConfig, topicId));
                }
                io.syncDirectory(dataDir);
                topicIds.put(name, topicId);
                next.put(name, List.copyOf(logs));
                Map<String, TopicConfig> nextConfigs = new HashMap<>(previousConfigs);
                nextConfigs.put(name, topicConfig);
                topicConfigs = Collections.unmodifiableMap(nextConfigs);
                topics = Collections.unmodifiableMap(next);
                checkpoint(); // the commit point: a checkpointed topic is whole after any crash
            } catch (IOException | RuntimeException e) {
                topics = previous;
                topicConfigs = previousConfigs;
                topicIds.remove(name);
                for (Log log : logs) {
                    try {
                        log.closeWithoutFlush();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                try { // what is left (a failed delete) is removed on the next open: it is not checkpointed
                    for (Path dir : made) {
                        deleteRecursively(io, dir);
                    }
                    io.syncDirectory(dataDir);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            logs.forEach(this::watchTruncation);
            LOG.info("Created topic {} (id {}) with {} partition(s), {}", name, PartitionMetadataFile.encode(topicId),
                    partitions, topicConfig);
        }
    }

    /**
     * A truncation lowers a log's recovery point: write it to the checkpoint at once, or a crash
     * after new appends would trust segments below the old point that now hold unflushed data.
     */
    private void watchTruncation(Log log) {
        log.onRecoveryPointLowered(() -> {
            try {
                checkpoint();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("Cannot checkpoint " + dataDir + " after a truncation of "
                        + log.dir().getFileName(), e);
            }
        });
    }

    /**
     * Changes a topic's settings while it runs: {@code next} is written to every partition's
     * {@code topic.config} (each atomically; partition 0's, the copy an open reads, last, so a
     * crash leaves the old settings or the new ones), then each open log is reconfigured
     * ({@link Log#reconfigure}): retention, segment roll and the batch limit take effect at once.
     * The hash chain cannot change on an existing topic. A failed write leaves the running topic
     * on its old settings.
     *
     * @throws UnknownTopicException    if the topic does not exist
     * @throws IllegalArgumentException if {@code next} turns the hash chain on or off
     */
    public void alterTopicConfig(String name, TopicConfig next) throws IOException {
        java.util.Objects.requireNonNull(next, "next");
        synchronized (topicLock) {
            ensureOpen();
            List<Log> logs = topics.get(name);
            TopicConfig current = topicConfigs.get(name);
            if (logs == null || current == null) {
                throw new UnknownTopicException("Unknown topic '" + name + "'");
            }
            if (next.hashChain() != current.hashChain()) {
                throw new IllegalArgumentException("The hash chain of topic '" + name + "' cannot be turned "
                        + (next.hashChain() ? "on" : "off") + " after it was created");
            }
            int batchBytesMaxStored = 0;
            for (Log log : logs) {
                batchBytesMaxStored = Math.max(batchBytesMaxStored, log.config().batchBytesMax());
            }
            LogConfig logConfig = next.applyTo(config.logConfig(), batchBytesMaxStored);
            for (int p = logs.size() - 1; p >= 0; p--) {
                TopicConfigFile.write(io, logs.get(p).dir(), next, logConfig.batchBytesMax());
            }
            for (Log log : logs) {
                log.reconfigure(logConfig);
            }
            Map<String, TopicConfig> nextConfigs = new HashMap<>(topicConfigs);
            nextConfigs.put(name, next);
            topicConfigs = Collections.unmodifiableMap(nextConfigs);
            LOG.info("Altered topic {}: {}", name, next);
        }
    }

    /** The settings a topic's logs run with where the topic sets nothing of its own. */
    public LogConfig defaultLogConfig() {
        return config.logConfig();
    }

    /** A topic's settings; throws {@link UnknownTopicException} if it does not exist. */
    public TopicConfig topicConfig(String name) {
        TopicConfig topicConfig = topicConfigs.get(name);
        if (topicConfig == null) {
            throw new UnknownTopicException("Unknown topic '" + name + "'");
        }
        return topicConfig;
    }

    /** The topic names, sorted. */
    public SortedSet<String> topics() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(topics.keySet()));
    }

    public boolean topicExists(String name) {
        return topics.containsKey(name);
    }

    /** The partitions of a topic with their offsets and sizes, if the topic exists. */
    public Optional<TopicDescription> describeTopic(String name) {
        List<Log> logs = topics.get(name);
        if (logs == null) {
            return Optional.empty();
        }
        List<TopicDescription.PartitionDescription> partitions = new ArrayList<>();
        for (int p = 0; p < logs.size(); p++) {
            Log log = logs.get(p);
            partitions.add(new TopicDescription.PartitionDescription(p, log.logStartOffset(), log.logEndOffset(),
                    log.sizeBytes(), log.segmentCount()));
        }
        return Optional.of(new TopicDescription(name, List.copyOf(partitions),
                topicConfigs.getOrDefault(name, TopicConfig.defaults(config.logConfig()))));
    }

    /** The log of one partition; throws {@link UnknownTopicException} if there is none. */
    public Log log(String topic, int partition) {
        return findLog(topic, partition).orElseThrow(() -> {
            List<Log> logs = topics.get(topic);
            return new UnknownTopicException(logs == null ? "Unknown topic '" + topic + "'"
                    : "Topic '" + topic + "' has " + logs.size() + " partition(s); there is no partition " + partition);
        });
    }

    public Optional<Log> findLog(String topic, int partition) {
        List<Log> logs = topics.get(topic);
        if (logs == null || partition < 0 || partition >= logs.size()) {
            return Optional.empty();
        }
        return Optional.of(logs.get(partition));
    }

    /** How many partitions a topic has; throws {@link UnknownTopicException} if it does not exist. */
    public int partitionCount(String topic) {
        List<Log> logs = topics.get(topic);
        if (logs == null) {
            throw new UnknownTopicException("Unknown topic '" + topic + "'");
        }
        return logs.size();
    }

    /**
     * A topic's id: random when the topic was created, kept in every partition directory
     * ({@link PartitionMetadataFile}) and the same after every open. Throws
     * {@link UnknownTopicException} if the topic does not exist.
     */
    public UUID topicId(String name) {
        return topicIds.idOf(name).filter(id -> topics.containsKey(name))
                .orElseThrow(() -> new UnknownTopicException("Unknown topic '" + name + "'"));
    }

    /** The name of the topic with id {@code topicId}, if there is one. */
    public Optional<String> findTopicName(UUID topicId) {
        return topicIds.nameOf(topicId).filter(topics::containsKey);
    }

    /**
     * Makes a new partition directory with its settings and topic id, and opens its empty log; the
     * caller forces the data directory once the partition (or the topic) is whole.
     */
    private Log openNewPartition(Path dir, TopicConfig topicConfig, LogConfig logConfig, UUID topicId)
            throws IOException {
        io.createDirectories(dir);
        TopicConfigFile.write(io, dir, topicConfig, logConfig.batchBytesMax());
        PartitionMetadataFile.write(io, dir, topicId);
        return Log.open(io, dir, logConfig, LoadState.unknown(), config.clockMs(), flusher, config.meterRegistry());
    }

    /**
     * Grows a topic to {@code newCount} partitions; the existing ones keep their records. Each new
     * partition directory gets the topic's {@code topic.config} and {@code partition.metadata} and
     * is made durable in the data directory before the next one is made, so a crash leaves
     * partitions 0..k with no gap; the checkpoint that lists them all is the commit point, as in
     * {@link #createTopic}. The directories of a failed growth are removed.
     *
     * @throws UnknownTopicException    if the topic does not exist
     * @throws IllegalArgumentException if {@code newCount} is not above the current count or is
     *                                  above the log manager's maximum
     */
    public void addPartitions(String name, int newCount) throws IOException {
        synchronized (topicLock) {
            ensureOpen();
            List<Log> current = topics.get(name);
            if (current == null) {
                throw new UnknownTopicException("Unknown topic '" + name + "'");
            }
            if (newCount <= current.size() || newCount > config.partitionsMax()) {
                throw new IllegalArgumentException("Topic '" + name + "' has " + current.size()
                        + " partition(s): the new count must be above that and at most " + config.partitionsMax()
                        + ", not " + newCount);
            }
            TopicConfig topicConfig = topicConfig(name);
            // The existing partitions' settings, with the batch limit the topic has had (never lowered).
            LogConfig logConfig = current.get(0).config();
            UUID topicId = topicId(name);
            Map<String, List<Log>> previous = topics;
            List<Log> added = new ArrayList<>();
            List<Path> made = new ArrayList<>();
            try {
                for (int p = current.size(); p < newCount; p++) {
                    Path dir = dataDir.resolve(new TopicPartition(name, p).dirName());
                    if (io.exists(dir)) {
                        throw new IOException("Cannot add partition " + p + " to topic '" + name + "': " + dir
                                + " already exists");
                    }
                    made.add(dir);
                    added.add(openNewPartition(dir, topicConfig, logConfig, topicId));
                    io.syncDirectory(dataDir); // partition p is whole on disk before p + 1 appears
                }
                List<Log> grown = new ArrayList<>(current);
                grown.addAll(added);
                Map<String, List<Log>> next = new HashMap<>(previous);
                next.put(name, List.copyOf(grown));
                topics = Collections.unmodifiableMap(next);
                checkpoint();
            } catch (IOException | RuntimeException e) {
                topics = previous;
                for (Log log : added) {
                    try {
                        log.closeWithoutFlush();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                try {
                    for (int i = made.size() - 1; i >= 0; i--) { // highest first: never a gap
                        deleteRecursively(io, made.get(i));
                    }
                    io.syncDirectory(dataDir);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            added.forEach(this::watchTruncation);
            LOG.info("Topic {} grew from {} to {} partitions", name, current.size(), newCount);
        }
    }

    /**
     * Deletes the records of a partition below {@code offset} (Kafka's DeleteRecords): moves its log
     * start offset up to {@code offset} ({@link Log#advanceLogStartOffset}) and writes the
     * log-start checkpoint before returning, so the records stay deleted after a restart or a
     * crash. An offset at or below the current start moves nothing. Returns the log start offset.
     *
     * @throws UnknownTopicException    if there is no such partition
     * @throws IllegalArgumentException if {@code offset} is negative or past the log end
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
     * data directory is synced, and the files are removed.
     */
    public void deleteTopic(String name) throws IOException {
        synchronized (topicLock) {
            ensureOpen();
            List<Log> logs = topics.get(name);
            if (logs == null) {
                throw new UnknownTopicException("Unknown topic '" + name + "'");
            }
            Map<String, List<Log>> next = new HashMap<>(topics);
            next.remove(name);
            topics = Collections.unmodifiableMap(next);
            Map<String, TopicConfig> nextConfigs = new HashMap<>(topicConfigs);
            nextConfigs.remove(name);
            topicConfigs = Collections.unmodifiableMap(nextConfigs);
            topicIds.remove(name);
            List<Path> renamed = new ArrayList<>();
            for (int p = logs.size() - 1; p >= 0; p--) {
                Log log = logs.get(p);
                log.closeWithoutFlush();
                Path target = dataDir.resolve(UUID.randomUUID().toString().replace("-", "") + DataDirFiles.DELETE_SUFFIX);
                io.rename(log.dir(), target);
                renamed.add(target);
            }
            io.syncDirectory(dataDir);
            for (Path path : renamed) {
                deleteRecursively(io, path);
            }
            LOG.info("Deleted topic {} ({} partition(s))", name, logs.size());
        }
    }

    /** Flushes every log, then checkpoints the recovery points and log start offsets. */
    public void flush() throws IOException {
        ensureOpen();
        flushAndCheckpoint();
    }

    private void flushAndCheckpoint() throws IOException {
        for (List<Log> logs : topics.values()) {
            for (Log log : logs) {
                if (!log.isClosed()) {
                    log.flush();
                }
            }
        }
        checkpoint();
    }

    /** Writes both checkpoint files from the logs' current recovery points and start offsets. */
    public void checkpoint() throws IOException {
        synchronized (checkpointLock) { // the topics are read under the lock: a later checkpoint never lists fewer
            Map<String, List<Log>> topics = this.topics;
            Map<TopicPartition, Long> recoveryPoints = new HashMap<>();
            Map<TopicPartition, Long> logStarts = new HashMap<>();
            for (Map.Entry<String, List<Log>> topic : topics.entrySet()) {
                List<Log> logs = topic.getValue();
                for (int p = 0; p < logs.size(); p++) {
                    TopicPartition tp = new TopicPartition(topic.getKey(), p);
                    recoveryPoints.put(tp, logs.get(p).recoveryPoint());
                    logStarts.put(tp, logs.get(p).logStartOffset());
                }
            }
            OffsetCheckpointFile.write(io, dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT), recoveryPoints);
            OffsetCheckpointFile.write(io, dataDir.resolve(DataDirFiles.LOG_START_CHECKPOINT), logStarts);
        }
    }

    /** Applies retention to every log now; returns the number of segments deleted. */
    public int applyRetention() throws IOException {
        int deleted = 0;
        long now = config.clockMs().getAsLong();
        for (List<Log> logs : topics.values()) {
            for (Log log : logs) {
                if (!log.isClosed()) {
                    deleted += log.applyRetention(now);
                }
            }
        }
        return deleted;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Log manager for " + dataDir + " is closed");
        }
    }

    /**
     * Stops background work, flushes and closes every log, writes the checkpoints, then the
     * clean-shutdown marker (last, so it is present only if everything before it succeeded), and
     * releases the directory lock.
     */
    @Override
    public void close() throws IOException {
        synchronized (topicLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            boolean anyFailed = false;
            for (List<Log> logs : topics.values()) {
                for (Log log : logs) {
                    anyFailed |= log.isFailed();
                    log.close();
                }
            }
            checkpoint();
            if (anyFailed) {
                LOG.warn("Not marking {} as cleanly shut down: a log failed; the next open will recover it", dataDir);
                return;
            }
            Path marker = dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE);
            try (StorageFile file = io.open(marker, FileIO.OpenMode.CREATE)) {
                file.force(true);
            }
            io.syncDirectory(dataDir);
        } finally {
            if (ownPool != null) {
                ownPool.shutdown(); // logs are closed (flushed) by now: queued roll flushes find nothing to do
            }
            try {
                lock.close();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("Cannot release the lock of " + dataDir, e);
            }
        }
    }

    static void deleteRecursively(FileIO io, Path path) throws IOException {
        if (io.isDirectory(path)) {
            for (Path child : io.list(path)) {
                deleteRecursively(io, child);
            }
        }
        io.deleteIfExists(path);
    }

}
