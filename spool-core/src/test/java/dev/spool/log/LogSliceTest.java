package dev.spool.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Arrays;
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
}
