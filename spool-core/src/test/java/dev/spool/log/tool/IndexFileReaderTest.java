package dev.spool.log.tool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Index files read as they lie on disk: entries made absolute, a short tail counted, nothing checked. */
class IndexFileReaderTest {
    @TempDir
    Path dir;

    @Test
    void offsetIndexEntriesAreAbsoluteOffsetsAndUnsignedPositions() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(8 * 2 + 3);
        bytes.putInt(9).putInt(0);
        bytes.putInt(4).putInt(0x8000_0000); // out of order and past 2 GiB: shown, not judged
        bytes.put(new byte[] {1, 2, 3});
        Path file = write("00000000000000000100.index", bytes.array());
        List<IndexFileReader.OffsetEntry> entries = new ArrayList<>();
        IndexFileReader.Summary read = IndexFileReader.readOffsetIndex(FileIO.real(), file, 100, entries::add);
        assertThat(entries).containsExactly(new IndexFileReader.OffsetEntry(109, 0),
                new IndexFileReader.OffsetEntry(104, 0x8000_0000L));
        assertThat(read).isEqualTo(new IndexFileReader.Summary(19, 2, 8));
        assertThat(read.trailingBytes()).isEqualTo(3);
    }

    @Test
    void timeIndexEntriesAreTimestampsAndAbsoluteOffsets() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(12 * 2);
        bytes.putLong(1_700_000_000_000L).putInt(0);
        bytes.putLong(-1).putInt(7);
        Path file = write("00000000000000000050.timeindex", bytes.array());
        List<IndexFileReader.TimeEntry> entries = new ArrayList<>();
        IndexFileReader.Summary read = IndexFileReader.readTimeIndex(FileIO.real(), file, 50, entries::add);
        assertThat(entries).containsExactly(new IndexFileReader.TimeEntry(1_700_000_000_000L, 50),
                new IndexFileReader.TimeEntry(-1, 57));
        assertThat(read.trailingBytes()).isZero();
        assertThat(read.entries()).isEqualTo(2);
    }

    @Test
    void anEmptyIndexHasNoEntries() throws IOException {
        Path file = write("00000000000000000000.index", new byte[0]);
        IndexFileReader.Summary read = IndexFileReader.readOffsetIndex(FileIO.real(), file, 0,
                entry -> { throw new AssertionError(entry); });
        assertThat(read).isEqualTo(new IndexFileReader.Summary(0, 0, 8));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }
}
