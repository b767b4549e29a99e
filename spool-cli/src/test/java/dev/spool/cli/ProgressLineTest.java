package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Progress is rewritten in place at most twice a second on a terminal, and never elsewhere. */
class ProgressLineTest {

    @Test
    void aTerminalSeesALineRewrittenAtMostTwiceASecondThenCleared() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        ProgressLine line = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, now::get);
        line.update("too soon");
        now.addAndGet(600_000_000L);
        line.update("10 records");
        now.addAndGet(100_000_000L);
        line.update("still too soon");
        now.addAndGet(500_000_000L);
        line.update("20 records");
        line.done();
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("\r10 records\033[K\r20 records\033[K\r\033[K");
    }

    @Test
    void withoutATerminalNothingIsWritten() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        ProgressLine line = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, now::get);
        now.addAndGet(10_000_000_000L);
        line.update("10 records");
        line.done();
        assertThat(bytes.size()).isZero();
    }
}
