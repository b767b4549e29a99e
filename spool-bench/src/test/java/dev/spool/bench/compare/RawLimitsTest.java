package dev.spool.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ceilings' measurements do the work they name and leave nothing behind: the figures are the
 * machine's, so only their flow is checked.
 */
class RawLimitsTest {
    @TempDir
    Path root;

    @Test
    void aCheckedWriteWritesUntilItsBytesAndDeletesItsFile() throws Exception {
        RawLimits limits = new RawLimits(root);
        Series into = new Series();
        limits.checkedWrite(4L * RawLimits.WRITE_BUFFER_BYTES, TimeUnit.SECONDS.toNanos(30), into);

        assertThat(into.totalBytes()).isEqualTo(4L * RawLimits.WRITE_BUFFER_BYTES);
        assertThat(into.totalRecords()).isEqualTo(4);
        assertThat(limits.sink).isNotZero(); // the CRC of random bytes, summed four times
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aPlainWriteChecksumsNothing() throws Exception {
        RawLimits limits = new RawLimits(root);
        Series into = new Series();
        limits.sequentialWrite(false, 2L * RawLimits.WRITE_BUFFER_BYTES, TimeUnit.SECONDS.toNanos(30), into);

        assertThat(into.totalBytes()).isEqualTo(2L * RawLimits.WRITE_BUFFER_BYTES);
        assertThat(limits.sink).isZero();
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void sha256DigestsWholeBuffers() {
        RawLimits limits = new RawLimits(root);
        Series into = new Series();
        limits.sha256(3L * RawLimits.WRITE_BUFFER_BYTES, TimeUnit.SECONDS.toNanos(30), into);

        assertThat(into.totalBytes()).isEqualTo(3L * RawLimits.WRITE_BUFFER_BYTES);
        assertThat(into.medianMegabytesPerSecond()).isPositive();
    }

    @Test
    @Timeout(30)
    void parkedThreadsAreWokenAndAllStopped() throws Exception {
        RawLimits limits = new RawLimits(root);
        Series into = new Series();
        long threadsBefore = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("raw-sleeper-")).count();
        limits.wakes(8, TimeUnit.MILLISECONDS.toNanos(200), into);

        assertThat(into.totalRecords()).isGreaterThan(8); // each of the 8 woken at least once, most many times
        assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("raw-sleeper-") && t.isAlive()).count()).isEqualTo(threadsBefore);
    }
}
