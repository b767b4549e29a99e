package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool dump} of index files, line for line: the text a user's scripts may read. */
class DumpIndexTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    private static Run dump(Path file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(new String[] {"dump", file.toString()}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anOffsetIndexShowsAbsoluteOffsetsPositionsAndATornTail() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(8 * 2 + 3);
        bytes.putInt(9).putInt(0).putInt(19).putInt(0x8000_0000).put(new byte[] {1, 2, 3});
        Path file = Files.write(dir.resolve("00000000000000000100.index"), bytes.array());
        Run run = dump(file);
        assertThat(run.code()).as("a torn tail is a problem").isEqualTo(1);
        assertThat(run.err()).isEqualTo("spool: 1 problem(s) in " + file + "\n");
        assertThat(run.out()).isEqualTo("Dumping " + file + " (entries hold a batch's last offset and the batch's "
                + "position)\n"
                + "offset: 109 position: 0\n"
                + "offset: 119 position: 2147483648\n"
                + "INCOMPLETE: 3 trailing byte(s) are not a whole 8-byte entry\n"
                + "2 entries, 19 bytes\n");
    }

    @Test
    void aTimeIndexShowsTimestampsWithTheirInstantAndOffsets() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(12 * 2);
        bytes.putLong(1_700_000_000_000L).putInt(4).putLong(-1).putInt(7);
        Path file = Files.write(dir.resolve("00000000000000000050.timeindex"), bytes.array());
        assertThat(dump(file).out()).isEqualTo("Dumping " + file + "\n"
                + "timestamp: 1700000000000 (2023-11-14T22:13:20Z) offset: 54\n"
                + "timestamp: -1 offset: 57\n"
                + "2 entries, 24 bytes\n");
    }

    @Test
    void aBrokenCopyOfAnIndexWithoutASegmentNameIsDumpedFromBaseOffsetZero() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(8).putInt(3).putInt(61);
        Path file = Files.write(dir.resolve("copy.index.broken.2"), bytes.array());
        Run run = dump(file);
        assertThat(run.code()).isZero();
        assertThat(run.err()).isEqualTo("spool: copy.index.broken.2 is not named <20-digit base offset>.index; "
                + "assuming base offset 0\n");
        assertThat(run.out()).isEqualTo("Dumping " + file + " (entries hold a batch's last offset and the batch's "
                + "position)\n"
                + "offset: 3 position: 61\n"
                + "1 entry, 8 bytes\n");
    }

    @Test
    void anEmptyTimeIndexHasNoEntries() throws IOException {
        Path file = Files.write(dir.resolve("00000000000000000000.timeindex"), new byte[0]);
        assertThat(dump(file).out()).isEqualTo("Dumping " + file + "\n0 entries, 0 bytes\n");
    }
}
