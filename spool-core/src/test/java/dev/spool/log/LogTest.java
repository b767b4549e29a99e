package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTest {
    @TempDir
    Path dir;

    static ByteBuffer batch(long timestamp, String... values) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        for (String value : values) {
            builder.tryAppend(timestamp, null, value.getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        return copy;
    }

    static List<String> values(ByteBuffer batches) throws IOException {
        List<String> out = new ArrayList<>();
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            for (Record record : RecordBatch.records(batches, at)) {
                out.add(new String(record.valueBytes(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void appendsAssignDenseOffsetsAndReadBack() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            AppendResult first = log.append(batch(1000, "a", "b", "c"));
            AppendResult second = log.append(batch(2000, "d"));
            assertThat(first.firstOffset()).isEqualTo(0);
            assertThat(first.lastOffset()).isEqualTo(2);
            assertThat(second.firstOffset()).isEqualTo(3);
            assertThat(log.logEndOffset()).isEqualTo(4);
            assertThat(values(log.read(0, 1 << 20).batches())).containsExactly("a", "b", "c", "d");
            assertThat(values(log.read(1, 1 << 20).batches())).containsExactly("a", "b", "c", "d");
            assertThat(values(log.read(3, 1 << 20).batches())).containsExactly("d");
            assertThat(log.read(4, 100).isEmpty()).isTrue();
            assertThatThrownBy(() -> log.read(5, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void reopensCleanlyAndUncleanly() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentBytes(300).withIndexIntervalBytes(50);
        Path logDir = dir.resolve("t-0");
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            for (int i = 0; i < 20; i++) {
                log.append(batch(1000 + i, "value-" + i, "other-" + i));
            }
            assertThat(log.segmentCount()).isGreaterThan(3);
        }
        try (Log log = Log.open(logDir, config, LoadState.clean())) {
            assertThat(log.logEndOffset()).isEqualTo(40);
            assertThat(values(log.read(17, 1 << 20).batches())).startsWith("value-8", "other-8");
            assertThat(log.findOffsetByTimestamp(1010)).contains(new TimestampOffset(20, 1010));
        }
        try (Log log = Log.open(logDir, config, LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(40);
            log.append(batch(5000, "after"));
            assertThat(values(log.read(40, 100).batches())).containsExactly("after");
        }
        assertThat(Files.list(logDir).map(p -> p.getFileName().toString()))
                .contains("00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex");
    }
}
