package dev.spool.log.tool;

import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The repair of a topic's settings files ({@code topic.config}, one copy in each partition
 * directory): a copy that is missing or does not parse keeps its partition offline (its topic's,
 * when it is partition 0's), and the settings are never guessed, so the repair restores it from a
 * copy that reads: partition 0's when it does, else the lowest partition's that does. A damaged
 * copy is kept aside as {@code topic.config.broken} first; every write is tmp file, force, rename,
 * force the directory ({@link TopicConfigFile#write}), partition 0's last, as a topic's settings
 * are always written. When no copy reads, nothing can be restored: the plan fails with what to do.
 *
 * <p>Used through {@link LogRepair#planSettings} and {@link LogRepair#restoreSettings}, under the
 * data directory's lock. Not thread-safe.
 */
public final class TopicSettingsRepair {
    private final FileIO io;
    private final TopicConfig defaults;
    private final RepairFiles files;

    TopicSettingsRepair(FileIO io, TopicConfig defaults, RepairFiles files) {
        this.io = io;
        this.defaults = defaults;
        this.files = files;
    }

    /** What restoring a topic's settings does: which copies, from which one, and what they hold. */
    public record Plan(String topic, List<Copy> unreadable, TopicPartition source, TopicConfigFile.Stored settings) {
        /** One copy that does not read, and why. */
        public record Copy(TopicPartition partition, Path dir, boolean missing, String problem) {
        }

        /** One paragraph for the user, naming each copy, the source and the settings. */
        public String describe() {
            StringBuilder text = new StringBuilder();
            for (Copy copy : unreadable) {
                text.append(copy.partition()).append("'s ").append(TopicConfigFile.FILE_NAME)
                        .append(copy.missing() ? " is missing" : " does not parse (" + copy.problem() + ")")
                        .append("; ");
            }
            return text + "will restore " + (unreadable.size() == 1 ? "it" : "them") + " from " + source + "'s copy ("
                    + settings.config() + ")"
                    + (unreadable.stream().anyMatch(c -> !c.missing()) ? ", keeping each damaged file as "
                    + TopicConfigFile.FILE_NAME + ".broken" : "") + ".";
        }
    }

    /**
     * The plan for {@code partitions} (every partition of one topic, in order, in {@code dataDir}),
     * or empty when every copy reads.
     *
     * @throws IOException when copies are unreadable and none reads, naming them
     */
    Optional<Plan> plan(String topic, List<TopicPartition> partitions, Path dataDir) throws IOException {
        List<Path> dirs = partitions.stream().map(tp -> dataDir.resolve(tp.dirName())).toList();
        List<Plan.Copy> unreadable = new ArrayList<>();
        TopicPartition source = null;
        TopicConfigFile.Stored settings = null;
        for (int i = 0; i < partitions.size(); i++) {
            Path dir = dirs.get(i);
            if (!TopicConfigFile.exists(io, dir)) {
                unreadable.add(new Plan.Copy(partitions.get(i), dir, true, TopicConfigFile.missingProblem(dir)));
                continue;
            }
            try {
                TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, dir, defaults);
                if (source == null) {
                    source = partitions.get(i);
                    settings = stored;
                }
            } catch (TopicConfigFile.DamagedException e) {
                unreadable.add(new Plan.Copy(partitions.get(i), dir, false, e.getMessage()));
            }
        }
        if (unreadable.isEmpty()) {
            return Optional.empty();
        }
        if (source == null) {
            throw new IOException("No partition of topic '" + topic + "' has a " + TopicConfigFile.FILE_NAME
                    + " that reads (" + unreadable.size() + " missing or damaged), so its settings cannot be restored"
                    + " from a copy: write " + unreadable.get(0).dir().resolve(TopicConfigFile.FILE_NAME)
                    + " by hand (its format is in docs/format.md, 'Topic settings') and run spool repair again");
        }
        return Optional.of(new Plan(topic, List.copyOf(unreadable), source, settings));
    }

    /** Carries out {@code plan}; returns the {@code .broken} copies kept. */
    List<Path> execute(Plan plan) throws IOException {
        List<Path> kept = new ArrayList<>();
        List<Plan.Copy> inOrder = new ArrayList<>(plan.unreadable());
        // Partition 0's copy speaks for the topic: written last, so a crash midway leaves it unreadable
        // (the topic offline, the repair to run again), never a half-restored topic that opens.
        inOrder.sort(Comparator.comparing((Plan.Copy c) -> c.partition().partition() == 0)
                .thenComparing(c -> c.partition().partition()));
        for (Plan.Copy copy : inOrder) {
            Path file = copy.dir().resolve(TopicConfigFile.FILE_NAME);
            if (!copy.missing()) {
                Path broken = files.brokenName(file);
                io.rename(file, broken);
                io.syncDirectory(copy.dir());
                kept.add(broken);
            }
            TopicConfigFile.write(io, copy.dir(), plan.settings().config(), plan.settings().batchBytesMaxStored());
        }
        return kept;
    }
}
