package dev.spool.log.tool;

import dev.spool.log.TopicPartition;
import dev.spool.log.catalog.PartitionMetadataFile;
import dev.spool.log.catalog.TopicIds;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The repair of a topic's id files ({@code partition.metadata}, one copy in each partition
 * directory). The open never stops for them ({@link TopicIds}): a copy that does not read is left as
 * it is while the others give the id, and a topic whose copies all fail, or disagree, runs without
 * an id. This class writes them again:
 * <ul>
 * <li>when the copies that read agree, the damaged ones get that id;</li>
 * <li>when none reads, or two disagree, every partition gets a new random id: the old one cannot be
 *     known, and a guess could give the topic another topic's identity. Clients that cached the old
 *     id find it unknown and look the topic up again by name, as after a topic is re-created.</li>
 * </ul>
 * Each file replaced is kept as {@code partition.metadata.broken} first; each write is tmp file,
 * force, rename, force the directory ({@link PartitionMetadataFile#write}).
 *
 * <p>Used through {@link LogRepair#planTopicId} and {@link LogRepair#restoreTopicId}, under the
 * data directory's lock. Not thread-safe.
 */
public final class TopicIdRepair {
    private final FileIO io;
    private final RepairFiles files;

    TopicIdRepair(FileIO io, RepairFiles files) {
        this.io = io;
        this.files = files;
    }

    /**
     * What restoring a topic's id files does.
     *
     * @param topic    the topic
     * @param rewrite  the partition directories whose file is written (each replaced file is kept)
     * @param id       the id written
     * @param newId    whether {@code id} is new (none could be read), rather than the one the readable copies agree on
     * @param problem  what is wrong, in one phrase naming the files
     */
    public record Plan(String topic, List<Path> rewrite, UUID id, boolean newId, String problem) {
        /** One paragraph for the user. */
        public String describe() {
            return "Topic " + topic + ": " + problem + "; will " + (newId
                    ? "give it a new topic id " + PartitionMetadataFile.encode(id) + " (the old one cannot be read;"
                    + " clients that cached it look the topic up again by name)"
                    : "write its id " + PartitionMetadataFile.encode(id) + ", which the other partitions hold, into "
                    + rewrite.size() + " partition(s)")
                    + ", keeping each file replaced as " + PartitionMetadataFile.FILE_NAME + ".broken.";
        }
    }

    /** The plan for one topic's partitions (all of them, in order), or empty when its id files need nothing. */
    Optional<Plan> plan(List<TopicPartition> partitions, Path dataDir) {
        String topic = partitions.get(0).topic();
        List<Path> dirs = partitions.stream().map(tp -> dataDir.resolve(tp.dirName())).toList();
        TopicIds.Copies copies = TopicIds.Copies.of(io, dirs);
        Optional<UUID> agreed = copies.agreed();
        if (copies.damaged().isEmpty() && (agreed.isPresent() || copies.read().isEmpty())) {
            return Optional.empty(); // sound, or only missing copies, which every open writes itself
        }
        if (agreed.isPresent()) {
            return Optional.of(new Plan(topic, List.copyOf(copies.damaged().keySet()), agreed.get(), false,
                    String.join("; ", copies.damaged().values())));
        }
        return Optional.of(new Plan(topic, List.copyOf(dirs), PartitionMetadataFile.randomTopicId(), true,
                copies.problem(topic)));
    }

    /** Carries out {@code plan}; returns the {@code .broken} copies kept. */
    List<Path> execute(Plan plan) throws IOException {
        List<Path> kept = new ArrayList<>();
        for (Path dir : plan.rewrite()) {
            Path file = dir.resolve(PartitionMetadataFile.FILE_NAME);
            if (io.exists(file)) {
                Path broken = files.brokenName(file);
                io.rename(file, broken);
                io.syncDirectory(dir);
                kept.add(broken);
            }
            PartitionMetadataFile.write(io, dir, plan.id());
        }
        return kept;
    }
}
