package dev.spool.log.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.AbortedTransaction;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransactionIndexTest {
    private static final long BASE = 100;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("00000000000000000100.txnindex");
    }

    @Test
    void entriesRoundTripInKafkasLayout() throws Exception {
        TransactionIndex index = TransactionIndex.empty(file(), BASE);
        index.append(new AbortedTransaction(7, 100, 110, 111));
        index.append(new AbortedTransaction(8, 105, 120, 121));
        index.flush(FileIO.real());

        byte[] bytes = Files.readAllBytes(file());
        assertThat(bytes).hasSize(2 * TransactionIndex.ENTRY_BYTES);
        ByteBuffer second = ByteBuffer.wrap(bytes, TransactionIndex.ENTRY_BYTES, TransactionIndex.ENTRY_BYTES).slice();
        assertThat(second.getShort()).isZero();
        assertThat(second.getLong()).isEqualTo(8);
        assertThat(second.getLong()).isEqualTo(105);
        assertThat(second.getLong()).isEqualTo(120);
        assertThat(second.getLong()).isEqualTo(121);

        TransactionIndex loaded = TransactionIndex.load(FileIO.real(), file(), BASE);
        assertThat(loaded.entries()).isEqualTo(2);
        assertThat(loaded.entry(0)).isEqualTo(new AbortedTransaction(7, 100, 110, 111));
        assertThat(loaded.entry(1)).isEqualTo(new AbortedTransaction(8, 105, 120, 121));
    }

    @Test
    void noFileUntilATransactionAborts() throws Exception {
        TransactionIndex.empty(file(), BASE).flush(FileIO.real());
        assertThat(file()).doesNotExist();
    }

    @Test
    void collectFindsTheTransactionsOverlappingAFetch() {
        TransactionIndex index = TransactionIndex.empty(file(), BASE);
        index.append(new AbortedTransaction(1, 100, 110, 105));
        index.append(new AbortedTransaction(2, 108, 130, 131));
        index.append(new AbortedTransaction(3, 140, 150, 151));

        TransactionIndex.Collected middle = index.collect(111, 135);
        assertThat(middle.aborted()).extracting(AbortedTransaction::producerId).containsExactly(2L);
        assertThat(middle.complete()).isTrue(); // entry 2's LSO 131 < 135, entry 3's 151 >= 135

        TransactionIndex.Collected all = index.collect(0, 1000);
        assertThat(all.aborted()).hasSize(3);
        assertThat(all.complete()).isFalse(); // a later segment may still hold one
    }

    @Test
    void truncationDropsMarkersAtOrAfterTheCutAndRewritesTheFile() throws Exception {
        TransactionIndex index = TransactionIndex.empty(file(), BASE);
        index.append(new AbortedTransaction(1, 100, 110, 111));
        index.append(new AbortedTransaction(2, 112, 120, 121));
        index.flush(FileIO.real());
        index.truncateTo(120);
        index.append(new AbortedTransaction(3, 115, 125, 126));
        index.flush(FileIO.real());

        TransactionIndex loaded = TransactionIndex.load(FileIO.real(), file(), BASE);
        assertThat(loaded.entries()).isEqualTo(2);
        assertThat(loaded.entry(1).producerId()).isEqualTo(3);
    }

    @Test
    void aMarkerOutOfOrderIsRefused() {
        TransactionIndex index = TransactionIndex.empty(file(), BASE);
        index.append(new AbortedTransaction(1, 100, 110, 111));
        assertThatThrownBy(() -> index.append(new AbortedTransaction(2, 100, 110, 111)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot follow");
        assertThatThrownBy(() -> index.append(new AbortedTransaction(2, 10, 99, 111)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("based at 100");
    }

    @Test
    void aDamagedFileIsACorruptIndex() throws Exception {
        Files.write(file(), new byte[TransactionIndex.ENTRY_BYTES + 3]);
        assertThatThrownBy(() -> TransactionIndex.load(FileIO.real(), file(), BASE))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("not a multiple of 34");

        ByteBuffer wrongVersion = ByteBuffer.allocate(TransactionIndex.ENTRY_BYTES);
        wrongVersion.putShort((short) 5).putLong(1).putLong(100).putLong(110).putLong(111);
        Files.write(file(), wrongVersion.array());
        assertThatThrownBy(() -> TransactionIndex.load(FileIO.real(), file(), BASE))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("version 5");

        ByteBuffer backwards = ByteBuffer.allocate(2 * TransactionIndex.ENTRY_BYTES);
        backwards.putShort((short) 0).putLong(1).putLong(100).putLong(120).putLong(121);
        backwards.putShort((short) 0).putLong(2).putLong(100).putLong(110).putLong(111);
        Files.write(file(), backwards.array());
        assertThatThrownBy(() -> TransactionIndex.load(FileIO.real(), file(), BASE))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("entry 1");
    }
}
