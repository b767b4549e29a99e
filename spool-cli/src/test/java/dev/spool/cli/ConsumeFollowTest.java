package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.io.DirectoryLockedException;
import dev.spool.log.record.BatchBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code consume --follow}: follows every partition, and a closed pipe ends it at the next record. */
class ConsumeFollowTest {
    @TempDir
    Path tmp;

    /** Stdout as a pipe: counts lines; once {@link #closed}, every write fails as after the reader exited. */
    private static final class Pipe extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CountDownLatch firstLine = new CountDownLatch(1);
        final CountDownLatch secondLine = new CountDownLatch(2);
        volatile boolean closed;
        volatile int failedWrites;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                failedWrites++;
                throw new IOException("Broken pipe");
            }
            bytes.write(b, off, len);
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    firstLine.countDown();
                    secondLine.countDown();
                }
            }
        }
    }

    @Test
    void followsEveryPartitionAndStopsAtTheFirstWriteAfterThePipeClosed() throws Exception {
        Path data = tmp.resolve("data");
        try (LogManager manager = open(data)) {
            manager.createTopic("f", 2);
            manager.log("f", 0).append(batch("a"));
        }
        Pipe pipe = new Pipe();
        AtomicInteger code = new AtomicInteger(-1);
        Thread consumer = new Thread(() -> code.set(SpoolCommand.execute(new String[] {"consume", "f", "--follow",
            "--poll-interval-ms", "5", "--data-dir", data.toString()}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(pipe, false, StandardCharsets.UTF_8), new PrintStream(OutputStream.nullOutputStream()))));
        consumer.start();
        assertThat(pipe.firstLine.await(30, TimeUnit.SECONDS)).isTrue();

        appendWhenReleased(data, 1, "b"); // the other partition
        assertThat(pipe.secondLine.await(30, TimeUnit.SECONDS)).as("a record of partition 1 followed").isTrue();
        pipe.closed = true; // the reader went away (| head -2)
        appendWhenReleased(data, 0, "c");
        consumer.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(consumer.isAlive()).as("consume --follow still running after its pipe closed").isFalse();
        assertThat(code.get()).isZero();
        assertThat(pipe.bytes.toString(StandardCharsets.UTF_8)).isEqualTo("a\nb\n");
        assertThat(pipe.failedWrites).isPositive();
    }

    /** Appends once the consumer has let go of the data directory (it does before following). */
    private static void appendWhenReleased(Path data, int partition, String value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (LogManager manager = open(data)) {
                manager.log("f", partition).append(batch(value));
                return;
            } catch (DirectoryLockedException | OverlappingFileLockException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    private static LogManager open(Path data) throws IOException {
        return LogManager.open(data, LogManagerConfig.defaults().withoutBackgroundTasks());
    }

    private static java.nio.ByteBuffer batch(String value) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        builder.tryAppend(1_000L, null, value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }
}
