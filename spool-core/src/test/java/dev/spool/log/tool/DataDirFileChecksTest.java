package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.LogVerifier.Finding;
import dev.spool.log.tool.LogVerifier.Kind;
import dev.spool.log.tool.LogVerifier.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each file beside the segments damaged as a disk would, and the one finding verify reports for it. */
class DataDirFileChecksTest {
    @TempDir
    Path dataDir;

    private final DataDirFileChecks checks = new DataDirFileChecks(FileIO.real(), LogConfig.defaults(), Optional.empty());

    @BeforeEach
    void twoTopics() throws IOException {
        try (LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("strict", 2, TopicConfig.defaults(LogConfig.defaults()).withDurability(Durability.STRICT));
            manager.createTopic("other", 1);
        }
    }

    private Finding only() throws IOException {
        List<Finding> findings = checks.check(dataDir);
        assertThat(findings).hasSize(1);
        return findings.get(0);
    }

    @Test
    void aSoundDirectoryHasNoFinding() throws IOException {
        assertThat(checks.check(dataDir)).isEmpty();
    }

    @Test
    void aDamagedTopicConfigIsAnError() throws IOException {
        Path file = dataDir.resolve("strict-1").resolve("topic.config");
        Files.writeString(file, "version=2\ndurability=sometimes\n");
        Finding finding = only();
        assertThat(finding.toString()).startsWith("ERROR FILE_CORRUPT " + file + ": Bad topic config " + file)
                .endsWith("; the log manager keeps partition strict-1 offline");
    }

    @Test
    void aLostTopicConfigOfACheckpointedPartitionIsAnError() throws IOException {
        Path file = dataDir.resolve("strict-0").resolve("topic.config");
        Files.delete(file);
        assertThat(only().toString()).isEqualTo("ERROR FILE_MISSING " + file + ": Topic config " + file
                + " is missing, but the recovery-point checkpoint lists the partition, so Spool wrote it: its settings"
                + " (durability, retention) are not guessed; restore the file (a copy from another partition of the"
                + " topic holds the same settings); the log manager keeps every partition of topic 'strict' offline (partition 0's"
                + " copy speaks for the topic)");
    }

    @Test
    void aMissingTopicConfigInADirectoryKafkaWroteIsNoFinding() throws IOException {
        Files.delete(dataDir.resolve("strict-0").resolve("topic.config"));
        Files.writeString(dataDir.resolve("meta.properties"), "version=1\n");
        assertThat(checks.check(dataDir)).isEmpty();
    }

    @Test
    void topicConfigsThatDisagreeAreAWarning() throws IOException {
        Path file = dataDir.resolve("strict-1").resolve("topic.config");
        Files.writeString(file, Files.readString(file).replace("durability=strict", "durability=none"));
        Finding finding = only();
        assertThat(finding.severity()).isEqualTo(Severity.WARNING);
        assertThat(finding.kind()).isEqualTo(Kind.FILES_DISAGREE);
        assertThat(finding.file()).isEqualTo(file);
        assertThat(finding.problem()).contains("differ from").contains(dataDir.resolve("strict-0").toString());
    }

    @Test
    void aDamagedOrDisagreeingTopicIdIsAnError() throws IOException {
        Path file = dataDir.resolve("strict-1").resolve("partition.metadata");
        Files.writeString(file, "version: 0\ntopic_id: !!");
        assertThat(only().toString()).startsWith("ERROR FILE_CORRUPT " + file + ": Bad partition metadata " + file
                + " line 2: expected a topic id of 22 URL-safe base64 characters, found '!!'");
        Files.writeString(file, "version: 0\ntopic_id: AAECAwQFBgcICQoLDA0ODw");
        Finding finding = only();
        assertThat(finding.kind()).isEqualTo(Kind.FILES_DISAGREE);
        assertThat(finding.problem()).startsWith("topic id AAECAwQFBgcICQoLDA0ODw differs from ");
    }

    @Test
    void aDamagedCheckpointIsAWarningTheNextOpenMends() throws IOException {
        Path file = dataDir.resolve("log-start-offset-checkpoint");
        Files.writeString(file, "0\n5\nstrict 0 0\n");
        assertThat(only().toString()).isEqualTo("WARNING FILE_CORRUPT " + file + ": Corrupt checkpoint " + file
                + " line 2: announces 5 entries but holds 1; the log manager ignores it, scans every log and writes"
                + " it again");
    }
}
