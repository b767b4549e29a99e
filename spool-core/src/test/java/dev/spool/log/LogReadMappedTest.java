package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Log#readMapped}: the batches {@link Log#read(long, int)} copies, as views of the files. */
class LogReadMappedTest {
    private static final LogConfig SMALL_SEGMENTS = LogConfig.defaults().withSegmentBytes(2048).withBatchBytesMax(1024);

    @TempDir
    Path dir;

    @Test
    void aMappedReadHoldsTheSameBatchesAsACopiedRead() throws IOException {
        FileIO copying = ForwardingFileIO.wrappingFiles(name -> true, ForwardingStorageFile::new);
        for (FileIO io : new FileIO[] {FileIO.real(), copying}) {
            Path logDir = dir.resolve(io == FileIO.real() ? "real-0" : "copying-0");
            try (Log log = Log.open(io, logDir, SMALL_SEGMENTS, LoadState.unknown(), System::currentTimeMillis)) {
                for (int i = 0; i < 150; i++) {
                    log.append(LogTest.batch(1000 + i, "value-" + i, "second-" + i));
                }
                assertThat(log.segmentCount()).isGreaterThan(3);
                for (long offset = 0; offset < log.logEndOffset(); offset++) {
                    for (int maxBytes : new int[] {1, 150, 700, 5000}) {
                        ReadResult copied = log.read(offset, maxBytes);
                        ReadResult mapped = log.readMapped(offset, maxBytes);
                        assertThat(mapped.batches()).as("offset %d, max %d", offset, maxBytes)
                                .isEqualTo(copied.batches());
                        assertThat(mapped.batches().isReadOnly()).isTrue();
                        assertThat(mapped.batches().isDirect()).as("mapped only where the file maps")
                                .isEqualTo(io == FileIO.real());
                        assertThat(mapped.logEndOffset()).isEqualTo(copied.logEndOffset());
                    }
                }
                assertThat(log.readMapped(log.logEndOffset(), 1000).isEmpty()).isTrue();
                assertThatThrownBy(() -> log.readMapped(log.logEndOffset() + 1, 1000))
                        .isInstanceOf(OffsetOutOfRangeException.class);
            }
        }
    }

    @Test
    void mappedReadsFollowTheActiveSegmentAsItGrowsAndAfterATruncation() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            assertThat(log.readMapped(0, 1 << 20).isEmpty()).isTrue();
            for (int i = 0; i < 40; i++) {
                log.append(LogTest.batch(1000 + i, "first-" + i));
                assertThat(values(log, i)).as("after append %d", i).hasSize(1).first().isEqualTo("first-" + i);
            }
            log.truncateTo(10);
            for (int i = 10; i < 30; i++) {
                log.append(LogTest.batch(2000 + i, "again-" + i));
            }
            assertThat(values(log, 9)).first().isEqualTo("first-9");
            assertThat(values(log, 10)).first().isEqualTo("again-10");
            assertThat(values(log, 29)).containsExactly("again-29");
            List<String> all = new ArrayList<>();
            long offset = 0;
            while (offset < log.logEndOffset()) {
                ReadResult result = log.readMapped(offset, 1 << 20);
                RecordCursor cursor = result.cursor(new RecordCursor());
                while (cursor.next()) {
                    all.add(StandardCharsets.UTF_8.decode(cursor.value()).toString());
                }
                offset = cursor.nextOffset();
            }
            assertThat(all).hasSize(30).startsWith("first-0").endsWith("again-29");
        }
    }

    @Test
    void aViewStaysReadableAfterRetentionDeletesItsSegment() throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), SMALL_SEGMENTS, LoadState.unknown())) {
            for (int i = 0; i < 30; i++) {
                log.append(LogTest.batch(1000 + i, "value-" + i));
            }
            ByteBuffer view = log.readMapped(0, 100).batches();
            byte[] before = new byte[view.remaining()];
            view.duplicate().get(before);
            int segments = log.segmentCount();
            log.advanceLogStartOffset(log.logEndOffset() - 1);
            assertThat(log.segmentCount()).isLessThan(segments);
            assertThatThrownBy(() -> log.readMapped(0, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            byte[] after = new byte[view.remaining()];
            view.duplicate().get(after);
            assertThat(after).isEqualTo(before);
            assertThat(new RecordCursor().reset(view).next()).isTrue();
        }
    }

    /** The values of the batch read at {@code offset}. */
    private static List<String> values(Log log, long offset) throws IOException {
        RecordCursor cursor = log.readMapped(offset, 1).cursor(new RecordCursor());
        List<String> values = new ArrayList<>();
        while (cursor.next()) {
            values.add(StandardCharsets.UTF_8.decode(cursor.value()).toString());
        }
        return values;
    }
}
