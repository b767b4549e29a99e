package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.tool.EngineFileDump;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChainFileTest {
    private static final long BASE = 42;

    @TempDir
    Path dir;

    private final FileIO io = FileIO.real();
    private final Random random = new Random(5);

    private Path file() {
        return dir.resolve("00000000000000000042.chain");
    }

    private byte[] hash() {
        byte[] h = new byte[ChainFile.HASH_BYTES];
        random.nextBytes(h);
        return h;
    }

    private ChainFile.Header readHeader(long expectedBase) throws IOException {
        try (StorageFile f = io.open(file(), FileIO.OpenMode.READ)) {
            return ChainFile.readHeader(f, file(), expectedBase);
        }
    }

    @Test
    void anEmptyChainEndsAtItsAnchor() {
        byte[] anchor = hash();
        ChainFile chain = ChainFile.empty(file(), BASE, anchor, ChainFile.VERSION);
        assertThat(chain.lastHash()).isEqualTo(anchor);
        assertThat(chain.anchor()).isEqualTo(anchor);
        assertThat(chain.entries()).isZero();
        assertThat(chain.lastBatchBaseOffset()).isEqualTo(-1);
    }

    @Test
    void anAnchorOfTheWrongSizeIsRefused() {
        assertThatThrownBy(() -> ChainFile.empty(file(), BASE, new byte[31], ChainFile.VERSION))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("31");
    }

    @Test
    void nothingIsWrittenBeforeAFlush() {
        ChainFile chain = ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION);
        chain.add(BASE, hash());
        assertThat(Files.exists(file())).isFalse();
    }

    @Test
    void flushWritesTheDocumentedLayout() throws IOException {
        byte[] anchor = hash();
        byte[] first = hash();
        byte[] second = hash();
        ChainFile chain = ChainFile.empty(file(), BASE, anchor, ChainFile.VERSION);
        chain.add(BASE, first);
        chain.add(BASE + 3, second);
        chain.flush(io);

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file()));
        assertThat(bytes.remaining()).isEqualTo(ChainFile.HEADER_BYTES + 2 * ChainFile.ENTRY_BYTES);
        assertThat(bytes.getInt(0)).isEqualTo(0x53504348);
        assertThat(bytes.getShort(4)).as("the current format").isEqualTo((short) 2);
        assertThat(bytes.getShort(6)).isEqualTo((short) 32);
        assertThat(bytes.getLong(8)).isEqualTo(BASE);
        assertThat(Arrays.copyOfRange(bytes.array(), 16, 48)).isEqualTo(anchor);
        assertThat(bytes.getLong(52 + 40)).isEqualTo(BASE + 3);
        assertThat(Arrays.copyOfRange(bytes.array(), 52 + 40 + 8, 52 + 80)).isEqualTo(second);
    }

    @Test
    void loadRestoresTheLastEntryAndAnchor() throws IOException {
        byte[] anchor = hash();
        byte[] last = hash();
        ChainFile chain = ChainFile.empty(file(), BASE, anchor, ChainFile.VERSION);
        chain.add(BASE, hash());
        chain.add(BASE + 7, last);
        chain.flush(io);

        ChainFile loaded = ChainFile.load(io, file(), BASE);
        assertThat(loaded.entries()).isEqualTo(2);
        assertThat(loaded.lastHash()).isEqualTo(last);
        assertThat(loaded.lastBatchBaseOffset()).isEqualTo(BASE + 7);
        assertThat(loaded.anchor()).isEqualTo(anchor);
    }

    @Test
    void anEmptyChainFlushedHasAHeaderOnlyAndLoadsAtItsAnchor() throws IOException {
        byte[] anchor = hash();
        ChainFile.empty(file(), BASE, anchor, ChainFile.VERSION).flush(io);
        assertThat(Files.size(file())).isEqualTo(ChainFile.HEADER_BYTES);
        ChainFile loaded = ChainFile.load(io, file(), BASE);
        assertThat(loaded.entries()).isZero();
        assertThat(loaded.lastHash()).isEqualTo(anchor);
    }

    @Test
    void aTornLastEntryIsIgnoredOnLoadAndCutByTheNextWrite() throws IOException {
        ChainFile chain = ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION);
        byte[] kept = hash();
        chain.add(BASE, kept);
        chain.flush(io);
        Files.write(file(), new byte[17], java.nio.file.StandardOpenOption.APPEND);

        ChainFile loaded = ChainFile.load(io, file(), BASE);
        assertThat(loaded.entries()).isEqualTo(1);
        assertThat(loaded.lastHash()).isEqualTo(kept);
        byte[] next = hash();
        loaded.add(BASE + 1, next);
        loaded.flush(io);
        assertThat(Files.size(file())).isEqualTo(ChainFile.entryPosition(2));
        assertThat(ChainFile.load(io, file(), BASE).lastHash()).isEqualTo(next);
    }

    @Test
    void aHeaderWithABadCrcIsRefused() throws IOException {
        ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION).flush(io);
        byte[] bytes = Files.readAllBytes(file());
        bytes[20] ^= 1; // inside the anchor
        Files.write(file(), bytes);
        assertThatThrownBy(() -> ChainFile.load(io, file(), BASE)).isInstanceOf(CorruptChainException.class)
                .hasMessageContaining("header CRC mismatch");
    }

    @Test
    void aShortFileIsRefused() throws IOException {
        Files.write(file(), new byte[ChainFile.HEADER_BYTES - 1]);
        assertThatThrownBy(() -> ChainFile.load(io, file(), BASE)).isInstanceOf(CorruptChainException.class)
                .hasMessageContaining("51 bytes");
    }

    @Test
    void aWrongMagicWithAValidCrcIsRefused() throws IOException {
        ByteBuffer header = ChainFile.encodeHeader(BASE, hash(), ChainFile.VERSION);
        header.putInt(ChainFile.MAGIC_AT, 0x12345678);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(header.array(), 0, ChainFile.HEADER_CRC_AT);
        header.putInt(ChainFile.HEADER_CRC_AT, (int) crc.getValue());
        Files.write(file(), header.array());
        assertThatThrownBy(() -> ChainFile.load(io, file(), BASE)).isInstanceOf(CorruptChainException.class)
                .hasMessageContaining("magic 0x12345678");
    }

    @Test
    void eachVersionIsReadBackAndAnUnknownOneIsRefused() throws IOException {
        for (short version : new short[] {ChainFile.VERSION_1, ChainFile.VERSION_2}) {
            ChainFile chain = ChainFile.empty(file(), BASE, hash(), version);
            chain.add(BASE, hash());
            chain.flush(io);
            assertThat(readHeader(BASE).version()).isEqualTo(version);
            assertThat(ChainFile.load(io, file(), BASE).version()).isEqualTo(version);
            Files.delete(file());
        }
        ByteBuffer header = ChainFile.encodeHeader(BASE, hash(), ChainFile.VERSION);
        header.putShort(ChainFile.VERSION_AT, (short) 3);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(header.array(), 0, ChainFile.HEADER_CRC_AT);
        header.putInt(ChainFile.HEADER_CRC_AT, (int) crc.getValue());
        Files.write(file(), header.array());
        assertThatThrownBy(() -> ChainFile.load(io, file(), BASE)).isInstanceOf(CorruptChainException.class)
                .hasMessageContaining("version 3").hasMessageContaining("expected 0x53504348, 1 or 2");
        assertThatThrownBy(() -> ChainFile.empty(file(), BASE, hash(), (short) 3))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSidecarOfAnotherSegmentIsRefusedUnlessAnyBaseIsAccepted() throws IOException {
        Files.write(file(), ChainFile.encodeHeader(BASE + 1, hash(), ChainFile.VERSION).array());
        assertThatThrownBy(() -> ChainFile.load(io, file(), BASE)).isInstanceOf(CorruptChainException.class)
                .hasMessageContaining("names segment " + (BASE + 1)).hasMessageContaining("expected " + BASE)
                .satisfies(e -> assertThat(((CorruptChainException) e).position()).isEqualTo(ChainFile.BASE_OFFSET_AT));
        assertThat(readHeader(-1).baseOffset()).isEqualTo(BASE + 1);
    }

    @Test
    void readEntriesReturnsOnlyWholeEntries() throws IOException {
        ChainFile chain = ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION);
        for (int i = 0; i < 5; i++) {
            chain.add(BASE + i, hash());
        }
        chain.flush(io);
        Files.write(file(), new byte[39], java.nio.file.StandardOpenOption.APPEND);
        assertThat(readHeader(BASE).entries()).isEqualTo(5);
        ByteBuffer out = ByteBuffer.allocate(10 * ChainFile.ENTRY_BYTES);
        try (StorageFile f = io.open(file(), FileIO.OpenMode.READ)) {
            assertThat(ChainFile.readEntries(f, 3, 10, out)).isEqualTo(2);
            assertThat(out.remaining()).isEqualTo(2 * ChainFile.ENTRY_BYTES);
            assertThat(out.getLong(ChainFile.ENTRY_BASE_OFFSET_AT)).isEqualTo(BASE + 3);
            assertThat(ChainFile.readEntries(f, 0, 2, out)).isEqualTo(2);
            assertThat(out.getLong(ChainFile.ENTRY_BYTES)).isEqualTo(BASE + 1);
        }
    }

    @Test
    void truncateDropsPendingEntriesAtAndAfterTheOffset() throws IOException {
        ChainFile chain = ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION);
        byte[] kept = hash();
        chain.add(BASE, hash());
        chain.add(BASE + 2, kept);
        chain.add(BASE + 4, hash());
        chain.truncateTo(io, BASE + 3);
        assertThat(chain.entries()).isEqualTo(2);
        assertThat(chain.lastHash()).isEqualTo(kept);
        assertThat(chain.lastBatchBaseOffset()).isEqualTo(BASE + 2);
        chain.flush(io);
        assertThat(Files.size(file())).isEqualTo(ChainFile.entryPosition(2));
    }

    @Test
    void truncateCutsWrittenEntriesAndFallsBackToTheAnchor() throws IOException {
        byte[] anchor = hash();
        ChainFile chain = ChainFile.empty(file(), BASE, anchor, ChainFile.VERSION);
        byte[][] hashes = new byte[6][];
        for (int i = 0; i < 6; i++) {
            hashes[i] = hash();
            chain.add(BASE + 10L * i, hashes[i]);
        }
        chain.flush(io);
        chain.truncateTo(io, BASE + 25); // keeps the batches at 0, 10, 20
        assertThat(chain.entries()).isEqualTo(3);
        assertThat(chain.lastHash()).isEqualTo(hashes[2]);
        assertThat(Files.size(file())).isEqualTo(ChainFile.entryPosition(3));

        chain.truncateTo(io, BASE);
        assertThat(chain.entries()).isZero();
        assertThat(chain.lastHash()).isEqualTo(anchor);
        assertThat(chain.lastBatchBaseOffset()).isEqualTo(-1);
        assertThat(Files.size(file())).isEqualTo(ChainFile.HEADER_BYTES);
    }

    @Test
    void truncateAcrossWrittenAndPendingEntriesKeepsTheWrittenPrefix() throws IOException {
        ChainFile chain = ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION);
        byte[] first = hash();
        chain.add(BASE, first);
        chain.add(BASE + 1, hash());
        chain.flush(io);
        chain.add(BASE + 2, hash()); // pending
        chain.truncateTo(io, BASE + 1);
        assertThat(chain.entries()).isEqualTo(1);
        assertThat(chain.lastHash()).isEqualTo(first);
        byte[] replacement = hash();
        chain.add(BASE + 1, replacement);
        chain.flush(io);
        ChainFile loaded = ChainFile.load(io, file(), BASE);
        assertThat(loaded.entries()).isEqualTo(2);
        assertThat(loaded.lastHash()).isEqualTo(replacement);
    }

    @Test
    void truncatePastTheLastBatchChangesNothing() throws IOException {
        ChainFile chain = ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION);
        chain.add(BASE, hash());
        chain.flush(io);
        chain.truncateTo(io, BASE + 1);
        assertThat(chain.entries()).isEqualTo(1);
        assertThat(Files.size(file())).isEqualTo(ChainFile.entryPosition(1));
    }

    @Test
    void spillWritesPendingEntriesOnceTheBufferIsFull() throws IOException {
        ChainFile chain = ChainFile.empty(file(), BASE, hash(), ChainFile.VERSION);
        for (int i = 0; i < ChainFile.PENDING_ENTRIES_MAX - 1; i++) {
            chain.add(BASE + i, hash());
        }
        chain.spillIfDue(io);
        assertThat(Files.exists(file())).isFalse();
        chain.add(BASE + ChainFile.PENDING_ENTRIES_MAX - 1, hash());
        chain.spillIfDue(io);
        assertThat(Files.size(file())).isEqualTo(ChainFile.entryPosition(ChainFile.PENDING_ENTRIES_MAX));
        chain.add(BASE + ChainFile.PENDING_ENTRIES_MAX, hash());
        chain.flush(io);
        assertThat(ChainFile.load(io, file(), BASE).entries()).isEqualTo(ChainFile.PENDING_ENTRIES_MAX + 1);
    }

    /** {@code spool dump X.chain} reads every entry, past its first read of entries, and names the format. */
    @Test
    void theDumpShowsTheFormatAnchorAndEveryEntry() throws IOException {
        byte[] anchor = hash();
        ChainFile chain = ChainFile.empty(file(), BASE, anchor, ChainFile.VERSION_1);
        List<byte[]> hashes = new ArrayList<>();
        int count = ChainFile.ENTRIES_PER_READ + ChainFile.ENTRIES_PER_READ / 2;
        for (int i = 0; i < count; i++) {
            hashes.add(hash());
            chain.add(BASE + 2L * i, hashes.get(i));
        }
        chain.flush(io);
        List<String> lines = EngineFileDump.lines(io, file());
        assertThat(lines).hasSize(2 + count + 1);
        assertThat(lines.get(0)).isEqualTo("version: 1 (each batch linked whole)");
        assertThat(lines.get(1)).isEqualTo("anchor: " + HashChain.hex(anchor));
        for (int i : new int[] {0, ChainFile.ENTRIES_PER_READ - 1, ChainFile.ENTRIES_PER_READ, count - 1}) {
            assertThat(lines.get(2 + i)).isEqualTo("batch at offset " + (BASE + 2L * i) + ": "
                    + HashChain.hex(hashes.get(i)));
        }
        assertThat(lines.get(lines.size() - 1)).isEqualTo(count + " batch(es)");
    }
}
