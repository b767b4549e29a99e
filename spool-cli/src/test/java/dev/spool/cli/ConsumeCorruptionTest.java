package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.LogConfig;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.RecordBatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-path defect, as a user's disk would show it: a value changed on disk ({@code r2500} to
 * {@code r2509}) inside a batch whose CRC no longer matched was printed by
 * {@code spool consume --offset 2500} with exit code 0, while {@code spool dump} said
 * {@code crc: INVALID}; a damaged varint gave "Varint runs past the end of the record" with no
 * file, position or offset. The topic is reopened after a clean shutdown, which does not scan.
 */
class ConsumeCorruptionTest {
    private static final int RECORDS = 3000;

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private Run run(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.get(0).equals("dump")) {
            all.add("--data-dir");
            all.add(tmp.resolve("data").toString());
        }
        int code = SpoolCommand.execute(all.toArray(String[]::new),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path segment() {
        return tmp.resolve("data").resolve("events-0").resolve("00000000000000000000.log");
    }

    /** Produces r0 .. r2999, one record each. */
    private void produce() {
        String lines = IntStream.range(0, RECORDS).mapToObj(i -> "r" + i + "\n").collect(Collectors.joining());
        assertThat(run(lines, "produce", "events").code()).isZero();
    }

    /** Where a damaged byte lies: its batch's position and base offset. */
    record Damage(long position, long baseOffset, long lastOffset) {
    }

    private Damage batchHolding(int filePosition) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(segment()));
        for (int at = 0; at < bytes.limit(); at += RecordBatch.sizeInBytes(bytes, at)) {
            if (filePosition < at + RecordBatch.sizeInBytes(bytes, at)) {
                return new Damage(at, RecordBatch.baseOffset(bytes, at), RecordBatch.lastOffset(bytes, at));
            }
        }
        throw new AssertionError("position " + filePosition + " is past the last batch");
    }

    /** Replaces the one occurrence of {@code text} in the segment; returns its file position. */
    private int replaceOnDisk(String text, String replacement) throws IOException {
        byte[] bytes = Files.readAllBytes(segment());
        byte[] wanted = text.getBytes(StandardCharsets.UTF_8);
        int found = -1;
        for (int at = 0; at + wanted.length <= bytes.length; at++) {
            if (java.util.Arrays.equals(bytes, at, at + wanted.length, wanted, 0, wanted.length)) {
                assertThat(found).as(text + " occurs once").isEqualTo(-1);
                found = at;
            }
        }
        assertThat(found).as(text + " occurs").isNotNegative();
        byte[] with = replacement.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(with, 0, bytes, found, with.length);
        Files.write(segment(), bytes);
        return found;
    }

    private String expectedError(Damage damage) {
        return "spool: Corrupt batch in " + segment() + " at position " + damage.position() + " (base offset "
                + damage.baseOffset() + "): CRC mismatch: stored 0x";
    }

    @Test
    void consumeOfAValueChangedOnDiskFailsNamingFilePositionAndOffsetAndPrintsNothingWrong() throws IOException {
        produce();
        assertThat(run("", "consume", "events", "--offset", "2500", "--max-records", "1").out()).isEqualTo("r2500\n");
        Damage damage = batchHolding(replaceOnDisk("r2500", "r2509"));

        Run consumed = run("", "consume", "events", "--offset", "2500");
        assertThat(consumed.code()).isEqualTo(1);
        assertThat(consumed.out()).doesNotContain("r2509").isEmpty();
        assertThat(consumed.err()).startsWith(expectedError(damage)).contains("expected them equal").hasLineCount(1);

        Run fromStart = run("", "consume", "events");
        assertThat(fromStart.code()).isEqualTo(1);
        assertThat(fromStart.out()).doesNotContain("r2509");
        assertThat(fromStart.err()).startsWith(expectedError(damage)).hasLineCount(1);

        Run verbose = run("", "consume", "events", "--offset", "2500", "--verbose");
        assertThat(verbose.code()).isEqualTo(1);
        assertThat(verbose.err()).startsWith(expectedError(damage)).contains(CorruptRecordException.class.getName())
                .contains("\tat ");
    }

    @Test
    void consumeOfABatchWithADamagedVarintFailsOnTheCrcFirst() throws IOException {
        produce();
        Damage damage = batchHolding(replaceOnDisk("r2500", "r2500")); // locate the batch only
        byte[] bytes = Files.readAllBytes(segment());
        bytes[(int) damage.position() + RecordBatch.RECORDS_OFFSET] = (byte) 0xff; // the first record's length varint
        Files.write(segment(), bytes);

        Run consumed = run("", "consume", "events", "--offset", "2500");
        assertThat(consumed.code()).isEqualTo(1);
        assertThat(consumed.out()).isEmpty();
        assertThat(consumed.err()).startsWith(expectedError(damage)).doesNotContain("Varint").hasLineCount(1);
    }

    @Test
    void followingALogReportsADamagedBatchOnceItStillFailsAfterTheRetries() throws IOException {
        produce();
        Damage damage = batchHolding(replaceOnDisk("r2500", "r2509"));
        try (LogFollower follower = new LogFollower(segment().getParent(), LogConfig.defaults().batchBytesMax(),
                2500)) {
            for (int poll = 0; poll < LogFollower.RETRIES_MAX; poll++) {
                assertThat(follower.poll()).as("poll %d: a writer may be half-way through the batch", poll).isNull();
            }
            assertThatThrownBy(follower::poll).isInstanceOfSatisfying(CorruptRecordException.class, e -> {
                assertThat(e.file()).contains(segment());
                assertThat(e.position()).isEqualTo(damage.position());
                assertThat(e.baseOffset()).isEqualTo(damage.baseOffset());
                assertThat(e.problem()).startsWith("CRC mismatch");
            });
        }
    }

    @Test
    void followingASoundLogGivesCheckedRecordsFromTheCursor() throws IOException {
        produce();
        try (LogFollower follower = new LogFollower(segment().getParent(), LogConfig.defaults().batchBytesMax(),
                2500)) {
            List<dev.spool.log.record.Record> records = follower.poll();
            assertThat(records).isNotEmpty();
            assertThat(records.get(records.size() - 1).offset() + 1).isEqualTo(follower.nextOffset());
            assertThat(records).anySatisfy(r -> assertThat(r.offset()).isEqualTo(2500));
        }
    }

    @Test
    void dumpMarksTheRecordsOfABatchThatFailsItsCheckAsUnverified() throws IOException {
        produce();
        Damage damage = batchHolding(replaceOnDisk("r2500", "r2509"));
        Run dumped = run("", "dump", segment().toString(), "--records");
        assertThat(dumped.code()).as("a damaged batch is a problem: exit code 1").isEqualTo(1);
        assertThat(dumped.out()).contains("position: " + damage.position() + " baseOffset: " + damage.baseOffset())
                .contains("crc: INVALID").contains("1 problem(s)");
        int unverified = 0;
        for (String line : dumped.out().split("\n")) {
            if (!line.startsWith("| ")) {
                continue;
            }
            long offset = Long.parseLong(line.replace("| UNVERIFIED ", "| ").split(" ")[2]);
            boolean inDamagedBatch = offset >= damage.baseOffset() && offset <= damage.lastOffset();
            assertThat(line.startsWith("| UNVERIFIED ")).as(line).isEqualTo(inDamagedBatch);
            unverified += inDamagedBatch ? 1 : 0;
        }
        assertThat(unverified).isEqualTo(damage.lastOffset() - damage.baseOffset() + 1);
        assertThat(dumped.out()).contains("| UNVERIFIED offset: 2500 timestamp: ").contains("value: r2509 ")
                .contains("| offset: 0 ");
    }
}
