package dev.spool.log.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.Durability;
import dev.spool.log.LogConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicSetting;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.TimestampType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code topic.config} codec: both versions' golden files, the round trip, and each bad input refused. */
class TopicConfigFileTest {
    private static final FileIO IO = FileIO.real();
    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
    private static final TopicConfig DEFAULTS = new TopicConfig(Durability.NONE, CompressionType.NONE, false);
    /** What golden/topic-config-v2 holds. */
    static final TopicConfig V2 = new TopicConfig(Durability.STRICT, CompressionType.LZ4, false, Map.of(
            TopicSetting.RETENTION_MS, 86_400_000L, TopicSetting.RETENTION_BYTES, -1L,
            TopicSetting.SEGMENT_BYTES, 52_428_800L, TopicSetting.SEGMENT_MS, 3_600_000L,
            TopicSetting.SEGMENT_INDEX_BYTES, 4096L, TopicSetting.MAX_MESSAGE_BYTES, 10_485_772L,
            TopicSetting.MESSAGE_TIMESTAMP_TYPE, (long) TimestampType.LOG_APPEND_TIME.ordinal(),
            TopicSetting.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, 60_000L, TopicSetting.MESSAGE_TIMESTAMP_AFTER_MAX_MS, 5_000L,
            TopicSetting.COMPRESSION_TYPE, (long) CompressionType.GZIP.id()));

    @TempDir
    Path dir;

    @Test
    void readsTheVersionOneFileOlderSpoolWroteAsATopicWithoutOverrides() throws IOException {
        TopicConfigFile.Stored stored = TopicConfigFile.readStored(IO, GOLDEN.resolve("topic-config-v1"), DEFAULTS);
        assertThat(stored.config()).isEqualTo(new TopicConfig(Durability.STRICT, CompressionType.ZSTD, true));
        assertThat(stored.config().overrides()).isEmpty();
        assertThat(stored.batchBytesMaxStored()).isZero();
        assertThat(stored.config().applyTo(LogConfig.defaults(), stored.batchBytesMaxStored()))
                .isEqualTo(LogConfig.defaults().withDurability(Durability.STRICT).withHashChain(true));
    }

    @Test
    void writesAndReadsTheVersionTwoGoldenFileExactly() throws IOException {
        TopicConfigFile.Stored golden = TopicConfigFile.readStored(IO, GOLDEN.resolve("topic-config-v2"), DEFAULTS);
        assertThat(golden.config()).isEqualTo(V2);
        assertThat(golden.batchBytesMaxStored()).isEqualTo(10_485_772);
        assertThat(golden.config().timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(golden.config().storedCompression()).hasValue(CompressionType.GZIP);

        TopicConfigFile.write(IO, dir, V2, 10_485_772);
        assertThat(Files.readString(dir.resolve(TopicConfigFile.FILE_NAME)))
                .isEqualTo(Files.readString(GOLDEN.resolve("topic-config-v2").resolve(TopicConfigFile.FILE_NAME)));
        assertThat(Files.exists(dir.resolve(TopicConfigFile.FILE_NAME + ".tmp"))).isFalse();
    }

    @Test
    void onlyTheOverridesThatWereSetAreStored() throws IOException {
        TopicConfig config = DEFAULTS.withOverride(TopicSetting.RETENTION_MS, 1000);
        TopicConfigFile.write(IO, dir, config, 0);
        String text = Files.readString(dir.resolve(TopicConfigFile.FILE_NAME));
        assertThat(text).contains("retention.ms=1000").doesNotContain("segment.bytes", "max.message.bytes");
        assertThat(TopicConfigFile.read(IO, dir, DEFAULTS)).isEqualTo(config);
        assertThat(TopicConfigFile.read(IO, dir, DEFAULTS).withoutOverride(TopicSetting.RETENTION_MS))
                .isEqualTo(DEFAULTS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "version=3|unknown version '3', expected 1 or 2",
        "version=1\\nsegment.bytes=100|unknown key 'segment.bytes' in a version 1 file",
        "version=2\\nlog.batch.bytes.max=0\\ncleanup.policy=shrink|line 7: Invalid value 'shrink' for cleanup.policy",
        "version=2\\nlog.batch.bytes.max=0\\nno.such.key=1|line 7: unknown key 'no.such.key'",
        "version=2\\nlog.batch.bytes.max=0\\nsegment.bytes=13|line 7: Invalid value 13 for segment.bytes: expected 14 to 2147483647",
        "version=2\\nlog.batch.bytes.max=0\\nretention.ms=-2|Invalid value -2 for retention.ms: expected at least -1",
        "version=2\\nlog.batch.bytes.max=0\\nmax.message.bytes=4294967296|expected 0 to 2147483647",
        "version=2\\nlog.batch.bytes.max=0\\nmessage.timestamp.type=createtime|expected CreateTime or LogAppendTime",
        "version=2\\nlog.batch.bytes.max=0\\nsegment.ms=soon|Invalid value 'soon' for segment.ms: expected a whole number",
        "version=2\\nlog.batch.bytes.max=0\\ncompression.type=brotli|expected producer, uncompressed, gzip, snappy, lz4 or zstd",
        "version=2\\nlog.batch.bytes.max=-1|log.batch.bytes.max must be a whole number from 0",
        "version=2|missing 'log.batch.bytes.max'",
        "version=2\\nlog.batch.bytes.max=0\\nretention.ms=1\\nretention.ms=2|line 8: 'retention.ms' is set twice",
    })
    void aBadFileIsRefusedNamingTheFileAndTheProblem(String tail, String problem) throws IOException {
        String text = "durability=none\ncompression=none\nhash.chain=false\n" + tail.replace("\\n", "\n") + "\n";
        Path file = Files.writeString(dir.resolve(TopicConfigFile.FILE_NAME), "# test\n" + text);
        assertThatThrownBy(() -> TopicConfigFile.read(IO, dir, DEFAULTS)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("Bad topic config " + file).hasMessageContaining(problem);
    }

    @Test
    void compressionTypeTakesKafkasNamesAndNoneForUncompressed() {
        TopicSetting setting = TopicSetting.COMPRESSION_TYPE;
        assertThat(setting.format(setting.parse("producer"))).isEqualTo("producer");
        assertThat(setting.format(setting.parse(" none "))).isEqualTo("uncompressed");
        assertThat(setting.format(setting.parse("ZSTD"))).isEqualTo("zstd");
        assertThat(DEFAULTS.storedCompression()).isEmpty();
        assertThat(DEFAULTS.withOverride(setting, setting.parse("uncompressed")).storedCompression())
                .hasValue(CompressionType.NONE);
    }

    @Test
    void kafkasWiderRangesMapOntoWhatALogCanRunWith() {
        LogConfig base = LogConfig.defaults();
        LogConfig tiny = DEFAULTS.withOverride(TopicSetting.SEGMENT_BYTES, 14).withOverride(TopicSetting.MAX_MESSAGE_BYTES, 0)
                .withOverride(TopicSetting.RETENTION_MS, 0).withOverride(TopicSetting.RETENTION_BYTES, -5)
                .withOverride(TopicSetting.SEGMENT_INDEX_BYTES, 4).applyTo(base);
        assertThat(tiny.batchBytesMax()).isEqualTo(61 + 7);
        assertThat(tiny.segmentBytes()).isEqualTo(61);
        assertThat(tiny.retentionMs()).isEqualTo(1);
        assertThat(tiny.retentionBytes()).isEqualTo(-1);
        assertThat(tiny.segmentIndexBytes()).isEqualTo(base.segmentIndexBytes());
        LogConfig lowered = DEFAULTS.withOverride(TopicSetting.MAX_MESSAGE_BYTES, 1000).applyTo(base, 10 << 20);
        assertThat(lowered.batchBytesMax()).as("never below the largest limit the topic had").isEqualTo(10 << 20);
        assertThat(DEFAULTS.value(TopicSetting.MAX_MESSAGE_BYTES, base)).isEqualTo(base.batchBytesMax());
        assertThatThrownBy(() -> DEFAULTS.withOverride(TopicSetting.SEGMENT_MS, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Invalid value 0 for segment.ms: expected at least 1");
    }
}
