package dev.spool.log.real;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LogManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kill -9} of a real process, over and over, on one data directory: a child JVM
 * ({@link StrictAppender}, same classpath, this JVM's {@code java}) appends with strict durability
 * from four threads and reports each acknowledgement on its stdout; this test reads the pipe, and
 * at a random moment (during the child's start-up and recovery, or after some number of
 * acknowledgements) kills it with SIGKILL ({@link Process#destroyForcibly()}). The next child
 * recovers the directory and goes on. At the end this JVM opens the directory itself and checks
 * every acknowledged record is there byte for byte, recomputing each value from its name (the
 * child's word is used only for the offset), and that every record in the log is one that some
 * child appended.
 *
 * <p>A kill leaves the page cache intact, so this tests the process-crash path (half-finished
 * appends, checkpoints, rolls and recoveries; locks released by the kernel), not power loss,
 * which the simulated disk covers. {@code -Dspool.kill.runs=N} and {@code -Dspool.kill.seed=S}
 * run longer or replay the kill schedule (the children's thread timing is not replayable).
 */
class KillNineTest {
    private static final Logger LOG = LoggerFactory.getLogger(KillNineTest.class);
    private static final int RUNS = Integer.getInteger("spool.kill.runs", 24);
    private static final int WRITERS = 4;
    private static final Pattern READY = Pattern.compile("READY (\\d+)");
    private static final Pattern ACK = Pattern.compile("ACK (\\d+) (\\d+) (\\d+) (\\d+) (\\d+) (\\d+)");

    @TempDir
    Path tmp;

    /** One acknowledgement as the child reported it. */
    record Ack(long offset, int run, int writer, long sequence, int length, long crc) {
    }

    @Test
    void everyStrictAcknowledgementSurvivesRepeatedKillNine() throws Exception {
        long seed = Long.getLong("spool.kill.seed", System.nanoTime());
        LOG.info("kill -9 schedule seed {} (replay with -Dspool.kill.seed={})", seed, seed);
        Random random = new Random(seed);
        Path dataDir = tmp.resolve("data");
        Map<Long, Ack> acks = new TreeMap<>();
        long maxAcked = -1;
        int killedBeforeReady = 0;
        long started = System.nanoTime();
        for (int run = 0; run < RUNS; run++) {
            Path stderr = tmp.resolve("child-" + run + ".err");
            Process child = start(dataDir, seed, run, stderr);
            LineReader lines = new LineReader(child.getInputStream());
            lines.start();
            boolean early = random.nextInt(3) == 0;
            int wait = early ? random.nextInt(400) : 1 + random.nextInt(400);
            long runStarted = System.nanoTime();
            if (early) {
                lines.awaitLines(Integer.MAX_VALUE, wait); // start-up, recovery, the first appends
            } else {
                lines.awaitLines(wait, 20_000); // READY, then up to 400 acknowledgements
            }
            assertThat(child.isAlive()).as("child %d still running before the kill; its stderr: %s", run,
                    Files.exists(stderr) ? Files.readString(stderr) : "").isTrue();
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            lines.join(20_000);
            boolean ready = false;
            for (String line : lines.complete()) {
                Matcher readyLine = READY.matcher(line);
                Matcher ackLine = ACK.matcher(line);
                if (readyLine.matches()) {
                    ready = true;
                    assertThat(Long.parseLong(readyLine.group(1))).as("log end after recovery in run %d", run)
                            .isGreaterThan(maxAcked);
                } else if (ackLine.matches()) {
                    Ack ack = new Ack(Long.parseLong(ackLine.group(1)), Integer.parseInt(ackLine.group(2)),
                            Integer.parseInt(ackLine.group(3)), Long.parseLong(ackLine.group(4)),
                            Integer.parseInt(ackLine.group(5)), Long.parseLong(ackLine.group(6)));
                    assertThat(ack.run()).isEqualTo(run);
                    Ack before = acks.put(ack.offset(), ack);
                    assertThat(before).as("offset %d acknowledged twice (the first was lost in a crash)",
                            ack.offset()).isNull();
                    maxAcked = Math.max(maxAcked, ack.offset());
                } else {
                    throw new AssertionError("unexpected line from child " + run + ": " + line);
                }
            }
            killedBeforeReady += ready ? 0 : 1;
            LOG.info("run {}: killed {} ms after start ({}), {} lines", run, (System.nanoTime() - runStarted) / 1_000_000,
                    early ? "after " + wait + " ms" : "after " + wait + " lines", lines.complete().size());
        }

        TreeMap<Long, byte[]> records;
        try (LogManager manager = LogManager.open(dataDir, StrictAppender.config(0).withoutBackgroundTasks())) {
            records = Payloads.readAll(manager.log(StrictAppender.TOPIC, 0));
        }
        for (Ack ack : acks.values()) {
            byte[] expected = Payloads.value(seed, ack.run(), ack.writer(), ack.sequence());
            CRC32C crc = new CRC32C();
            crc.update(expected);
            assertThat(ack.length()).isEqualTo(expected.length);
            assertThat(ack.crc()).isEqualTo(crc.getValue());
            assertThat(records.get(ack.offset())).as("acknowledged %s", ack).isEqualTo(expected);
        }
        for (Map.Entry<Long, byte[]> record : records.entrySet()) {
            java.nio.ByteBuffer name = java.nio.ByteBuffer.wrap(record.getValue());
            assertThat(record.getValue()).as("record at offset %d is one a child wrote", record.getKey())
                    .isEqualTo(Payloads.value(seed, name.getInt(), name.getInt(), name.getLong()));
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        LOG.info("kill -9: {} kills ({} before the child was ready), {} strict acknowledgements, {} records in the "
                + "log, all acknowledged ones intact, {} ms", RUNS, killedBeforeReady, acks.size(), records.size(),
                millis);
        assertThat(acks).as("the children got to append").hasSizeGreaterThan(RUNS);
    }

    private static Process start(Path dataDir, long seed, int run, Path stderr) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-cp", classpath, "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                StrictAppender.class.getName(), dataDir.toString(), Long.toString(seed), Integer.toString(run),
                Integer.toString(WRITERS)));
        return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    }

    /**
     * Reads the child's stdout to its end on a thread of its own, keeping only whole lines: the
     * kill may cut the last one short, and a cut line is not an acknowledgement.
     */
    private static final class LineReader extends Thread {
        private final InputStream in;
        private final List<String> lines = new ArrayList<>();

        LineReader(InputStream in) {
            super("child-stdout");
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try {
                for (int b; (b = in.read()) != -1; ) {
                    if (b == '\n') {
                        synchronized (this) {
                            lines.add(line.toString(StandardCharsets.US_ASCII));
                            notifyAll();
                        }
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            } catch (IOException e) {
                // The pipe closes when the child dies.
            }
        }

        /** Waits until {@code count} whole lines arrived or {@code timeoutMs} passed. */
        synchronized void awaitLines(int count, long timeoutMs) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMs;
            for (long left = timeoutMs; lines.size() < count && left > 0; left = deadline - System.currentTimeMillis()) {
                wait(left);
            }
        }

        synchronized List<String> complete() {
            return List.copyOf(lines);
        }
    }
}
