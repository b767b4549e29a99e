package dev.spool.log.catalog;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.PartitionOfflineException;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicDescription;
import dev.spool.log.TopicExistsException;
import dev.spool.log.TopicName;
import dev.spool.log.TopicPartition;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics of a data directory: each topic's partitions ({@link PartitionEntry}: an open log,
 * or an offline damaged one), settings and id, and the operations that change them (create, add
 * partitions, alter settings, delete) with the checkpoint that commits them.
 *
 * <h2>Invariants</h2>
 * <ul>
 * <li>A topic is created in the checkpoint: {@link #create} and {@link #addPartitions} return once
 *     the recovery-point checkpoint lists the new partitions; a crash before leaves directories
 *     that the next open removes ({@link DataDir#removeInterruptedCreations}). Partitions are
 *     numbered 0..n-1 on disk after any crash: made in rising order, deleted in falling order.</li>
 * <li>A topic that is listed has an id, and settings unless partition 0's {@code topic.config} is
 *     unreadable (then every partition is offline): both are published before the topic, and
 *     removed after it.</li>
 * <li>A checkpoint never lists fewer partitions than an earlier one of the same topics, and keeps
 *     an offline partition's entries as they were when the directory was opened.</li>
 * </ul>
 * Thread-safe: the maps are immutable and swapped whole (readers take no lock); changes are
 * serialized on {@link #topicLock}, checkpoint writes on {@link #checkpointLock}.
 */
public final class Topics {
    private static final Logger LOG = LoggerFactory.getLogger(Topics.class);

    private final FileIO io;
    private final DataDir dataDir;
    private final LogConfig defaults;
    private final int partitionsMax;
    private final LogAccess logs;
    private final Object topicLock = new Object();
    private final Object checkpointLock = new Object();
    private volatile Map<String, List<PartitionEntry>> topics = Map.of();
    private volatile Map<String, TopicConfig> configs = Map.of();
    /** Changed under {@link #topicLock}: an id is added before its topic is published and removed after it left. */
    private final TopicIds ids = new TopicIds();
    private volatile boolean closed;

    private Topics(FileIO io, DataDir dataDir, LogConfig defaults, int partitionsMax, LogAccess logs) {
        this.io = io;
        this.dataDir = dataDir;
        this.defaults = defaults;
        this.partitionsMax = partitionsMax;
        this.logs = logs;
    }

    /**
     * Opens every partition of {@code dataDir} (see {@link PartitionLoader}) and reads the topic
     * ids; {@code clean}: the directory was shut down cleanly and its checkpoints are trusted.
     * On failure every log opened is closed again.
     */
    public static Topics open(FileIO io, DataDir dataDir, DataDir.Checkpoints checkpoints, boolean clean,
                              LogConfig defaults, int partitionsMax, String reservedPrefix, LogAccess logs)
            throws IOException {
        TreeMap<TopicPartition, Path> found = dataDir.partitionDirs(reservedPrefix);
        dataDir.removeInterruptedCreations(found, checkpoints.recoveryPoints());
        Topics topics = new Topics(io, dataDir, defaults, partitionsMax, logs);
        PartitionLoader.Loaded loaded = new PartitionLoader(io, dataDir, defaults, topics).load(found,
                checkpoints, clean, topics.ids);
        topics.topics = Collections.unmodifiableMap(loaded.topics());
        topics.configs = Collections.unmodifiableMap(loaded.configs());
        LOG.info("Opened {} ({} shutdown): {} topic(s), {} partition(s){}", dataDir.path(),
                clean ? "clean" : "unclean", loaded.topics().size(), loaded.partitionCount(),
                topics.offline().isEmpty() ? "" : ", offline: " + topics.offline().keySet());
        return topics;
    }

    // ---- lookups (lock-free) ----

    /** The topic names, sorted. */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(topics.keySet()));
    }

    public boolean exists(String name) {
        return topics.containsKey(name);
    }

    /** A topic's partitions; throws {@link UnknownTopicException} if it does not exist. */
    private List<PartitionEntry> partitions(String name) {
        List<PartitionEntry> partitions = topics.get(name);
        if (partitions == null) {
            throw unknown(name);
        }
        return partitions;
    }

    private static UnknownTopicException unknown(String name) {
        return new UnknownTopicException("Unknown topic '" + name + "'");
    }

    public int partitionCount(String name) {
        return partitions(name).size();
    }

    /** The partition, if the topic has it. */
    public Optional<PartitionEntry> find(String topic, int partition) {
        List<PartitionEntry> partitions = topics.get(topic);
        if (partitions == null || partition < 0 || partition >= partitions.size()) {
            return Optional.empty();
        }
        return Optional.of(partitions.get(partition));
    }

    /**
     * The partition's log: throws {@link UnknownTopicException} if there is none and
     * {@link PartitionOfflineException} if it is offline.
     */
    public Log log(String topic, int partition) {
        return find(topic, partition).orElseThrow(() -> {
            List<PartitionEntry> partitions = topics.get(topic);
            return partitions == null ? unknown(topic) : new UnknownTopicException("Topic '" + topic + "' has "
                    + partitions.size() + " partition(s); there is no partition " + partition);
        }).openLog();
    }

    /** Every open log (offline partitions have none). */
    public List<Log> onlineLogs() {
        List<Log> logs = new ArrayList<>();
        topics.values().forEach(partitions -> partitions.forEach(p -> p.onlineLog().ifPresent(logs::add)));
        return logs;
    }

    /** The offline partitions, sorted, each with why. */
    public SortedMap<TopicPartition, PartitionOfflineException> offline() {
        SortedMap<TopicPartition, PartitionOfflineException> offline = new TreeMap<>();
        topics.values().forEach(partitions -> partitions.stream().filter(p -> !p.isOnline())
                .forEach(p -> offline.put(p.offline().partition(), p.offline())));
        return Collections.unmodifiableSortedMap(offline);
    }

    /**
     * A topic's settings; throws {@link UnknownTopicException} if it does not exist, and partition
     * 0's {@link PartitionOfflineException} if they are unreadable ({@link PartitionEntry#settingsUnreadable}).
     */
    public TopicConfig config(String name) {
        TopicConfig config = configs.get(name);
        if (config == null) {
            PartitionEntry first = partitions(name).get(0);
            throw first.settingsUnreadable() ? first.offline().again() : unknown(name);
        }
        return config;
    }

    /** The topic's id, or empty when it runs without one ({@link TopicIds}); throws when it is unknown. */
    public Optional<UUID> findId(String name) {
        partitions(name);
        return ids.idOf(name);
    }

    public Optional<String> nameOf(UUID id) {
        return ids.nameOf(id).filter(topics::containsKey);
    }

    /**
     * The partitions of a topic with their offsets and sizes ({@link PartitionEntry#describe}), if
     * it exists; throws partition 0's {@link PartitionOfflineException} if its settings are unreadable.
     */
    public Optional<TopicDescription> describe(String name) {
        List<PartitionEntry> partitions = topics.get(name);
        if (partitions == null) {
            return Optional.empty();
        } else if (partitions.get(0).settingsUnreadable()) {
            throw partitions.get(0).offline().again();
        }
        List<TopicDescription.PartitionDescription> described = IntStream.range(0, partitions.size())
                .mapToObj(p -> partitions.get(p).describe(p)).toList();
        return Optional.of(new TopicDescription(name, described,
                configs.getOrDefault(name, TopicConfig.defaults(defaults))));
    }

    // ---- changes (under the topic lock) ----

    /**
     * Creates a topic of {@code count} empty partitions with {@code config}, kept in each partition
     * directory ({@link TopicConfigFile}) and applied again on every open. The checkpoint that
     * lists them is the commit point; a failed creation removes its directories.
     *
     * @throws dev.spool.log.InvalidTopicNameException if the name breaks Kafka's rules
     * @throws TopicExistsException                    if it exists
     */
    public void create(String name, int count, TopicConfig config) throws IOException {
        Objects.requireNonNull(config, "topicConfig");
        TopicName.validate(name);
        if (count < 1 || count > partitionsMax) {
            throw new IllegalArgumentException("A topic needs 1 to " + partitionsMax + " partitions, not " + count);
        }
        synchronized (topicLock) {
            ensureOpen();
            if (topics.containsKey(name)) {
                throw new TopicExistsException(name);
            }
            for (int p = 0; p < count; p++) {
                if (io.exists(partitionDir(name, p))) {
                    throw new TopicExistsException(name);
                }
            }
            UUID id = PartitionMetadataFile.randomTopicId();
            LogConfig logConfig = config.applyTo(defaults);
            Map<String, List<PartitionEntry>> previous = topics;
            Map<String, TopicConfig> previousConfigs = configs;
            List<PartitionEntry> made = new ArrayList<>(count);
            List<Path> dirs = new ArrayList<>(count);
            try {
                for (int p = 0; p < count; p++) {
                    dirs.add(partitionDir(name, p));
                    made.add(PartitionEntry.online(openNewPartition(dirs.get(p), config, logConfig, id)));
                }
                io.syncDirectory(dataDir.path());
                ids.put(name, id);
                configs = with(previousConfigs, name, config);
                topics = with(previous, name, List.copyOf(made));
                checkpoint(); // the commit point: a checkpointed topic is whole after any crash
            } catch (IOException | RuntimeException e) {
                topics = previous;
                configs = previousConfigs;
                ids.remove(name);
                undo(e, made, dirs);
                throw e;
            }
            LOG.info("Created topic {} (id {}) with {} partition(s), {}", name, PartitionMetadataFile.encode(id), count,
                    config);
        }
    }

    /**
     * Grows a topic to {@code newCount} partitions; the existing ones keep their records. Each new
     * partition directory gets the topic's {@code topic.config} and {@code partition.metadata} and
     * is made durable in the data directory before the next one is made, so a crash leaves
     * partitions 0..k with no gap; the checkpoint that lists them all is the commit point, as in
     * {@link #create}. The directories of a failed growth are removed.
     *
     * @throws UnknownTopicException    if the topic does not exist
     * @throws IllegalArgumentException if {@code newCount} is not above the current count or is
     *                                  above the maximum
     */
    public void addPartitions(String name, int newCount) throws IOException {
        synchronized (topicLock) {
            ensureOpen();
            List<PartitionEntry> current = partitions(name);
            if (newCount <= current.size() || newCount > partitionsMax) {
                throw new IllegalArgumentException("Topic '" + name + "' has " + current.size()
                        + " partition(s): the new count must be above that and at most " + partitionsMax
                        + ", not " + newCount);
            }
            TopicConfig config = config(name);
            LogConfig logConfig = growthConfig(name, current);
            UUID id = findId(name).orElse(null); // none: the new partitions get none either, never a guess
            Map<String, List<PartitionEntry>> previous = topics;
            List<PartitionEntry> added = new ArrayList<>();
            List<Path> dirs = new ArrayList<>(); // highest first: undone in this order, never a gap
            try {
                for (int p = current.size(); p < newCount; p++) {
                    Path dir = partitionDir(name, p);
                    if (io.exists(dir)) {
                        throw new IOException("Cannot add partition " + p + " to topic '" + name + "': " + dir
                                + " already exists");
                    }
                    dirs.add(0, dir);
                    added.add(PartitionEntry.online(openNewPartition(dir, config, logConfig, id)));
                    io.syncDirectory(dataDir.path()); // partition p is whole on disk before p + 1 appears
                }
                List<PartitionEntry> grown = new ArrayList<>(current);
                grown.addAll(added);
                topics = with(previous, name, List.copyOf(grown));
                checkpoint();
            } catch (IOException | RuntimeException e) {
                topics = previous;
                undo(e, added, dirs);
                throw e;
            }
            LOG.info("Topic {} grew from {} to {} partitions", name, current.size(), newCount);
        }
    }

    /**
     * The settings new partitions of a topic get: those of its existing logs, with the batch limit
     * the topic has had (never lowered); from {@code topic.config} when no partition is online.
     */
    private LogConfig growthConfig(String name, List<PartitionEntry> current) throws IOException {
        for (PartitionEntry partition : current) {
            if (partition.isOnline()) {
                return partition.log().config();
            }
        }
        TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, current.get(0).dir(), config(name));
        return stored.config().applyTo(defaults, stored.batchBytesMaxStored());
    }

    /**
     * Changes a topic's settings while it runs: {@code next} is written to every partition's
     * {@code topic.config} (each atomically; partition 0's, the copy an open reads, last, so a
     * crash leaves the old settings or the new ones), then each open log is reconfigured
     * ({@link Log#reconfigure}): retention, segment roll and the batch limit take effect at once.
     * The hash chain cannot change on an existing topic. A failed write leaves the running topic
     * on its old settings. Refused while a partition's {@code topic.config} is unreadable: the
     * user restores that file, which an alteration would overwrite.
     *
     * @throws UnknownTopicException    if the topic does not exist
     * @throws PartitionOfflineException if a partition's settings are unreadable
     * @throws IllegalArgumentException if {@code next} turns the hash chain on or off
     */
    public void alterConfig(String name, TopicConfig next) throws IOException {
        Objects.requireNonNull(next, "next");
        synchronized (topicLock) {
            ensureOpen();
            List<PartitionEntry> partitions = partitions(name);
            TopicConfig current = config(name);
            if (next.hashChain() != current.hashChain()) {
                throw new IllegalArgumentException("The hash chain of topic '" + name + "' cannot be turned "
                        + (next.hashChain() ? "on" : "off") + " after it was created");
            }
            int batchBytesMaxStored = 0;
            for (PartitionEntry partition : partitions) {
                if (partition.settingsUnreadable()) {
                    throw partition.offline().again();
                }
                batchBytesMaxStored = Math.max(batchBytesMaxStored, partition.isOnline()
                        ? partition.log().config().batchBytesMax()
                        : TopicConfigFile.readStored(io, partition.dir(), current).batchBytesMaxStored());
            }
            LogConfig logConfig = next.applyTo(defaults, batchBytesMaxStored);
            for (int p = partitions.size() - 1; p >= 0; p--) {
                TopicConfigFile.write(io, partitions.get(p).dir(), next, logConfig.batchBytesMax());
            }
            for (PartitionEntry partition : partitions) {
                partition.onlineLog().ifPresent(log -> log.reconfigure(logConfig));
            }
            configs = with(configs, name, next);
            LOG.info("Altered topic {}: {}", name, next);
        }
    }

    /**
     * Deletes a topic: it leaves the catalog, its logs are closed, and its partition directories
     * are removed, highest partition first, so a crash leaves partitions 0..k, never a hole
     * ({@link DataDir#delete}). An offline partition is deleted with the others.
     */
    public void delete(String name) throws IOException {
        synchronized (topicLock) {
            ensureOpen();
            List<PartitionEntry> partitions = partitions(name);
            Map<String, List<PartitionEntry>> next = new HashMap<>(topics);
            next.remove(name);
            topics = Collections.unmodifiableMap(next);
            Map<String, TopicConfig> nextConfigs = new HashMap<>(configs);
            nextConfigs.remove(name);
            configs = Collections.unmodifiableMap(nextConfigs);
            ids.remove(name);
            List<Path> dirs = new ArrayList<>();
            for (int p = partitions.size() - 1; p >= 0; p--) {
                PartitionEntry partition = partitions.get(p);
                if (partition.isOnline()) {
                    logs.closeWithoutFlush(partition.log());
                }
                dirs.add(partition.dir());
            }
            dataDir.delete(dirs);
            LOG.info("Deleted topic {} ({} partition(s))", name, partitions.size());
        }
    }

    /**
     * Writes both checkpoint files: each open log's recovery point and start offset, and each
     * offline partition's entries as they were on open. The topics are read under the lock: a
     * later checkpoint never lists fewer partitions than an earlier one.
     */
    public void checkpoint() throws IOException {
        synchronized (checkpointLock) {
            Map<TopicPartition, Long> recoveryPoints = new HashMap<>();
            Map<TopicPartition, Long> logStarts = new HashMap<>();
            PartitionEntry.addCheckpointEntries(topics, recoveryPoints, logStarts);
            dataDir.writeCheckpoints(recoveryPoints, logStarts);
        }
    }

    /** Refuses changes from now on; false if it was already closed. */
    public boolean close() {
        synchronized (topicLock) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /** Throws {@link IllegalStateException} once {@link #close} was called. */
    public void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Log manager for " + dataDir.path() + " is closed");
        }
    }

    /** Closes every open log without flushing it, adding what fails to {@code cause} (a failed open). */
    public void closeWithoutFlush(Exception cause) {
        topics.values().forEach(partitions -> closeWithoutFlush(cause, partitions));
    }

    private Path partitionDir(String topic, int partition) {
        return dataDir.path().resolve(new TopicPartition(topic, partition).dirName());
    }

    /**
     * Makes a new partition directory with its settings and topic id, and opens its empty log; the
     * caller forces the data directory once the partition (or the topic) is whole.
     */
    private Log openNewPartition(Path dir, TopicConfig config, LogConfig logConfig, UUID id) throws IOException {
        io.createDirectories(dir);
        TopicConfigFile.write(io, dir, config, logConfig.batchBytesMax());
        if (id != null) {
            PartitionMetadataFile.write(io, dir, id);
        }
        return openLog(dir, logConfig, LoadState.unknown());
    }

    /**
     * Opens a partition's log. A truncation lowers a log's recovery point: it is written to the
     * checkpoint at once, or a crash after new appends would trust segments below the old point
     * that now hold unflushed data.
     */
    Log openLog(Path dir, LogConfig logConfig, LoadState state) throws IOException {
        Log log = logs.open(dir, logConfig, state);
        logs.onRecoveryPointLowered(log, () -> {
            try {
                checkpoint();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot checkpoint " + dataDir.path() + " after a truncation of "
                        + log.dir().getFileName(), e);
            }
        });
        return log;
    }

    /**
     * Undoes a failed creation or growth: closes the logs it opened and removes the directories it
     * made, in the order given; what is left (a failed delete) is removed on the next open, since no
     * checkpoint lists it.
     */
    private void undo(Exception cause, List<PartitionEntry> opened, List<Path> dirs) {
        closeWithoutFlush(cause, opened);
        try {
            for (Path dir : dirs) {
                dataDir.deleteRecursively(dir);
            }
            io.syncDirectory(dataDir.path());
        } catch (IOException | RuntimeException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    /** Closes the open logs of {@code opened} without flushing them, adding what fails to {@code cause}. */
    void closeWithoutFlush(Exception cause, List<PartitionEntry> opened) {
        for (PartitionEntry partition : opened) {
            try {
                if (partition.isOnline()) {
                    logs.closeWithoutFlush(partition.log());
                }
            } catch (IOException | RuntimeException suppressed) {
                cause.addSuppressed(suppressed);
            }
        }
    }

    private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
        Map<String, V> next = new HashMap<>(map);
        next.put(key, value);
        return Collections.unmodifiableMap(next);
    }
}
