package dev.spool.log.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.DataDirCodecs;
import dev.spool.log.Durability;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicName;
import dev.spool.log.TopicPartition;
import dev.spool.log.TopicSetting;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.CompressionType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile bytes into the data directory's text files: the offset checkpoints (Kafka's format, read
 * by {@code OffsetCheckpointFile}) and a partition's {@code topic.config}. Inputs are files the
 * codecs wrote, mutated byte-wise (which also makes invalid UTF-8, binary garbage and cut lines),
 * and text drawn from the files' own alphabet so the parsers get past their first line.
 *
 * <p>Asserted: a checkpoint either parses to entries that are all legal (valid topic name,
 * partition and offset not negative) or is refused with the checkpoint's own exception, which
 * the log manager treats as "no checkpoint: scan"; a topic config either parses to a complete
 * setting or is refused with an {@link IOException} naming the file ("Bad topic config …"):
 * durability is never guessed. Nothing is allocated beyond a few times the file's size.
 */
@AddLifecycleHook(FuzzSettings.class)
class DataDirFilesFuzzTest {
    private static final ScratchDir SCRATCH = new ScratchDir("spool-fuzz-datadir");
    private static final FileIO IO = new NoSyncFileIO();
    /** The file's bytes, its string, the split lines and their fields: a small multiple of its size. */
    private static final long ALLOCATED_BYTES_PER_FILE_BYTE = 32;
    private static final long ALLOCATED_BYTES_FIXED = 1 << 20;

    @AfterContainer
    static void removeScratch() throws IOException {
        SCRATCH.close();
    }

    @Property(tries = 700, shrinking = ShrinkingMode.BOUNDED)
    void checkpointParsesToLegalEntriesOrIsRefused(@ForAll("checkpoints") Map<TopicPartition, Long> offsets,
                                                  @ForAll("mutations") List<Mutation> mutations) throws IOException {
        Path dir = SCRATCH.fresh();
        Path valid = dir.resolve(DataDirCodecs.RECOVERY_POINT_CHECKPOINT);
        DataDirCodecs.writeCheckpoint(IO, valid, offsets);
        assertThat(DataDirCodecs.readCheckpoint(IO, valid)).as("round trip").isEqualTo(offsets);
        byte[] hostile = Mutation.applyAll(Files.readAllBytes(valid), mutations);
        checkCheckpoint(dir, hostile, offsets.size() + "-entry checkpoint, " + mutations);
    }

    @Property(tries = 700, shrinking = ShrinkingMode.BOUNDED)
    void checkpointOfTextInItsOwnAlphabetParsesToLegalEntriesOrIsRefused(@ForAll("checkpointText") String text)
            throws IOException {
        checkCheckpoint(SCRATCH.fresh(), text.getBytes(StandardCharsets.UTF_8), "checkpoint text '" + text + "'");
    }

    private static void checkCheckpoint(Path dir, byte[] hostile, String input) throws IOException {
        Path file = ScratchDir.write(dir.resolve("hostile-checkpoint"), hostile);
        Bounded.Outcome<Map<TopicPartition, Long>> outcome = Bounded.run(input,
                ALLOCATED_BYTES_FIXED + ALLOCATED_BYTES_PER_FILE_BYTE * hostile.length,
                Set.of(DataDirCodecs.corruptCheckpointType()), () -> DataDirCodecs.readCheckpoint(IO, file));
        Statistics.label("outcome").collect(outcome.failed() ? "refused" : "parsed");
        if (outcome.failed()) {
            assertThat(outcome.thrown()).hasMessageStartingWith("Corrupt checkpoint " + file + " line ");
        } else {
            outcome.result().forEach((partition, offset) -> {
                assertThat(TopicName.isValid(partition.topic())).isTrue();
                assertThat(partition.partition()).isNotNegative();
                assertThat(offset).isNotNegative();
            });
        }
    }

    /**
     * Regression: a checkpoint of exactly 2 GiB passed the size check ({@code > 2^31}) and then
     * failed {@code ByteBuffer.allocate((int) size)} with an {@link IllegalArgumentException},
     * which the log manager does not catch (it ignores only a corrupt checkpoint): a damaged
     * checkpoint stopped the data directory from opening. Any size below that was read whole, so a
     * 1 GiB damaged file cost 1 GiB of heap (and more for its text) before it was found corrupt.
     */
    @Example
    void aCheckpointTooLargeToBeOneIsRefusedBeforeItIsRead() throws IOException {
        for (long size : new long[] {1L << 31, 1L << 30, (64L << 20) + 1}) {
            Path file = SCRATCH.fresh().resolve(DataDirCodecs.RECOVERY_POINT_CHECKPOINT);
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(size); // holes: nothing on disk, a large claim
            }
            Bounded.Outcome<Map<TopicPartition, Long>> outcome = Bounded.run(size + "-byte sparse checkpoint",
                    ALLOCATED_BYTES_FIXED, Set.of(DataDirCodecs.corruptCheckpointType()),
                    () -> DataDirCodecs.readCheckpoint(IO, file));
            assertThat(outcome.thrown()).hasMessageContaining("file of " + size + " bytes is implausibly large");
        }
    }

    @Property(tries = 700, shrinking = ShrinkingMode.BOUNDED)
    void topicConfigParsesCompletelyOrIsRefused(@ForAll("topicConfigs") TopicConfig config,
                                               @ForAll("mutations") List<Mutation> mutations) throws IOException {
        Path dir = SCRATCH.fresh();
        Path partition = Files.createDirectories(dir.resolve("valid"));
        DataDirCodecs.writeTopicConfig(IO, partition, config);
        TopicConfig defaults = new TopicConfig(Durability.NONE, CompressionType.NONE, false);
        assertThat(DataDirCodecs.readTopicConfig(IO, partition, defaults)).as("round trip").isEqualTo(config);
        byte[] hostile = Mutation.applyAll(Files.readAllBytes(partition.resolve(DataDirCodecs.TOPIC_CONFIG_FILE)),
                mutations);
        Path hostileDir = Files.createDirectories(dir.resolve("hostile"));
        Path file = ScratchDir.write(hostileDir.resolve(DataDirCodecs.TOPIC_CONFIG_FILE), hostile);
        Bounded.Outcome<TopicConfig> outcome = Bounded.run(config + ", " + mutations,
                ALLOCATED_BYTES_FIXED + ALLOCATED_BYTES_PER_FILE_BYTE * hostile.length, Set.of(IOException.class),
                () -> DataDirCodecs.readTopicConfig(IO, hostileDir, defaults));
        Statistics.label("outcome").collect(outcome.failed() ? "refused" : "parsed");
        if (outcome.failed()) {
            assertThat(outcome.thrown()).hasMessageStartingWith("Bad topic config " + file);
        } else {
            // Parsed: each setting came from the file (a damaged value is refused, never replaced by a default).
            String text = new String(hostile, StandardCharsets.UTF_8);
            TopicConfig parsed = outcome.result();
            assertThat(text).containsIgnoringCase(parsed.durability().name())
                    .containsIgnoringCase(parsed.compression().name()).contains(String.valueOf(parsed.hashChain()));
            parsed.overrides().keySet().forEach(setting -> assertThat(text).contains(setting.key()));
        }
    }

    @Provide
    Arbitrary<Map<TopicPartition, Long>> checkpoints() {
        Arbitrary<TopicPartition> partitions = Combinators.combine(
                Arbitraries.strings().withChars("abcxyz._-0129").ofMinLength(1).ofMaxLength(12)
                        .filter(TopicName::isValid),
                Arbitraries.integers().between(0, 20)).as(TopicPartition::new);
        return Arbitraries.maps(partitions, Arbitraries.longs().between(0, Long.MAX_VALUE)).ofMaxSize(8);
    }

    @Provide
    Arbitrary<String> checkpointText() {
        // The lines of a checkpoint from its own characters: digits, spaces, newlines, a sign, name characters.
        Arbitrary<String> line = Arbitraries.strings().withChars("0123456789  -a._\n").ofMaxLength(24);
        return Combinators.combine(Arbitraries.of("0\n", "1\n", "", "00\n", "0"),
                Arbitraries.integers().between(-2, 6), line.list().ofMaxSize(6))
                .as((version, count, lines) -> version + count + "\n" + String.join("\n", lines)
                        + (lines.isEmpty() ? "" : "\n"));
    }

    @Provide
    Arbitrary<TopicConfig> topicConfigs() {
        int settings = TopicSetting.values().length;
        Arbitrary<Map<TopicSetting, Long>> overrides = Combinators.combine(
                Arbitraries.subsetOf(TopicSetting.values()),
                Arbitraries.oneOf(Arbitraries.longs().between(-1, 4), Arbitraries.longs().between(-1, Long.MAX_VALUE))
                        .list().ofSize(settings))
                .as((chosen, values) -> {
                    Map<TopicSetting, Long> valid = new java.util.EnumMap<>(TopicSetting.class);
                    for (TopicSetting setting : chosen) {
                        try {
                            setting.check(values.get(setting.ordinal()));
                            valid.put(setting, values.get(setting.ordinal()));
                        } catch (IllegalArgumentException outOfRange) {
                            // only values in the setting's range reach a file
                        }
                    }
                    Long minLagMs = valid.get(TopicSetting.MIN_COMPACTION_LAG_MS);
                    Long maxLagMs = valid.get(TopicSetting.MAX_COMPACTION_LAG_MS);
                    if (minLagMs != null && maxLagMs != null && minLagMs > maxLagMs) {
                        valid.remove(TopicSetting.MIN_COMPACTION_LAG_MS); // a topic cannot hold the crossed pair
                    }
                    return valid;
                });
        return Combinators.combine(Arbitraries.of(Durability.class), Arbitraries.of(CompressionType.class),
                Arbitraries.of(true, false), overrides).as(TopicConfig::new);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.lists(3);
    }
}
