package dev.spool.log.catalog;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 *  two partitions disagree                   the open fails, naming both files: the topic's
 *                                            identity is never guessed
 *  one does not parse                        the open fails, naming the file
 * </pre>
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
            put(topic.getKey(), loadTopic(io, topic.getKey(), topic.getValue()));
        }
    }

    private static UUID loadTopic(FileIO io, String name, List<Path> dirs) throws IOException {
        UUID id = null;
        Path idSource = null;
        List<Path> missing = new ArrayList<>();
        for (Path dir : dirs) {
            Optional<UUID> found = PartitionMetadataFile.read(io, dir);
            if (found.isEmpty()) {
                missing.add(dir);
            } else if (id == null) {
                id = found.get();
                idSource = dir.resolve(PartitionMetadataFile.FILE_NAME);
            } else if (!id.equals(found.get())) {
                throw new IOException("Topic " + name + " has two topic ids: "
                        + PartitionMetadataFile.encode(id) + " in " + idSource + " and "
                        + PartitionMetadataFile.encode(found.get()) + " in "
                        + dir.resolve(PartitionMetadataFile.FILE_NAME) + "; expected one id in all partitions");
            }
        }
        if (id == null) {
            id = PartitionMetadataFile.randomTopicId();
            LOG.info("Topic {} had no topic id (made by an older Spool): it is now {}", name,
                    PartitionMetadataFile.encode(id));
        } else if (!missing.isEmpty()) {
            LOG.info("Writing the topic id {} of {} into {} partition(s) that lacked it", PartitionMetadataFile.encode(id),
                    name, missing.size());
        }
        for (Path dir : missing) {
            PartitionMetadataFile.write(io, dir, id);
        }
        return id;
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
