package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.io.FailingFileIO;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.RecordingFileIO;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogManager#alterTopicConfig}: persisted in every partition, crash-safe, applied to the open logs. */
class TopicConfigAlterTest {
    @TempDir
    Path dataDir;
    private final AtomicLong clock = new AtomicLong(1_000_000L);

    private LogManager open(FileIO io) throws IOException {
        return LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io)
                .withClock(clock::get));
    }

    private LogManager open() throws IOException {
        return open(FileIO.real());
    }

    /** One record of {@code valueBytes} bytes. */
    private static ByteBuffer bigBatch(int valueBytes) {
        BatchBuilder builder = new BatchBuilder(valueBytes + 1024);
        builder.tryAppend(1, null, new byte[valueBytes]);
        ByteBuffer built = builder.build();
        return ByteBuffer.allocate(built.remaining()).put(built).flip();
    }

    @Test
    void retentionAndSegmentRollTakeEffectWithoutAReopen() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 2);
            Log log = manager.log("t", 1);
            log.append(LogTest.batch(clock.get(), "a"));
            log.append(LogTest.batch(clock.get(), "b"));
            assertThat(log.segmentCount()).isEqualTo(1);
            manager.alterTopicConfig("t", manager.topicConfig("t").withOverride(TopicSetting.SEGMENT_BYTES, 100)
                    .withOverride(TopicSetting.RETENTION_MS, 60_000));
            clock.addAndGet(61_000);
            log.append(LogTest.batch(clock.get(), "c"));
            assertThat(log.segmentCount()).as("rolled at the new segment.bytes").isEqualTo(2);
            assertThat(manager.applyRetention()).as("the first segment is past the new retention.ms").isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(2);
            assertThat(manager.log("t", 0).config().retentionMs()).isEqualTo(60_000);
        }
        try (LogManager manager = open()) {
            TopicConfig reopened = manager.topicConfig("t");
            assertThat(reopened.override(TopicSetting.RETENTION_MS)).hasValue(60_000);
            assertThat(reopened.override(TopicSetting.SEGMENT_BYTES)).hasValue(100);
            assertThat(reopened.override(TopicSetting.MAX_MESSAGE_BYTES)).isEmpty();
            assertThat(manager.log("t", 1).config().segmentMs()).isEqualTo(LogConfig.DEFAULT_SEGMENT_MS);
        }
        for (String partition : List.of("t-0", "t-1")) {
            assertThat(Files.readString(dataDir.resolve(partition).resolve("topic.config")))
                    .contains("version=2", "retention.ms=60000", "segment.bytes=100");
        }
    }

    /**
     * A larger max.message.bytes admits the larger batch at once; lowering it again must not make
     * that batch unreadable: after an unclean reopen, recovery scans it with the largest limit the
     * topic had, kept in topic.config.
     */
    @Test
    void aBatchWrittenUnderARaisedLimitSurvivesTheLimitBeingLoweredAndACrash() throws IOException {
        ByteBuffer big = bigBatch(3 << 20);
        try (LogManager manager = open()) {
            manager.createTopic("t", 1);
            assertThatThrownBy(() -> manager.log("t", 0).append(big.duplicate()))
                    .isInstanceOf(InvalidBatchException.class);
            manager.alterTopicConfig("t", manager.topicConfig("t").withOverride(TopicSetting.MAX_MESSAGE_BYTES, 4 << 20));
            manager.log("t", 0).append(big.duplicate());
            manager.alterTopicConfig("t", manager.topicConfig("t").withOverride(TopicSetting.MAX_MESSAGE_BYTES, 1 << 20));
            assertThat(manager.topicConfig("t").override(TopicSetting.MAX_MESSAGE_BYTES)).hasValue(1 << 20);
            assertThat(manager.log("t", 0).config().batchBytesMax()).isEqualTo(4 << 20);
            manager.log("t", 0).flush();
        }
        assertThat(new LogVerifier(FileIO.real(), LogConfig.defaults()).verifyTopic(dataDir, "t").findings())
                .as("verify reads the topic's larger limit too").isEmpty();
        Files.delete(dataDir.resolve(DataDirFiles.CLEAN_SHUTDOWN_FILE)); // as if it had crashed: the tail is scanned
        Files.delete(dataDir.resolve(DataDirFiles.RECOVERY_POINT_CHECKPOINT));
        try (LogManager manager = open()) {
            assertThat(manager.openedClean()).isFalse();
            Log log = manager.log("t", 0);
            assertThat(log.logEndOffset()).isEqualTo(1);
            assertThat(log.config().batchBytesMax()).isEqualTo(4 << 20);
            assertThat(log.read(0, 1).batches().remaining()).isEqualTo(big.remaining());
        }
    }

    /** Each file: tmp, write, force, rename, sync the directory; partition 0's, the one an open reads, last. */
    @Test
    void everyPartitionsFileIsReplacedAtomicallyPartitionZeroLast() throws IOException {
        RecordingFileIO io = new RecordingFileIO();
        try (LogManager manager = open(io)) {
            manager.createTopic("t", 2);
            io.clear();
            manager.alterTopicConfig("t", manager.topicConfig("t").withOverride(TopicSetting.SEGMENT_MS, 5000));
            List<String> one = List.of("open topic.config.tmp CREATE", "truncate topic.config.tmp 0",
                    "write topic.config.tmp", "force topic.config.tmp", "rename topic.config.tmp topic.config");
            assertThat(io.operations()).containsExactlyElementsOf(concat(one, "syncdir t-1", one, "syncdir t-0"));
        }
    }

    private static List<String> concat(List<String> a, String b, List<String> c, String d) {
        List<String> out = new java.util.ArrayList<>(a);
        out.add(b);
        out.addAll(c);
        out.add(d);
        return out;
    }

    /** A write that fails before partition 0's file is replaced leaves the running topic and the next open on the old settings. */
    @Test
    void aFailedAlterLeavesTheOldSettingsRunningAndOnDisk() throws IOException {
        FailingFileIO io = new FailingFileIO();
        TopicConfig before;
        try (LogManager manager = open(io)) {
            manager.createTopic("t", 2);
            before = manager.topicConfig("t").withOverride(TopicSetting.RETENTION_MS, 5000);
            manager.alterTopicConfig("t", before);
            io.failForce(2); // the second file: partition 0's
            assertThatThrownBy(() -> manager.alterTopicConfig("t", before.withOverride(TopicSetting.RETENTION_MS, 9000)))
                    .isInstanceOf(IOException.class);
            assertThat(manager.topicConfig("t")).isEqualTo(before);
            assertThat(manager.log("t", 0).config().retentionMs()).isEqualTo(5000);
            assertThat(manager.log("t", 1).config().retentionMs()).isEqualTo(5000);
        }
        try (LogManager manager = open()) {
            assertThat(manager.topicConfig("t")).isEqualTo(before);
            assertThat(manager.log("t", 1).config().retentionMs()).as("partition 0's copy speaks for the topic")
                    .isEqualTo(5000);
        }
    }

    @Test
    void theHashChainAndUnknownTopicsAreRefused() throws IOException {
        try (LogManager manager = open()) {
            manager.createTopic("t", 1);
            assertThatThrownBy(() -> manager.alterTopicConfig("t", manager.topicConfig("t").withHashChain(true)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hash chain of topic 't'");
            assertThatThrownBy(() -> manager.alterTopicConfig("nope", manager.topicConfig("t")))
                    .isInstanceOf(UnknownTopicException.class);
            manager.alterTopicConfig("t", manager.topicConfig("t").withDurability(Durability.STRICT));
            assertThat(manager.log("t", 0).append(LogTest.batch(1, "x")).durable()).isTrue();
        }
    }
}
