package dev.spool.log.tool;

import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.PartitionMetadataFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.catalog.TopicIds;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.LogVerifier.Finding;
import dev.spool.log.tool.LogVerifier.Kind;
import dev.spool.log.tool.LogVerifier.Severity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The engine's files beside the segments, checked with their own codecs for {@code spool verify}
 * (the segments and indexes are {@link LogVerifier}'s):
 * <table>
 * <caption>The files checked beside the segments</caption>
 * <tr><th>file</th><th>finding</th><th>severity</th></tr>
 * <tr><td>{@code recovery-point-offset-checkpoint}, {@code log-start-offset-checkpoint}
 *     ({@link OffsetCheckpointFile})</td><td>does not parse: the log manager ignores it and scans
 *     every log</td><td>warning</td></tr>
 * <tr><td>each partition's {@code topic.config} ({@link TopicConfigFile})</td><td>does not parse:
 *     the log manager keeps the partition offline (partition 0's: the whole topic)</td><td>error</td></tr>
 * <tr><td></td><td>missing where the checkpoint lists the partition ({@link TopicConfigFile#isRequired}):
 *     offline as above</td><td>error</td></tr>
 * <tr><td></td><td>differs from partition 0's copy (an alteration a crash interrupted): partition
 *     0's applies to the whole topic</td><td>warning</td></tr>
 * <tr><td>each partition's {@code partition.metadata} ({@link PartitionMetadataFile})</td><td>does
 *     not parse, or two partitions of a topic name two ids: the topic keeps the id the readable
 *     copies agree on, or runs without one; {@code spool repair} writes them again</td><td>error</td></tr>
 * </table>
 * A missing {@code partition.metadata}, or a missing {@code topic.config} in a directory Spool
 * did not make, is no finding: the next open writes it. Read-only; not thread-safe.
 */
public final class DataDirFileChecks implements DataDirCheck {
    private final FileIO io;
    private final LogConfig config;
    private final Optional<String> topic;

    /** Checks the files of every topic ({@code topic} empty) or of one topic, and the checkpoints. */
    public DataDirFileChecks(FileIO io, LogConfig config, Optional<String> topic) {
        this.io = io;
        this.config = config;
        this.topic = topic;
    }

    @Override
    public List<Finding> check(Path dataDir) throws IOException {
        List<Finding> findings = new ArrayList<>();
        Map<TopicPartition, Long> recoveryPoints = checkpoint(dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT),
                findings);
        checkpoint(dataDir.resolve(DataDirFiles.LOG_START_CHECKPOINT), findings);
        TreeMap<TopicPartition, Path> partitions = new LogVerifier(io, config).partitionsOf(dataDir, topic);
        Map<String, List<Map.Entry<TopicPartition, Path>>> byTopic = new TreeMap<>();
        partitions.entrySet().forEach(e -> byTopic.computeIfAbsent(e.getKey().topic(), t -> new ArrayList<>()).add(e));
        for (List<Map.Entry<TopicPartition, Path>> topicPartitions : byTopic.values()) {
            checkTopicConfigs(dataDir, topicPartitions, recoveryPoints, findings);
            checkTopicIds(topicPartitions, findings);
        }
        return findings;
    }

    /** The checkpoint's entries, or none when it is missing or damaged (a finding). */
    private Map<TopicPartition, Long> checkpoint(Path file, List<Finding> findings) {
        try {
            return OffsetCheckpointFile.read(io, file);
        } catch (IOException e) {
            findings.add(new Finding(Severity.WARNING, Kind.FILE_CORRUPT, file, -1, -1, e.getMessage()
                    + "; the log manager ignores it, scans every log and writes it again"));
            return Map.of();
        }
    }

    private void checkTopicConfigs(Path dataDir, List<Map.Entry<TopicPartition, Path>> partitions,
                                   Map<TopicPartition, Long> recoveryPoints, List<Finding> findings) {
        TopicConfigFile.Stored first = null;
        Path firstFile = null;
        TopicConfig defaults = TopicConfig.defaults(config);
        for (Map.Entry<TopicPartition, Path> partition : partitions) {
            Path dir = partition.getValue();
            Path file = dir.resolve(TopicConfigFile.FILE_NAME);
            if (!TopicConfigFile.exists(io, dir)) {
                if (TopicConfigFile.isRequired(io, dataDir, partition.getKey(), recoveryPoints)) {
                    findings.add(new Finding(Severity.ERROR, Kind.FILE_MISSING, file, -1, -1,
                            TopicConfigFile.missingProblem(dir) + offline(partition.getKey())));
                }
                continue;
            }
            TopicConfigFile.Stored stored;
            try {
                stored = TopicConfigFile.readStored(io, dir, defaults);
            } catch (IOException | RuntimeException e) {
                findings.add(new Finding(Severity.ERROR, Kind.FILE_CORRUPT, file, -1, -1, e.getMessage()
                        + offline(partition.getKey())));
                continue;
            }
            if (first == null) {
                first = stored;
                firstFile = file;
            } else if (!first.config().equals(stored.config())) {
                findings.add(new Finding(Severity.WARNING, Kind.FILES_DISAGREE, file, -1, -1, "settings "
                        + stored.config() + " differ from " + first.config() + " in " + firstFile
                        + ", which apply to the topic; altering the topic's config writes them all again"));
            }
        }
    }

    /** What the log manager does about {@code partition}'s unreadable {@code topic.config}. */
    private static String offline(TopicPartition partition) {
        return partition.partition() == 0 ? "; the log manager keeps every partition of topic '" + partition.topic()
                + "' offline (partition 0's copy speaks for the topic)"
                : "; the log manager keeps partition " + partition + " offline";
    }

    /** The same reading of a topic's id copies as the open's ({@link TopicIds.Copies}), as findings. */
    private void checkTopicIds(List<Map.Entry<TopicPartition, Path>> partitions, List<Finding> findings) {
        String repair = "; run 'spool repair " + partitions.get(0).getKey().topic() + "'";
        TopicIds.Copies copies = TopicIds.Copies.of(io, partitions.stream().map(Map.Entry::getValue).toList());
        copies.damaged().forEach((dir, problem) -> findings.add(new Finding(Severity.ERROR, Kind.FILE_CORRUPT,
                dir.resolve(PartitionMetadataFile.FILE_NAME), -1, -1, problem
                + "; the topic keeps the id of its other partitions, or runs without one" + repair)));
        Map.Entry<Path, UUID> first = null;
        for (Map.Entry<Path, UUID> copy : copies.read().entrySet()) {
            if (first == null) {
                first = copy;
            } else if (!first.getValue().equals(copy.getValue())) {
                findings.add(new Finding(Severity.ERROR, Kind.FILES_DISAGREE,
                        copy.getKey().resolve(PartitionMetadataFile.FILE_NAME), -1, -1, "topic id "
                        + PartitionMetadataFile.encode(copy.getValue()) + " differs from "
                        + PartitionMetadataFile.encode(first.getValue()) + " in "
                        + first.getKey().resolve(PartitionMetadataFile.FILE_NAME)
                        + "; expected one id in all partitions of the topic; the topic runs without an id" + repair));
            }
        }
    }
}
