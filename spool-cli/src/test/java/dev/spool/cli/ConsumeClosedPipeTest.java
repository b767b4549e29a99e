package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.record.BatchBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spool consume big | head -1}: once the reader of stdout is gone, consume stops after the
 * read in hand instead of reading (and failing to write) the whole topic.
 */
class ConsumeClosedPipeTest {
    @TempDir
    Path tmp;

    /** Takes {@code bytes} bytes, then fails every write, as a pipe whose reader exited. */
    private static final class ClosingPipe extends OutputStream {
        private final int bytes;
        private int taken;
        int failedWrites;

        ClosingPipe(int bytes) {
            this.bytes = bytes;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (taken + len > bytes) {
                failedWrites++;
                throw new IOException("Broken pipe");
            }
            taken += len;
        }
    }

    @Test
    void consumeStopsSoonAfterTheReaderOfItsOutputWentAway() throws IOException {
        Path data = tmp.resolve("data");
        int records = 0;
        try (LogManager manager = LogManager.open(data, LogManagerConfig.defaults().withoutBackgroundTasks())) {
            manager.createTopic("big", 1);
            Log log = manager.log("big", 0);
            byte[] value = "v".repeat(1000).getBytes(StandardCharsets.UTF_8);
            for (int b = 0; b < 24; b++) { // 24 MiB: many reads of 1 MiB
                BatchBuilder builder = new BatchBuilder(1 << 20);
                while (builder.tryAppend(1_000L, null, value)) {
                    records++;
                }
                log.append(builder.build());
            }
        }
        ClosingPipe pipe = new ClosingPipe(2000);
        int code = SpoolCommand.execute(new String[] {"consume", "big", "--data-dir", data.toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(pipe, false, StandardCharsets.UTF_8),
                new PrintStream(OutputStream.nullOutputStream()));
        assertThat(code).isZero();
        assertThat(records).isGreaterThan(20_000);
        assertThat(pipe.failedWrites).as("writes tried after the pipe closed, of %d records", records)
                .isPositive().isLessThan(5_000);
    }
}
