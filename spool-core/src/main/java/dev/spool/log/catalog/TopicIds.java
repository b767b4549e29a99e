package dev.spool.log.catalog;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log manager's map between topic names and topic ids, both ways. Each id lives on disk in
 * every partition directory of its topic ({@link PartitionMetadataFile}); this class reads them on
 * open and gives an id to a topic that has none.
 *
 * <h2>On open</h2>
 * <pre>
 *  partition.metadata files of a topic       action
 *  every partition has one, all the same     the id is the topic's
 *  some have one (all the same), some none   the id is the topic's, written into the others
 *                                            (a creation or growth that a crash interrupted)
 *  none has one                              a new random id, written into every partition
 *                                            (a topic created by an older Spool)
 *  one does not parse, the others agree      the id is the others'; the damaged file is left as
 *                                            it is (one ERROR line) for spool repair to restore
 *  none parses, or two partitions disagree   the topic runs without an id (clients that fetch by
 *                                            id fall back to its name, as for a topic Kafka made
 *                                            without one); nothing is written (one ERROR line
 *                                            naming the files): its identity is never guessed,
 *                                            spool repair gives it a new one when asked
 * </pre>
 * A damaged copy never stops the data directory from opening: the id is redundant (one copy per
 * partition), and without it the topic's data still reads and writes.
 * A directory written by Kafka keeps the id Kafka gave it. Thread-safe: reads are lock-free; the
 * log manager changes the map under its topic lock.
 */
public final class TopicIds {
    private static final Logger LOG = LoggerFactory.getLogger(TopicIds.class);

    private final Map<String, UUID> ids = new ConcurrentHashMap<>();
    private final Map<UUID, String> names = new ConcurrentHashMap<>();

    /** Reads (or assigns and writes) the id of every topic in {@code topics} (its partition directories, in order). */
    public void load(FileIO io, Map<String, List<Path>> topics) throws IOException {
        for (Map.Entry<String, List<Path>> topic : topics.entrySet()) {
            loadTopic(io, topic.getKey(), topic.getValue()).ifPresent(id -> put(topic.getKey(), id));
        }
    }

    /**
     * What the partition directories of one topic say its id is: the copies that read, the
     * directories without one, and the copies that do not read, with the problem.
     */
    public record Copies(Map<Path, UUID> read, List<Path> missing, Map<Path, String> damaged) {
        public static Copies of(FileIO io, List<Path> dirs) {
            Map<Path, UUID> read = new LinkedHashMap<>();
            List<Path> missing = new ArrayList<>();
            Map<Path, String> damaged = new LinkedHashMap<>();
            for (Path dir : dirs) {
                try {
                    PartitionMetadataFile.read(io, dir).ifPresentOrElse(id -> read.put(dir, id), () -> missing.add(dir));
                } catch (IOException e) {
                    damaged.put(dir, e.getMessage());
                }
            }
            return new Copies(read, missing, damaged);
        }

        /** The one id the readable copies agree on; empty when none reads or two disagree. */
        public Optional<UUID> agreed() {
            return read.values().stream().distinct().count() == 1 ? Optional.of(read.values().iterator().next())
                    : Optional.empty();
        }

        /** Why the id cannot be known, for a topic whose copies exist but give no one id. */
        public String problem(String name) {
            if (read.isEmpty()) {
                return "no " + PartitionMetadataFile.FILE_NAME + " of topic " + name + " reads (" + damaged.values()
                        + ")";
            }
            StringBuilder ids = new StringBuilder();
            read.forEach((dir, id) -> ids.append(ids.length() == 0 ? "" : ", ").append(PartitionMetadataFile.encode(id))
                    .append(" in ").append(dir.resolve(PartitionMetadataFile.FILE_NAME)));
            return "topic " + name + " has two topic ids: " + ids + "; expected one id in all partitions";
        }
    }

    private static Optional<UUID> loadTopic(FileIO io, String name, List<Path> dirs) throws IOException {
        Copies copies = Copies.of(io, dirs);
        Optional<UUID> id = copies.agreed();
        if (id.isEmpty() && (!copies.damaged().isEmpty() || !copies.read().isEmpty())) {
            LOG.error("Topic {} runs without a topic id: {}; run 'spool repair {}' to give it one", name,
                    copies.problem(name), name);
            return Optional.empty();
        }
        copies.damaged().forEach((dir, problem) -> LOG.error("{}; topic {} keeps the id {} of its other partitions;"
                + " run 'spool repair {}' to restore the file", problem, name,
                PartitionMetadataFile.encode(id.orElseThrow()), name));
        UUID topicId = id.orElseGet(() -> {
            UUID made = PartitionMetadataFile.randomTopicId();
            LOG.info("Topic {} had no topic id (made by an older Spool): it is now {}", name,
                    PartitionMetadataFile.encode(made));
            return made;
        });
        if (id.isPresent() && !copies.missing().isEmpty()) {
            LOG.info("Writing the topic id {} of {} into {} partition(s) that lacked it",
                    PartitionMetadataFile.encode(topicId), name, copies.missing().size());
        }
        for (Path dir : copies.missing()) {
            PartitionMetadataFile.write(io, dir, topicId);
        }
        return Optional.of(topicId);
    }

    public void put(String name, UUID id) {
        ids.put(name, id);
        names.put(id, name);
    }

    public void remove(String name) {
        UUID id = ids.remove(name);
        if (id != null) {
            names.remove(id, name);
        }
    }

    public Optional<UUID> idOf(String name) {
        return Optional.ofNullable(ids.get(name));
    }

    public Optional<String> nameOf(UUID id) {
        return Optional.ofNullable(names.get(id));
    }
}
