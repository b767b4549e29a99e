package dev.spool.kafka.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TransactionLogCodecTest {
    private static final TransactionMetadata ONGOING = new TransactionMetadata("payments", 4001L, (short) 12, 45_000,
            TransactionState.ONGOING, new TreeSet<>(List.of(new PartitionRef("orders", 2), new PartitionRef("orders", 0),
            new PartitionRef("ledger", 5))), 1_700_000_000_000L, 1_700_000_000_500L);

    @Test
    void aStateRoundTrips() throws Exception {
        TransactionLogCodec.TransactionRecord decoded = TransactionLogCodec.decode(
                ByteBuffer.wrap(TransactionLogCodec.encodeKey("payments")),
                ByteBuffer.wrap(TransactionLogCodec.encodeValue(ONGOING)));
        assertThat(decoded.transactionalId()).isEqualTo("payments");
        assertThat(decoded.metadata()).contains(ONGOING);
    }

    @Test
    void theValueIsLaidOutAsKafkasTransactionLogValueVersionZero() {
        ByteBuffer value = ByteBuffer.wrap(TransactionLogCodec.encodeValue(ONGOING));
        assertThat(value.getShort()).isZero(); // version
        assertThat(value.getLong()).isEqualTo(4001L);
        assertThat(value.getShort()).isEqualTo((short) 12);
        assertThat(value.getInt()).isEqualTo(45_000);
        assertThat(value.get()).isEqualTo((byte) 1); // Ongoing
        assertThat(value.getInt()).isEqualTo(2); // topics, sorted: ledger, orders
        assertThat(value.getShort()).isEqualTo((short) 6);
        value.position(value.position() + 6);
        assertThat(value.getInt()).isEqualTo(1);
        assertThat(value.getInt()).isEqualTo(5);
        ByteBuffer key = ByteBuffer.wrap(TransactionLogCodec.encodeKey("payments"));
        assertThat(key.getShort()).isZero();
        assertThat(key.getShort()).isEqualTo((short) 8);
    }

    @Test
    void aTombstoneForgetsTheId() throws Exception {
        assertThat(TransactionLogCodec.decode(ByteBuffer.wrap(TransactionLogCodec.encodeKey("payments")), null)
                .metadata()).isEmpty();
    }

    @Test
    void malformedBytesAreReportedWithWhatWasWrong() {
        ByteBuffer key = ByteBuffer.wrap(TransactionLogCodec.encodeKey("payments"));
        byte[] value = TransactionLogCodec.encodeValue(ONGOING);

        byte[] badStatus = value.clone();
        badStatus[2 + 8 + 2 + 4] = 42;
        assertThatThrownBy(() -> TransactionLogCodec.decode(key, ByteBuffer.wrap(badStatus)))
                .isInstanceOf(TransactionLogCodec.MalformedRecordException.class).hasMessageContaining("status 42");

        ByteBuffer cut = ByteBuffer.wrap(value, 0, value.length - 3);
        assertThatThrownBy(() -> TransactionLogCodec.decode(key, cut))
                .isInstanceOf(TransactionLogCodec.MalformedRecordException.class).hasMessageContaining("cut short");

        byte[] hugeCount = value.clone();
        ByteBuffer.wrap(hugeCount).putInt(2 + 8 + 2 + 4 + 1 + 4 + 2 + 6, Integer.MAX_VALUE); // ledger's partition count
        assertThatThrownBy(() -> TransactionLogCodec.decode(key, ByteBuffer.wrap(hugeCount)))
                .isInstanceOf(TransactionLogCodec.MalformedRecordException.class).hasMessageContaining("partition count");

        assertThatThrownBy(() -> TransactionLogCodec.decode(ByteBuffer.wrap(new byte[] {0, 0, 0, 9, 'x'}), null))
                .isInstanceOf(TransactionLogCodec.MalformedRecordException.class).hasMessageContaining("length 9");
        assertThatThrownBy(() -> TransactionLogCodec.decode(ByteBuffer.wrap(new byte[] {0, 1, 0, 0}), null))
                .isInstanceOf(TransactionLogCodec.MalformedRecordException.class).hasMessageContaining("key version 1");
        assertThatThrownBy(() -> TransactionLogCodec.decode(ByteBuffer.wrap(new byte[] {0, 0, 0, 1, (byte) 0xff}), null))
                .isInstanceOf(TransactionLogCodec.MalformedRecordException.class).hasMessageContaining("not valid UTF-8");
    }
}
