package dev.spool.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;

class EndTransactionMarkerTest {
    private static final long PRODUCER_ID = 4242L;
    private static final short EPOCH = 7;
    private static final long TIMESTAMP = 1_700_000_000_123L;

    private static ByteBuffer kafkas(ControlRecordType type, int coordinatorEpoch) {
        MemoryRecords records = MemoryRecords.withEndTransactionMarker(0L, TIMESTAMP, RecordBatch.NO_PARTITION_LEADER_EPOCH,
                PRODUCER_ID, EPOCH, new org.apache.kafka.common.record.internal.EndTransactionMarker(type, coordinatorEpoch));
        return records.buffer();
    }

    @Test
    void commitAndAbortAreTheBytesKafkaWrites() {
        assertThat(new EndTransactionMarker(true, 3).encode(PRODUCER_ID, EPOCH, TIMESTAMP))
                .isEqualTo(kafkas(ControlRecordType.COMMIT, 3));
        assertThat(new EndTransactionMarker(false, 0).encode(PRODUCER_ID, EPOCH, TIMESTAMP))
                .isEqualTo(kafkas(ControlRecordType.ABORT, 0));
    }

    @Test
    void readsKafkasMarkersAndItsOwn() throws Exception {
        assertThat(EndTransactionMarker.read(kafkas(ControlRecordType.COMMIT, 9), 0))
                .contains(new EndTransactionMarker(true, 9));
        ByteBuffer ours = new EndTransactionMarker(false, 12).encode(PRODUCER_ID, EPOCH, TIMESTAMP);
        assertThat(EndTransactionMarker.read(ours, 0)).contains(new EndTransactionMarker(false, 12));
        assertThat(RecordBatch.isControl(ours, 0)).isTrue();
        assertThat(RecordBatch.isTransactional(ours, 0)).isTrue();
        assertThat(RecordBatch.producerId(ours, 0)).isEqualTo(PRODUCER_ID);
        assertThat(RecordBatch.computeCrc(ours, 0)).isEqualTo(RecordBatch.storedCrc(ours, 0));
    }

    @Test
    void anOrdinaryBatchOrAnotherControlTypeIsNoMarker() throws Exception {
        BatchBuilder builder = new BatchBuilder(1 << 10);
        builder.tryAppend(TIMESTAMP, new byte[] {1}, new byte[] {2});
        assertThat(EndTransactionMarker.read(builder.build(), 0)).isEmpty();
        ByteBuffer leaderChange = new EndTransactionMarker(true, 1).encode(PRODUCER_ID, EPOCH, TIMESTAMP);
        int typeAt = RecordBatch.HEADER_BYTES + 1 + 1 + 1 + 1 + 1 + 2; // record length .. key length, key version
        leaderChange.putShort(typeAt, (short) 2);
        leaderChange.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(leaderChange, 0));
        assertThat(EndTransactionMarker.read(leaderChange, 0)).isEqualTo(Optional.empty());
    }

    @Test
    void aMarkerCutShortOrWithAShortKeyIsCorrupt() throws Exception {
        ByteBuffer shortKey = controlBatch(new byte[] {0}, new byte[] {0, 0, 0, 0, 0, 1});
        assertThatThrownBy(() -> EndTransactionMarker.read(shortKey, shortKey.position()))
                .isInstanceOf(CorruptRecordException.class).hasMessageContaining("key of 1 bytes");

        ByteBuffer marker = new EndTransactionMarker(true, 1).encode(PRODUCER_ID, EPOCH, TIMESTAMP);
        ByteBuffer cut = marker.duplicate().limit(marker.limit() - 3);
        assertThatThrownBy(() -> EndTransactionMarker.read(cut, 0))
                .isInstanceOf(CorruptRecordException.class).hasMessageContaining("no whole record");
    }

    @Test
    void aMarkerWithANegativeKeyVersionOrAShortValueIsCorrupt() {
        ByteBuffer negativeVersion = controlBatch(new byte[] {(byte) 0xff, (byte) 0xff, 0, 1}, new byte[] {0, 0, 0, 0, 0, 1});
        assertThatThrownBy(() -> EndTransactionMarker.read(negativeVersion, negativeVersion.position()))
                .isInstanceOf(CorruptRecordException.class).hasMessageContaining("key version -1");
        ByteBuffer shortValue = controlBatch(new byte[] {0, 0, 0, 1}, new byte[] {0, 0});
        assertThatThrownBy(() -> EndTransactionMarker.read(shortValue, shortValue.position()))
                .isInstanceOf(CorruptRecordException.class).hasMessageContaining("a value of 2 bytes");
    }

    /** A batch of one record with {@code key} and {@code value}, marked as a control batch, its CRC recomputed. */
    private static ByteBuffer controlBatch(byte[] key, byte[] value) {
        BatchBuilder builder = new BatchBuilder(1 << 10);
        builder.tryAppend(TIMESTAMP, key, value);
        ByteBuffer batch = builder.build();
        int at = batch.position();
        batch.putShort(at + RecordBatch.ATTRIBUTES_OFFSET,
                (short) (batch.getShort(at + RecordBatch.ATTRIBUTES_OFFSET) | RecordBatch.CONTROL_MASK));
        batch.putInt(at + RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, at));
        return batch;
    }
}
