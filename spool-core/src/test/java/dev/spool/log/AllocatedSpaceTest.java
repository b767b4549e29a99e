package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.internal.FileRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The space an active segment allocates ahead of its writes, seen from outside: after a clean
 * close every segment file is Kafka's format to its last byte (Kafka's own reader walks each
 * file to its end), and after a kill, the zeros a crash image keeps are cut on open with nothing
 * acknowledged lost.
 */
class AllocatedSpaceTest {
    /** Small segments, so that appends roll several times and every roll's trim is seen. */
    private static final LogConfig SMALL = LogConfig.defaults().withSegmentBytes(4096).withBatchBytesMax(4096);

    @TempDir
    Path tmp;

    @Test
    void afterACleanCloseKafkasReaderReadsEverySegmentFileToItsEnd() throws IOException {
        Path dir = tmp.resolve("t-0");
        try (Log log = Log.open(dir, SMALL, LoadState.unknown())) {
            for (int i = 0; i < 100; i++) {
                log.append(LogTest.batch(i, "value-" + i + "-" + "x".repeat(100)));
            }
            assertThat(log.segmentCount()).isGreaterThan(2);
        }
        long records = 0;
        for (Path file : logFiles(dir)) {
            long end = 0;
            try (FileRecords kafka = FileRecords.open(file.toFile(), false)) {
                for (FileChannelRecordBatch batch : kafka.batches()) {
                    batch.ensureValid();
                    assertThat(batch.position()).isEqualTo(end);
                    end += batch.sizeInBytes();
                    records += batch.nextOffset() - batch.baseOffset();
                }
            }
            assertThat(Files.size(file)).as("%s ends with its last batch", file).isEqualTo(end);
        }
        assertThat(records).isEqualTo(100);
    }

    /**
     * Small batches are stored through the write window, which allocates ahead: the zeros are cut
     * on open. Large ones are written with nothing allocated ahead (their segments hold a dozen
     * batches, so they roll twice before the kill): the file ends with the last batch, and stays so.
     */
    @ParameterizedTest
    @ValueSource(ints = {10, 20_000})
    void theZerosAKilledProcessLeavesAreCutOnOpenAndEveryAcknowledgedRecordStays(int valueBytes) throws IOException {
        LogConfig config = valueBytes < 100 ? SMALL
                : LogConfig.defaults().withSegmentBytes(256 << 10).withBatchBytesMax(64 << 10);
        Path dir = tmp.resolve("t-0");
        Path killed = tmp.resolve("killed").resolve("t-0");
        List<String> acknowledged = new ArrayList<>();
        try (Log log = Log.open(dir, config, LoadState.unknown())) {
            for (int i = 0; i < 30; i++) {
                String value = "value-" + i + "-" + "x".repeat(valueBytes);
                log.append(LogTest.batch(i, value));
                acknowledged.add(value);
            }
            copyDir(dir, killed); // what the page cache holds at a kill -9: the data and the zeros after it
        }
        Path active = logFiles(killed).get(logFiles(killed).size() - 1);
        long activeSize = Files.size(active);
        try (Log log = Log.open(FileIO.real(), killed, config,
                new LoadState(false, OptionalLong.empty(), OptionalLong.empty()), () -> 0L)) {
            if (valueBytes < 100) {
                assertThat(Files.size(active)).as("the zeros were cut").isLessThan(activeSize);
            } else {
                assertThat(Files.size(active)).as("nothing allocated ahead, nothing cut").isEqualTo(activeSize);
            }
            List<String> values = new ArrayList<>();
            for (long offset = 0; offset < log.logEndOffset(); ) {
                java.nio.ByteBuffer batches = log.read(offset, 1 << 20).batches();
                values.addAll(LogTest.values(batches));
                for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                    offset = RecordBatch.lastOffset(batches, at) + 1;
                }
            }
            assertThat(values).isEqualTo(acknowledged);
            assertThat(log.append(LogTest.batch(99, "after")).firstOffset()).isEqualTo(30);
        }
    }

    private static List<Path> logFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(SegmentFiles.LOG_SUFFIX)).sorted().toList();
        }
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
