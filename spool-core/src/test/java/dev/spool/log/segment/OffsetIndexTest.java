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

class OffsetIndexTest {
    private static final long BASE = 1000;
    private static final int BYTES_MAX = 1 << 20;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();

    private Path file() {
        return dir.resolve("00000000000000001000.index");
    }

    /** An index with entries (1010, 100), (1020, 200), (1030, 300). */
    private OffsetIndex threeEntries() {
        OffsetIndex index = OffsetIndex.empty(file(), BASE, BYTES_MAX);
        for (int i = 1; i <= 3; i++) {
            assertThat(index.append(BASE + 10L * i, 100 * i)).isTrue();
        }
        return index;
    }

    private static byte[] entry(int relative, int position) {
        return ByteBuffer.allocate(8).putInt(relative).putInt(position).array();
    }

    private void writeFile(byte[]... entries) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(entries.length * 8);
        for (byte[] e : entries) {
            all.put(e);
        }
        Files.write(file(), all.array());
    }

    @Test
    void appendedEntriesReadBackInOrder() {
        OffsetIndex index = threeEntries();
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.offsetAt(1)).isEqualTo(1020);
        assertThat(index.positionAt(1)).isEqualTo(200);
    }

    /** The entry a read ends at: the last batch start at or below a position, with its last offset. */
    @Test
    void theFloorByPositionIsTheLastEntryAtOrBelowIt() {
        OffsetIndex index = threeEntries();
        assertThat(index.floorByPosition(200)).isEqualTo(new OffsetIndex.Entry(BASE + 20, 200));
        assertThat(index.floorByPosition(299)).isEqualTo(new OffsetIndex.Entry(BASE + 20, 200));
        assertThat(index.floorByPosition(Integer.MAX_VALUE)).isEqualTo(new OffsetIndex.Entry(BASE + 30, 300));
        assertThat(index.floorByPosition(99)).isNull();
        assertThat(OffsetIndex.empty(file(), BASE, BYTES_MAX).floorByPosition(1_000)).isNull();
    }

    @Test
    void lookupOfAnIndexedOffsetReturnsItsOwnEntry() {
        OffsetIndex index = threeEntries();
        assertThat(index.floorEntry(1020)).isEqualTo(1);
        assertThat(index.lookupPosition(1020)).isEqualTo(200);
    }

    @Test
    void lookupBetweenTwoEntriesReturnsTheEarlierOne() {
        OffsetIndex index = threeEntries();
        assertThat(index.floorEntry(1025)).isEqualTo(1);
        assertThat(index.lookupPosition(1029)).isEqualTo(200);
    }

    @Test
    void lookupBeforeTheFirstEntryScansFromTheStart() {
        OffsetIndex index = threeEntries();
        assertThat(index.floorEntry(1009)).isEqualTo(-1);
        assertThat(index.lookupPosition(BASE)).isZero();
        assertThat(index.lookupPosition(0)).isZero();
    }

    @Test
    void lookupPastTheLastEntryReturnsTheLastOne() {
        OffsetIndex index = threeEntries();
        assertThat(index.floorEntry(Long.MAX_VALUE / 2)).isEqualTo(2);
        assertThat(index.lookupPosition(5000)).isEqualTo(300);
    }

    @Test
    void lookupInAnEmptyIndexScansFromTheStart() {
        OffsetIndex index = OffsetIndex.empty(file(), BASE, BYTES_MAX);
        assertThat(index.floorEntry(1500)).isEqualTo(-1);
        assertThat(index.lookupPosition(1500)).isZero();
    }

    @Test
    void lookupAgreesWithALinearScanOverManyRandomEntries() {
        Random random = new Random(42);
        OffsetIndex index = OffsetIndex.empty(file(), BASE, BYTES_MAX);
        long offset = BASE;
        int position = 0;
        for (int i = 0; i < 500; i++) { // more than the initial array, so it grows
            offset += 1 + random.nextInt(20);
            position += 1 + random.nextInt(4000);
            index.append(offset, position);
        }
        for (int probe = 0; probe < 2000; probe++) {
            long target = BASE - 5 + random.nextInt((int) (offset - BASE + 30));
            int expected = -1;
            for (int i = 0; i < index.entries(); i++) {
                if (index.offsetAt(i) <= target) {
                    expected = i;
                }
            }
            assertThat(index.floorEntry(target)).as("floor of %d", target).isEqualTo(expected);
        }
    }

    @Test
    void appendRefusesAnEntryThatDoesNotFollowTheLast() {
        OffsetIndex index = threeEntries();
        assertThatThrownBy(() -> index.append(1030, 400)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1030");
        assertThatThrownBy(() -> index.append(1040, 300)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.append(BASE - 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.append(BASE + Integer.MAX_VALUE + 1L, 500))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(index.entries()).isEqualTo(3);
    }

    @Test
    void aFullIndexRefusesMoreEntriesWithoutThrowing() {
        OffsetIndex index = OffsetIndex.empty(file(), BASE, 3 * OffsetIndex.ENTRY_BYTES + 5);
        for (int i = 1; i <= 3; i++) {
            assertThat(index.isFull()).isFalse();
            assertThat(index.append(BASE + i, i)).isTrue();
        }
        assertThat(index.isFull()).isTrue();
        assertThat(index.append(BASE + 4, 4)).isFalse();
        assertThat(index.entries()).isEqualTo(3);
    }

    @Test
    void flushWritesTheKafkaLayoutAndLoadReadsItBack() throws IOException {
        OffsetIndex index = threeEntries();
        index.flush(io);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file()));
        assertThat(bytes.remaining()).isEqualTo(3 * OffsetIndex.ENTRY_BYTES);
        assertThat(bytes.getInt(8 + OffsetIndex.RELATIVE_OFFSET_AT)).isEqualTo(20);
        assertThat(bytes.getInt(8 + OffsetIndex.POSITION_AT)).isEqualTo(200);

        OffsetIndex loaded = OffsetIndex.load(io, file(), BASE, BYTES_MAX);
        assertThat(loaded.entries()).isEqualTo(3);
        assertThat(loaded.offsetAt(2)).isEqualTo(1030);
        assertThat(loaded.positionAt(2)).isEqualTo(300);
    }

    @Test
    void flushAfterTruncationCutsTheFileAndRewritesReplacedEntries() throws IOException {
        OffsetIndex index = threeEntries();
        index.flush(io);
        index.truncateTo(1020);
        index.append(1025, 250); // same count as before the cut would be 2 → then 3 with different values
        index.append(1040, 400);
        index.flush(io);
        OffsetIndex loaded = OffsetIndex.load(io, file(), BASE, BYTES_MAX);
        assertThat(loaded.entries()).isEqualTo(3);
        assertThat(loaded.offsetAt(1)).isEqualTo(1025);
        assertThat(loaded.positionAt(2)).isEqualTo(400);

        loaded.truncateTo(1011);
        loaded.flush(io);
        assertThat(Files.size(file())).isEqualTo(OffsetIndex.ENTRY_BYTES);
    }

    @Test
    void aNewIndexOverwritesAStaleFileLeftAtItsPath() throws IOException {
        writeFile(entry(1, 10), entry(2, 20), entry(3, 30));
        OffsetIndex index = OffsetIndex.empty(file(), BASE, BYTES_MAX);
        index.append(BASE + 5, 50);
        index.flush(io);
        assertThat(Files.size(file())).isEqualTo(OffsetIndex.ENTRY_BYTES);
        assertThat(OffsetIndex.load(io, file(), BASE, BYTES_MAX).positionAt(0)).isEqualTo(50);
    }

    @Test
    void truncateToRemovesEntriesAtAndAboveTheOffset() {
        OffsetIndex index = threeEntries();
        index.truncateTo(1020);
        assertThat(index.entries()).isEqualTo(1);
        assertThat(index.lookupPosition(1025)).isEqualTo(100);
    }

    @Test
    void truncateToPositionRemovesEntriesAtAndPastThePosition() {
        OffsetIndex index = threeEntries();
        index.truncateToPosition(201);
        assertThat(index.entries()).isEqualTo(2);
        index.truncateToPosition(200);
        assertThat(index.entries()).isEqualTo(1);
        index.clear();
        assertThat(index.entries()).isZero();
    }

    @Test
    void loadRejectsATruncatedFile() throws IOException {
        Files.write(file(), new byte[13]);
        assertThatThrownBy(() -> OffsetIndex.load(io, file(), BASE, BYTES_MAX))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("13")
                .hasMessageContaining("multiple of 8");
    }

    @Test
    void loadRejectsAFileWithMoreEntriesThanTheLimitAllows() throws IOException {
        writeFile(entry(1, 10), entry(2, 20), entry(3, 30));
        assertThatThrownBy(() -> OffsetIndex.load(io, file(), BASE, 2 * OffsetIndex.ENTRY_BYTES))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("3 entries");
    }

    @Test
    void sanityCheckAcceptsAGoodIndex() throws IOException {
        writeFile(entry(1, 10), entry(2, 20));
        OffsetIndex.load(io, file(), BASE, BYTES_MAX).sanityCheck(21);
    }

    @Test
    void sanityCheckRejectsEntriesOutOfOrder() throws IOException {
        writeFile(entry(5, 10), entry(3, 20));
        OffsetIndex index = OffsetIndex.load(io, file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> index.sanityCheck(100)).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("entry 1").hasMessageContaining("does not follow");

        writeFile(entry(1, 20), entry(3, 20));
        OffsetIndex samePosition = OffsetIndex.load(io, file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> samePosition.sanityCheck(100)).isInstanceOf(CorruptIndexException.class);
    }

    @Test
    void sanityCheckRejectsAnEntryPastTheLogsEnd() throws IOException {
        writeFile(entry(1, 10), entry(2, 20));
        OffsetIndex index = OffsetIndex.load(io, file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> index.sanityCheck(20)).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("position 20").hasMessageContaining("20 bytes");
    }

    @Test
    void sanityCheckRejectsANegativeRelativeOffset() throws IOException {
        writeFile(entry(-1, 10));
        OffsetIndex index = OffsetIndex.load(io, file(), BASE, BYTES_MAX);
        assertThatThrownBy(() -> index.sanityCheck(100)).isInstanceOf(CorruptIndexException.class);
    }
}
