package dev.spool.log.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.SegmentInfo;
import dev.spool.log.TimestampOffset;
import dev.spool.log.io.FileIO;
import dev.spool.log.record.KafkaInterop;
import dev.spool.log.record.KafkaInterop.Seen;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed files of format version 1: a three-segment log with offset and time
 * indexes, and one stand-alone batch. They must open and read back exactly, with Spool's classes
 * and with Kafka's, and the current code must still write them byte for byte, so that an
 * accidental format change fails here loudly. See {@link GoldenLog} for the content and how to
 * regenerate after a deliberate change.
 */
class GoldenFilesTest {
    private static final long T0 = GoldenLog.T0;
    private static final long[] SEGMENT_BASES = {0L, 9L, 19L};
    private static final long LOG_END_OFFSET = 24L;

    /** Offset index entries per segment: {absolute offset, position}. The offset is the indexed batch's last. */
    private static final long[][][] OFFSET_INDEX = {
            {{5, 202}, {6, 361}},
            {{12, 148}, {17, 360}, {18, 510}},
            {{23, 128}},
    };

    /** Time index entries per segment: {timestamp, absolute offset}; the last of a closed segment is its maximum. */
    private static final long[][][] TIME_INDEX = {
            {{T0 + 2002, 5}, {T0 + 3000, 6}, {T0 + 4001, 8}},
            {{T0 + 6000, 12}, {T0 + 8002, 17}, {T0 + 9000, 18}},
            {{T0 + 11002, 23}},
    };

    @TempDir
    Path temp;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(GoldenFilesTest.class.getResource("/golden/v1/" + name).toURI());
    }

    private Path copyOfTopic() throws Exception {
        Path target = temp.resolve("copy").resolve(GoldenLog.TOPIC_DIR);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(resource(GoldenLog.TOPIC_DIR))) {
            for (Path file : files.toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }

    static Stream<Arguments> loadStates() {
        return Stream.of(Arguments.of("clean", LoadState.clean()), Arguments.of("unknown", LoadState.unknown()));
    }

    @Test
    void theCommittedDirectoryHoldsExactlyTheExpectedFiles() throws Exception {
        List<String> expected = new ArrayList<>();
        for (long base : SEGMENT_BASES) {
            expected.add(SegmentFiles.baseName(base) + ".index");
            expected.add(SegmentFiles.baseName(base) + ".log");
            expected.add(SegmentFiles.baseName(base) + ".timeindex");
        }
        try (Stream<Path> files = Files.list(resource(GoldenLog.TOPIC_DIR))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactlyElementsOf(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("loadStates")
    void logOpensAndReadsBackExactly(String name, LoadState state) throws Exception {
        Path dir = copyOfTopic();
        try (Log log = Log.open(FileIO.real(), dir, GoldenLog.CONFIG, state, () -> GoldenLog.CLOCK_MS)) {
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.logEndOffset()).isEqualTo(LOG_END_OFFSET);
            assertThat(log.segments()).extracting(SegmentInfo::baseOffset).containsExactly(0L, 9L, 19L);
            assertThat(log.segments()).extracting(SegmentInfo::sizeBytes).containsExactly(572L, 594L, 283L);

            assertThat(readAll(log, 0)).isEqualTo(GoldenLog.expectedRecords());
            // A read from the middle of a batch starts with that batch (offset 14 is in 13..14).
            assertThat(readAll(log, 14).get(0).offset()).isEqualTo(13L);
            assertThat(readAll(log, 14)).isEqualTo(GoldenLog.expectedRecords().subList(13, 24));

            assertThat(log.findOffsetByTimestamp(T0 + 2002)).contains(new TimestampOffset(5, T0 + 2002));
            // Batch 7 goes backwards (T0+7000 then T0+6500): the first record at or after T0+6200 is offset 13.
            assertThat(log.findOffsetByTimestamp(T0 + 6200)).contains(new TimestampOffset(13, T0 + 7000));
            assertThat(log.findOffsetByTimestamp(T0 + 11003)).isEqualTo(Optional.empty());
        }
        // Opening (and recovering, for "unknown") and closing must leave every file as it was.
        assertSameFiles(dir, resource(GoldenLog.TOPIC_DIR));
    }

    /**
     * Regression: recovery after an unclean shutdown rebuilt the time index of every scanned
     * segment without the final "largest timestamp" entry a roll adds, then wrote it over the good
     * file. On the next clean open a sealed segment then reported a too-small maximum timestamp, so
     * a lookup by time skipped records it holds (and time retention could delete it too early).
     */
    @Test
    void uncleanRecoveryKeepsTheLargestTimestampOfSealedSegments() throws Exception {
        Path dir = copyOfTopic();
        try (Log log = Log.open(FileIO.real(), dir, GoldenLog.CONFIG, LoadState.unknown(), () -> GoldenLog.CLOCK_MS)) {
            assertThat(log.logEndOffset()).isEqualTo(LOG_END_OFFSET);
        }
        try (Log log = Log.open(FileIO.real(), dir, GoldenLog.CONFIG, LoadState.clean(), () -> GoldenLog.CLOCK_MS)) {
            assertThat(log.segments()).extracting(SegmentInfo::maxTimestamp)
                    .containsExactly(T0 + 4001, T0 + 9000, T0 + 11002);
            assertThat(log.findOffsetByTimestamp(T0 + 4001)).contains(new TimestampOffset(8, T0 + 4001));
            assertThat(log.findOffsetByTimestamp(T0 + 8500)).contains(new TimestampOffset(18, T0 + 9000));
        }
    }

    @Test
    void someLiteralRecordsOfTheGoldenLog() throws Exception {
        // Guards the content definition itself: these values are written out, not computed.
        List<Seen> records = GoldenLog.expectedRecords();
        assertThat(records).hasSize(24);
        assertThat(records.get(0)).isEqualTo(new Seen(0, T0, "null", "null", List.of()));
        assertThat(records.get(1)).isEqualTo(new Seen(1, T0 + 1000, "0x" + hexOf("key-1-0"), "0x",
                List.of("trace=0x" + hexOf("t10"))));
        assertThat(records.get(2)).isEqualTo(new Seen(2, T0 + 1001, "0x" + hexOf("key-1-1"),
                "0x" + hexOf("value 1.1"), List.of("κλειδί-🔑=null", "empty=0x")));
        assertThat(records.get(14)).isEqualTo(new Seen(14, T0 + 6500, "null", "0x" + hexOf("value 7.1"),
                List.of("κλειδί-🔑=null", "empty=0x")));
    }

    @Test
    void indexFilesHoldExactlyTheExpectedEntries() throws Exception {
        Path dir = resource(GoldenLog.TOPIC_DIR);
        for (int s = 0; s < SEGMENT_BASES.length; s++) {
            long base = SEGMENT_BASES[s];
            ByteBuffer index = ByteBuffer.wrap(Files.readAllBytes(SegmentFiles.indexFile(dir, base)));
            ByteBuffer log = ByteBuffer.wrap(Files.readAllBytes(SegmentFiles.logFile(dir, base)));
            List<List<Long>> offsets = new ArrayList<>();
            for (int at = 0; at < index.limit(); at += 8) {
                long offset = base + index.getInt(at);
                int position = index.getInt(at + 4);
                offsets.add(List.of(offset, (long) position));
                // Kafka's convention: the entry names the last offset of the batch that starts at the position.
                assertThat(RecordBatch.lastOffset(log, position)).as("segment %d entry at %d", base, at)
                        .isEqualTo(offset);
            }
            assertThat(offsets).as("offset index of segment %d", base).isEqualTo(asLists(OFFSET_INDEX[s]));

            ByteBuffer timeIndex = ByteBuffer.wrap(Files.readAllBytes(SegmentFiles.timeIndexFile(dir, base)));
            List<List<Long>> times = new ArrayList<>();
            for (int at = 0; at < timeIndex.limit(); at += 12) {
                times.add(List.of(timeIndex.getLong(at), base + timeIndex.getInt(at + 8)));
            }
            assertThat(times).as("time index of segment %d", base).isEqualTo(asLists(TIME_INDEX[s]));
        }
    }

    @Test
    void kafkaReadsTheSameRecordsFromTheSegmentFiles() throws Exception {
        Path dir = resource(GoldenLog.TOPIC_DIR);
        List<Seen> seen = new ArrayList<>();
        long expectedBase = 0;
        for (long base : SEGMENT_BASES) {
            try (FileRecords records = FileRecords.open(SegmentFiles.logFile(dir, base).toFile(), false)) {
                boolean first = true;
                for (FileChannelRecordBatch batch : records.batches()) {
                    assertThat(batch.isValid()).isTrue();
                    batch.ensureValid();
                    assertThat(batch.baseOffset()).isEqualTo(expectedBase);
                    if (first) {
                        assertThat(batch.baseOffset()).as("first batch of segment %d", base).isEqualTo(base);
                        first = false;
                    }
                    seen.addAll(KafkaInterop.seenByKafka(batch));
                    expectedBase = batch.nextOffset();
                }
            }
        }
        assertThat(expectedBase).isEqualTo(LOG_END_OFFSET);
        assertThat(seen).isEqualTo(GoldenLog.expectedRecords());
    }

    @Test
    void theCurrentCodeWritesTheSameBytes() throws Exception {
        Path fresh = temp.resolve("fresh");
        GoldenLog.writeAll(fresh);
        assertSameFiles(fresh.resolve(GoldenLog.TOPIC_DIR), resource(GoldenLog.TOPIC_DIR));
        assertThat(Files.readAllBytes(fresh.resolve(GoldenLog.SINGLE_BATCH_FILE)))
                .isEqualTo(Files.readAllBytes(resource(GoldenLog.SINGLE_BATCH_FILE)));
    }

    @Test
    void singleBatchReadsBackExactlyWithOursAndKafkas() throws Exception {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(resource(GoldenLog.SINGLE_BATCH_FILE)));
        assertThat(bytes.remaining()).isEqualTo(180);

        List<Seen> expected = KafkaInterop.expected(GoldenLog.singleBatch(), GoldenLog.SINGLE_BATCH_BASE_OFFSET);
        assertThat(KafkaInterop.seenByUs(bytes, 0)).isEqualTo(expected);
        assertThat(KafkaInterop.viewByUs(bytes, 0)).isEqualTo(new KafkaInterop.BatchView(42L, 45L, -1, (byte) 2,
                RecordBatch.storedCrc(bytes, 0), 0, true, true, false, 123_456_789L, (short) 7, 1_000, T0 + 10, 4,
                180));
        assertThat(RecordBatch.storedCrc(bytes, 0)).isEqualTo(RecordBatch.computeCrc(bytes, 0));

        MutableRecordBatch kafka = KafkaInterop.kafkaBatch(bytes);
        assertThat(KafkaInterop.viewByKafka(kafka)).isEqualTo(KafkaInterop.viewByUs(bytes, 0));
        assertThat(KafkaInterop.seenByKafka(kafka)).isEqualTo(expected);
    }

    @Test
    @EnabledIfSystemProperty(named = "spool.golden.regenerate", matches = "true")
    void regenerate() throws Exception {
        GoldenLog.regenerate(GoldenLog.SOURCE_DIR);
    }

    private static List<Seen> readAll(Log log, long from) throws IOException {
        List<Seen> out = new ArrayList<>();
        long offset = from;
        while (offset < log.logEndOffset()) {
            ReadResult result = log.read(offset, Integer.MAX_VALUE);
            ByteBuffer batches = result.batches();
            assertThat(batches.hasRemaining()).isTrue();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                out.addAll(KafkaInterop.seenByUs(batches, at));
                offset = RecordBatch.lastOffset(batches, at) + 1;
            }
        }
        return out;
    }

    private static void assertSameFiles(Path actualDir, Path expectedDir) throws IOException {
        try (Stream<Path> expected = Files.list(expectedDir); Stream<Path> actual = Files.list(actualDir)) {
            List<String> expectedNames = expected.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(actual.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactlyElementsOf(expectedNames);
            for (String name : expectedNames) {
                assertThat(Files.readAllBytes(actualDir.resolve(name))).as(name)
                        .isEqualTo(Files.readAllBytes(expectedDir.resolve(name)));
            }
        }
    }

    private static List<List<Long>> asLists(long[][] entries) {
        List<List<Long>> out = new ArrayList<>();
        for (long[] entry : entries) {
            out.add(List.of(entry[0], entry[1]));
        }
        return out;
    }

    private static String hexOf(String text) {
        return java.util.HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
