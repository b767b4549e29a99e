package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeIndexTest {
    private static final long BASE = 500;
    private static final int BYTES_MAX = 1 << 20;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();

    private Path file() {
        return dir.resolve("00000000000000000500.timeindex");
    }

    /** Entries (t=100, 510), (t=200, 520), (t=300, 530). */
    private TimeIndex threeEntries() {
        TimeIndex index = TimeIndex.empty(file(), BASE, BYTES_MAX);
        for (int i = 1; i <= 3; i++) {
            assertThat(index.maybeAppend(100L * i, BASE + 10L * i)).isTrue();
        }
        return index;
    }

    private void writeFile(long[][] entries) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(entries.length * TimeIndex.ENTRY_BYTES);
        for (long[] e : entries) {
            all.putLong(e[0]).putInt((int) e[1]);
        }
        Files.write(file(), all.array());
    }

    @Test
    void appendedEntriesReadBackInOrder() {
        TimeIndex index = threeEntries();
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.timestampAt(0)).isEqualTo(100);
        assertThat(index.offsetAt(2)).isEqualTo(530);
        assertThat(index.lastTimestamp()).isEqualTo(300);
    }

    @Test
    void anEmptyIndexHasNoLastTimestampAndScansFromTheBase() {
        TimeIndex index = TimeIndex.empty(file(), BASE, BYTES_MAX);
        assertThat(index.lastTimestamp()).isEqualTo(-1);
        assertThat(index.scanStartFor(1_000)).isEqualTo(BASE);
    }

    @Test
    void anEntryThatDoesNotRaiseTheTimestampIsSkipped() {
        TimeIndex index = threeEntries();
        assertThat(index.maybeAppend(300, 540)).isTrue();
        assertThat(index.maybeAppend(250, 550)).isTrue();
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.offsetAt(2)).isEqualTo(530);
    }

    @Test
    void scanStartsAfterTheLastEntryBelowTheTimestamp() {
        TimeIndex index = threeEntries();
        assertThat(index.scanStartFor(250)).isEqualTo(521);
        assertThat(index.scanStartFor(201)).isEqualTo(521);
    }

    @Test
    void scanForAnIndexedTimestampStartsAfterTheEntryBeforeIt() {
        // A record at exactly t=200 may sit at or below offset 520, so the scan must not skip past 511.
        TimeIndex index = threeEntries();
        assertThat(index.scanStartFor(200)).isEqualTo(511);
    }

    @Test
    void scanForATimestampBeforeTheFirstEntryStartsAtTheBase() {
        TimeIndex index = threeEntries();
        assertThat(index.scanStartFor(100)).isEqualTo(BASE);
        assertThat(index.scanStartFor(Long.MIN_VALUE)).isEqualTo(BASE);
    }

    @Test
    void scanForATimestampPastTheLastEntryStartsAfterIt() {
        TimeIndex index = threeEntries();
        assertThat(index.scanStartFor(10_000)).isEqualTo(531);
    }

    @Test
    void scanStartAgreesWithALinearSearchOverManyRandomEntries() {
        Random random = new Random(7);
        TimeIndex index = TimeIndex.empty(file(), BASE, BYTES_MAX);
        long timestamp = 0;
        long offset = BASE;
        for (int i = 0; i < 300; i++) {
            timestamp += 1 + random.nextInt(50);
            offset += random.nextInt(10);
            index.maybeAppend(timestamp, offset);
        }
        for (int probe = 0; probe < 2000; probe++) {
            long target = random.nextInt((int) timestamp + 100) - 50;
            long expected = BASE;
            for (int i = 0; i < index.entries(); i++) {
                if (index.timestampAt(i) < target) {
                    expected = index.offsetAt(i) + 1;
                }
            }
            assertThat(index.scanStartFor(target)).as("scan start for %d", target).isEqualTo(expected);
        }
    }

    @Test
    void isFullKeepsOneSlotForTheSealingEntry() {
        TimeIndex index = TimeIndex.empty(file(), BASE, 3 * TimeIndex.ENTRY_BYTES);
        index.maybeAppend(1, BASE);
        assertThat(index.isFull()).isFalse();
        index.maybeAppend(2, BASE + 1);
        assertThat(index.isFull()).isTrue();
        assertThat(index.maybeAppend(3, BASE + 2)).isTrue(); // the reserved slot
        assertThat(index.maybeAppend(4, BASE + 3)).isFalse();
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.lastTimestamp()).isEqualTo(3);
    }

    @Test
    void appendRefusesAnOffsetBelowTheBase() {
        TimeIndex index = TimeIndex.empty(file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> index.maybeAppend(1, BASE - 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(BASE - 1));
    }

    @Test
    void flushWritesTheKafkaLayoutAndLoadReadsItBack() throws IOException {
        TimeIndex index = threeEntries();
        index.flush(io);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file()));
        assertThat(bytes.remaining()).isEqualTo(3 * TimeIndex.ENTRY_BYTES);
        assertThat(bytes.getLong(12 + TimeIndex.TIMESTAMP_AT)).isEqualTo(200);
        assertThat(bytes.getInt(12 + TimeIndex.RELATIVE_OFFSET_AT)).isEqualTo(20);

        TimeIndex loaded = TimeIndex.load(io, file(), BASE, BYTES_MAX);
        assertThat(loaded.entries()).isEqualTo(3);
        assertThat(loaded.timestampAt(1)).isEqualTo(200);
        assertThat(loaded.offsetAt(1)).isEqualTo(520);
    }

    @Test
    void flushAfterTruncationRewritesReplacedEntries() throws IOException {
        TimeIndex index = threeEntries();
        index.flush(io);
        index.truncateTo(520);
        assertThat(index.entries()).isEqualTo(1);
        index.maybeAppend(150, 515);
        index.maybeAppend(160, 518);
        index.flush(io);
        TimeIndex loaded = TimeIndex.load(io, file(), BASE, BYTES_MAX);
        assertThat(loaded.entries()).isEqualTo(3);
        assertThat(loaded.timestampAt(1)).isEqualTo(150);
        assertThat(loaded.offsetAt(2)).isEqualTo(518);
        loaded.clear();
        loaded.flush(io);
        assertThat(Files.size(file())).isZero();
    }

    @Test
    void loadRejectsATruncatedFile() throws IOException {
        Files.write(file(), new byte[20]);
        assertThatThrownBy(() -> TimeIndex.load(io, file(), BASE, BYTES_MAX))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("multiple of 12");
    }

    @Test
    void sanityCheckAcceptsAGoodIndex() throws IOException {
        writeFile(new long[][] {{10, 0}, {20, 0}, {30, 5}});
        TimeIndex.load(io, file(), BASE, BYTES_MAX).sanityCheck(BASE + 6);
    }

    @Test
    void sanityCheckRejectsTimestampsOutOfOrder() throws IOException {
        writeFile(new long[][] {{10, 1}, {10, 2}});
        TimeIndex index = TimeIndex.load(io, file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> index.sanityCheck(BASE + 10)).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("entry 1");
    }

    @Test
    void sanityCheckRejectsOffsetsGoingBackwards() throws IOException {
        writeFile(new long[][] {{10, 4}, {20, 3}});
        TimeIndex index = TimeIndex.load(io, file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> index.sanityCheck(BASE + 10)).isInstanceOf(CorruptIndexException.class);
    }

    @Test
    void sanityCheckRejectsAnOffsetAtOrPastTheNextOffset() throws IOException {
        writeFile(new long[][] {{10, 1}, {20, 9}});
        TimeIndex index = TimeIndex.load(io, file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> index.sanityCheck(BASE + 9)).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("outside the segment");
        index.sanityCheck(BASE + 10);
    }
}
