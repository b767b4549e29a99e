package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.RecordingFileIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Log#readSlice} names exactly the bytes {@link Log#read(long, int)} returns, and they transfer intact. */
class LogSliceTest {
    @TempDir
    Path dir;

    @Test
    void aSliceHoldsTheSameBatchesAsARead() throws IOException {
        for (FileIO io : new FileIO[] {FileIO.real(), new ForwardingFileIO(FileIO.real())}) {
            Path logDir = dir.resolve(io == FileIO.real() ? "real-0" : "copying-0");
            LogConfig config = LogConfig.defaults().withSegmentBytes(2048).withBatchBytesMax(1024);
            try (Log log = Log.open(io, logDir, config, LoadState.unknown(), System::currentTimeMillis)) {
                for (int i = 0; i < 150; i++) {
                    log.append(LogTest.batch(1000 + i, "value-" + i, "second-" + i));
                }
                assertThat(log.segmentCount()).isGreaterThan(3);
                for (long offset = 0; offset < log.logEndOffset(); offset++) {
                    for (int maxBytes : new int[] {1, 150, 700, 5000}) {
                        ByteBuffer read = log.read(offset, maxBytes).batches();
                        byte[] expected = new byte[read.remaining()];
                        read.duplicate().get(expected);
                        LogSlice slice = log.readSlice(offset, maxBytes);
                        assertThat(slice.logEndOffset()).isEqualTo(log.logEndOffset());
                        assertThat(transfer(slice.slice().orElseThrow())).as("offset %d, max %d", offset, maxBytes)
                                .isEqualTo(expected);
                    }
                }
                LogSlice atEnd = log.readSlice(log.logEndOffset(), 1000);
                assertThat(atEnd.slice()).isEmpty();
                assertThatThrownBy(() -> log.readSlice(log.logEndOffset() + 1, 1000))
                        .isInstanceOf(OffsetOutOfRangeException.class);
            }
        }
    }

    /**
     * Among this process's appends a slice walks on from the last indexed batch that fits, not from
     * its first batch: the same bytes as the walk over every header that a reopened log does (its
     * bytes came from the disk), for a few headers' reads.
     */
    @Test
    void aSliceAmongThisProcesssAppendsIsTheWalksSliceFromAFewHeaders() throws IOException {
        LogConfig config = LogConfig.defaults().withIndexIntervalBytes(256);
        Path logDir = dir.resolve("t-0");
        long[] offsets = {0, 100, 777, 1500, 1990};
        int[] maxes = {1, 300, 5000, 64 << 10};
        List<byte[]> appended = new ArrayList<>();
        long endOffset;
        RecordingFileIO io = new RecordingFileIO();
        try (Log log = Log.open(io, logDir, config, LoadState.unknown(), System::currentTimeMillis)) {
            for (int i = 0; i < 2000; i++) {
                log.append(LogTest.batch(1000 + i, "value-" + i));
            }
            endOffset = log.logEndOffset();
            io.clear();
            FileSlice wide = log.readSlice(100, 64 << 10).slice().orElseThrow();
            assertThat(wide.sizeBytes()).isGreaterThan(60 << 10); // some 800 batches of one record
            assertThat(io.bytesReadFrom(".log")).as("bytes read for headers").isLessThan(16 << 10); // a walk: 60 KiB
            for (long offset : offsets) {
                for (int maxBytes : maxes) {
                    appended.add(transfer(log.readSlice(offset, maxBytes).slice().orElseThrow()));
                }
            }
        }
        try (Log log = Log.open(FileIO.real(), logDir, config, LoadState.unknown(), System::currentTimeMillis)) {
            assertThat(log.logEndOffset()).isEqualTo(endOffset);
            int i = 0;
            for (long offset : offsets) {
                for (int maxBytes : maxes) {
                    byte[] walked = transfer(log.readSlice(offset, maxBytes).slice().orElseThrow());
                    assertThat(appended.get(i++)).as("offset %d, max %d", offset, maxBytes).isEqualTo(walked);
                }
            }
        }
    }

    @Test
    void aSliceOfASegmentThatRetentionDeletedFailsToTransferInsteadOfSendingOtherBytes() throws IOException {
        LogConfig config = LogConfig.defaults().withSegmentBytes(2048).withBatchBytesMax(1024);
        try (Log log = Log.open(dir.resolve("t-0"), config, LoadState.unknown())) {
            for (int i = 0; i < 30; i++) {
                log.append(LogTest.batch(1000 + i, "value-" + i));
            }
            FileSlice slice = log.readSlice(0, 100).slice().orElseThrow();
            log.advanceLogStartOffset(log.logEndOffset() - 1);
            assertThatThrownBy(() -> transfer(slice)).isInstanceOf(java.nio.channels.ClosedChannelException.class);
        }
    }

    private static byte[] transfer(FileSlice slice) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WritableByteChannel channel = Channels.newChannel(out)) {
            long sent = 0;
            while (sent < slice.sizeBytes()) {
                long n = slice.file().transferTo(slice.position() + sent, slice.sizeBytes() - sent, channel);
                assertThat(n).isPositive();
                sent += n;
            }
        }
        return Arrays.copyOf(out.toByteArray(), out.size());
    }

    /**
     * {@link FileSlice#below}: the leading batches whose last offset is below the bound, read from
     * their headers, and a header that runs past the slice reported as damage with its file.
     */
    @Test
    void aCutBelowAnOffsetEndsAtTheFirstBatchThatReachesItAndReportsAHeaderRunningPastTheSlice()
            throws IOException {
        try (Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), LoadState.unknown())) {
            List<Integer> sizes = new ArrayList<>();
            for (int i = 0; i < 200; i++) { // batches of one and two records
                sizes.add(log.append(i % 2 == 0 ? LogTest.batch(1000 + i, "v" + i)
                        : LogTest.batch(1000 + i, "v" + i, "w" + i)).sizeBytes());
            }
            FileSlice slice = log.readSlice(0, 1 << 20).slice().orElseThrow();
            assertThat(slice.sizeBytes()).isEqualTo(sizes.stream().mapToInt(Integer::intValue).sum());
            // the batches hold offsets 0, 1-2, 3, 4-5, 6, 7-8, ...: below 7 lie the first five
            FileSlice.Cut cut = slice.below(7);
            assertThat(cut.nextOffset()).isEqualTo(7);
            assertThat(cut.sizeBytes()).isEqualTo(sizes.subList(0, 5).stream().mapToInt(Integer::intValue).sum());
            assertThat(slice.below(8)).as("batch 5 holds 7 and 8").isEqualTo(new FileSlice.Cut(cut.sizeBytes(), 7));
            assertThat(slice.below(0)).isEqualTo(new FileSlice.Cut(0, 0));
            assertThat(slice.below(log.logEndOffset())).isEqualTo(new FileSlice.Cut(slice.sizeBytes(), 300));
            FileSlice cutShort = new FileSlice(slice.file(), slice.position(), slice.sizeBytes() - 10);
            assertThatThrownBy(() -> cutShort.below(log.logEndOffset()))
                    .isInstanceOf(CorruptLogException.class).hasMessageContaining(slice.file().path().toString());
        }
    }
}
