package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CompressionType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compaction settings of a topic and of an embedded log: Kafka's names, ranges and defaults. */
class TopicSettingCompactionTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreKafkasAndALogDeletesUnlessToldToCompact() {
        LogConfig base = LogConfig.defaults();
        assertThat(base.cleanupPolicy()).isEqualTo(CleanupPolicy.DELETE);
        assertThat(base.compacted()).isFalse();
        assertThat(base.compaction()).isEqualTo(new CompactionConfig(86_400_000L, 0.5, 0, Long.MAX_VALUE));
        assertThat(TopicSetting.DELETE_RETENTION_MS.format(TopicSetting.DELETE_RETENTION_MS.defaultValue(base)))
                .isEqualTo("86400000");
        assertThat(TopicSetting.MIN_CLEANABLE_DIRTY_RATIO.format(
                TopicSetting.MIN_CLEANABLE_DIRTY_RATIO.defaultValue(base))).isEqualTo("0.5");
        assertThat(TopicSetting.MIN_COMPACTION_LAG_MS.defaultValue(base)).isZero();
        assertThat(TopicSetting.MAX_COMPACTION_LAG_MS.defaultValue(base)).isEqualTo(Long.MAX_VALUE);
        assertThat(TopicSetting.CLEANUP_POLICY.format(TopicSetting.CLEANUP_POLICY.defaultValue(base)))
                .isEqualTo("delete");
    }

    @Test
    void withCompactionMakesACompactedLogAndKeepsCompactDelete() {
        CompactionConfig settings = CompactionConfig.defaults().withMinCleanableDirtyRatio(0.25)
                .withDeleteRetentionMs(1000);
        LogConfig compacted = LogConfig.defaults().withCompaction(settings);
        assertThat(compacted.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
        assertThat(compacted.compaction()).isEqualTo(settings);
        assertThat(compacted.withSegmentBytes(4096).compacted()).as("kept by the other with… methods").isTrue();
        assertThat(LogConfig.defaults().withCleanupPolicy(CleanupPolicy.COMPACT_DELETE).withCompaction(settings)
                .cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT_DELETE);
        assertThat(CleanupPolicy.ofBits(3)).isEqualTo(CleanupPolicy.COMPACT_DELETE);
        assertThat(CleanupPolicy.COMPACT_DELETE.bits()).isEqualTo(3);
        assertThat(CleanupPolicy.COMPACT.toString()).isEqualTo("compact");
        assertThatThrownBy(() -> CleanupPolicy.ofBits(0)).hasMessageContaining("bits 0");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-1|0.5|0|1|deleteRetentionMs must be at least 0, was -1",
        "0|1.5|0|1|minCleanableDirtyRatio must be from 0 to 1, was 1.5",
        "0|NaN|0|1|minCleanableDirtyRatio must be from 0 to 1, was NaN",
        "0|0.5|-1|1|minCompactionLagMs must be at least 0, was -1",
        "0|0.5|0|0|maxCompactionLagMs must be at least 1, was 0",
        "0|0.5|5|4|minCompactionLagMs 5 must not exceed maxCompactionLagMs 4"})
    void compactionConfigRefusesWhatKafkaRefuses(long deleteMs, double ratio, long minLag, long maxLag, String message) {
        assertThatThrownBy(() -> new CompactionConfig(deleteMs, ratio, minLag, maxLag))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "min.cleanable.dirty.ratio|0.5|500000|0.5",
        "min.cleanable.dirty.ratio|1|1000000|1.0",
        "min.cleanable.dirty.ratio| 0 |0|0.0",
        "min.cleanable.dirty.ratio|0.1234567|123457|0.123457",
        "min.cleanable.dirty.ratio|1e-6|1|1.0E-6",
        "delete.retention.ms|0|0|0",
        "min.compaction.lag.ms|60000|60000|60000",
        "max.compaction.lag.ms|1|1|1"})
    void parsesAndFormatsAsKafka(String key, String text, long value, String formatted) {
        TopicSetting setting = TopicSetting.forKey(key).orElseThrow();
        assertThat(setting.parse(text)).isEqualTo(value);
        assertThat(setting.format(value)).isEqualTo(formatted);
        assertThat(setting.parse(setting.format(value))).as("round trip").isEqualTo(value);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "min.cleanable.dirty.ratio|1.5|Invalid value 1.5 for min.cleanable.dirty.ratio: expected 0 to 1",
        "min.cleanable.dirty.ratio|-0.1|Invalid value -0.1 for min.cleanable.dirty.ratio: expected 0 to 1",
        "min.cleanable.dirty.ratio|NaN|Invalid value NaN for min.cleanable.dirty.ratio: expected 0 to 1",
        "min.cleanable.dirty.ratio|half|Invalid value 'half' for min.cleanable.dirty.ratio: expected a number",
        "delete.retention.ms|-1|Invalid value -1 for delete.retention.ms: expected at least 0",
        "min.compaction.lag.ms|-5|Invalid value -5 for min.compaction.lag.ms: expected at least 0",
        "max.compaction.lag.ms|0|Invalid value 0 for max.compaction.lag.ms: expected at least 1",
        "max.compaction.lag.ms|soon|Invalid value 'soon' for max.compaction.lag.ms: expected a whole number"})
    void refusesValuesOutOfKafkasRange(String key, String text, String message) {
        assertThatThrownBy(() -> TopicSetting.forKey(key).orElseThrow().parse(text))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void aRatioOutOfRangeInPartsPerMillionIsRefusedInThatUnit() {
        assertThatThrownBy(() -> TopicSetting.MIN_CLEANABLE_DIRTY_RATIO.check(1_000_001))
                .hasMessage("Invalid value 1000001 parts per million for min.cleanable.dirty.ratio: expected 0 to "
                        + "1000000 (0 to 1)");
    }

    @Test
    void aTopicCannotSetAMinimumLagAboveItsMaximum() {
        TopicConfig config = TopicConfig.defaults(LogConfig.defaults())
                .withOverride(TopicSetting.MAX_COMPACTION_LAG_MS, 1000);
        assertThatThrownBy(() -> config.withOverride(TopicSetting.MIN_COMPACTION_LAG_MS, 1001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid values: min.compaction.lag.ms (1001) must not exceed max.compaction.lag.ms (1000)");
        assertThat(config.withOverride(TopicSetting.MIN_COMPACTION_LAG_MS, 1000).override(
                TopicSetting.MIN_COMPACTION_LAG_MS)).hasValue(1000);
    }

    @Test
    void applyToMapsTheTopicsPolicyAndCompactionSettingsOntoItsLog() {
        LogConfig base = LogConfig.defaults();
        TopicConfig topic = TopicConfig.defaults(base)
                .withOverride(TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT)
                .withOverride(TopicSetting.DELETE_RETENTION_MS, 5000)
                .withOverride(TopicSetting.MIN_CLEANABLE_DIRTY_RATIO, 100_000)
                .withOverride(TopicSetting.MIN_COMPACTION_LAG_MS, 10)
                .withOverride(TopicSetting.MAX_COMPACTION_LAG_MS, 20);
        LogConfig log = topic.applyTo(base);
        assertThat(log.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
        assertThat(log.compacted()).isTrue();
        assertThat(log.retentionMs()).as("compact alone: no retention").isEqualTo(-1);
        assertThat(log.compaction()).isEqualTo(new CompactionConfig(5000, 0.1, 10, 20));

        LogConfig plain = TopicConfig.defaults(base).applyTo(base);
        assertThat(plain.cleanupPolicy()).isEqualTo(CleanupPolicy.DELETE);
        assertThat(plain.compaction()).isEqualTo(CompactionConfig.defaults());
        LogConfig compactBase = base.withCompaction(CompactionConfig.defaults().withMinCompactionLagMs(500));
        assertThat(TopicConfig.defaults(compactBase).withOverride(TopicSetting.MAX_COMPACTION_LAG_MS, 100)
                .applyTo(compactBase).compaction().maxCompactionLagMs())
                .as("a topic's own maximum below the manager's minimum is raised to it").isEqualTo(500);
    }

    @Test
    void theNewSettingsAreStoredInAVersionTwoTopicConfigAndReadBack() throws IOException {
        FileIO io = FileIO.real();
        TopicConfig topic = new TopicConfig(Durability.NONE, CompressionType.NONE, false, Map.of(
                TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT | TopicSetting.CLEANUP_DELETE,
                TopicSetting.DELETE_RETENTION_MS, 0L,
                TopicSetting.MIN_CLEANABLE_DIRTY_RATIO, 10_000L,
                TopicSetting.MIN_COMPACTION_LAG_MS, 7L,
                TopicSetting.MAX_COMPACTION_LAG_MS, 9L));
        TopicConfigFile.write(io, dir, topic, 0);
        assertThat(Files.readString(dir.resolve(TopicConfigFile.FILE_NAME))).contains("version=2\n",
                "cleanup.policy=compact,delete\n", "delete.retention.ms=0\n", "min.cleanable.dirty.ratio=0.01\n",
                "min.compaction.lag.ms=7\n", "max.compaction.lag.ms=9\n");
        assertThat(TopicConfigFile.read(io, dir, TopicConfig.defaults(LogConfig.defaults()))).isEqualTo(topic);
    }

    @Test
    void aStoredRatioOutOfRangeOrCrossedLagsAreDamageNamingTheLine() throws IOException {
        FileIO io = FileIO.real();
        String head = "version=2\ndurability=none\ncompression=none\nhash.chain=false\nlog.batch.bytes.max=0\n";
        Files.writeString(dir.resolve(TopicConfigFile.FILE_NAME), head + "min.cleanable.dirty.ratio=2\n");
        assertThatThrownBy(() -> TopicConfigFile.read(io, dir, TopicConfig.defaults(LogConfig.defaults())))
                .isInstanceOf(TopicConfigFile.DamagedException.class)
                .hasMessageEndingWith("line 6: Invalid value 2 for min.cleanable.dirty.ratio: expected 0 to 1");
        Files.writeString(dir.resolve(TopicConfigFile.FILE_NAME), head
                + "min.compaction.lag.ms=10\nmax.compaction.lag.ms=5\n");
        assertThatThrownBy(() -> TopicConfigFile.read(io, dir, TopicConfig.defaults(LogConfig.defaults())))
                .isInstanceOf(TopicConfigFile.DamagedException.class)
                .hasMessageContaining("min.compaction.lag.ms (10) must not exceed max.compaction.lag.ms (5)");
    }

    @Test
    void aTopicWithAHashChainCannotBeCompactedAtCreationNorLater() throws IOException {
        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            TopicConfig chained = TopicConfig.defaults(LogConfig.defaults()).withHashChain(true);
            TopicConfig compactedChain = chained.withOverride(TopicSetting.CLEANUP_POLICY, TopicSetting.CLEANUP_COMPACT);
            assertThatThrownBy(() -> manager.createTopic("audit", 1, compactedChain))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("Topic 'audit' keeps a hash chain and cannot be compacted (cleanup.policy=compact): "
                            + "cleaning rewrites batches, which would break the chain");
            assertThat(manager.topics()).doesNotContain("audit");

            manager.createTopic("audit", 1, chained);
            assertThatThrownBy(() -> manager.alterTopicConfig("audit", compactedChain))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be compacted");
            assertThat(manager.topicConfig("audit").value(TopicSetting.CLEANUP_POLICY, LogConfig.defaults()))
                    .as("the topic still deletes").isEqualTo(1);
        }
    }
}
