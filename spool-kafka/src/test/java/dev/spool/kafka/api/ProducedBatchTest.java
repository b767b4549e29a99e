package dev.spool.kafka.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.Header;
import dev.spool.log.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;

/**
 * The server's side of "the CRC is checked once": its checks of a produced batch compute no CRC on
 * the way in (the log does), walk the records with the same framing rules as the engine's decoder,
 * and still answer a damaged batch with CORRUPT_MESSAGE when they refuse it for anything else.
 */
class ProducedBatchTest {
    private static final int BATCH_BYTES_MAX = 1 << 20;

    @Test
    void theServersChecksComputeNoCrcOnTheWayIn() {
        ByteBuffer batch = batch(1_000, 3_000, 2_000);
        flipValueByte(batch);

        ByteBuffer checked = ProducedBatch.checkBatch(MemoryRecords.readableRecords(batch), BATCH_BYTES_MAX, null);
        long maxTimestamp = ProducedBatch.walk(checked, true, 0, Long.MAX_VALUE, "");

        assertThat(maxTimestamp).isEqualTo(3_000);
        assertThatThrownBy(() -> ProducedBatch.requireIntact(checked)).isInstanceOfSatisfying(
                ProduceHandler.RefusedBatch.class, refused -> {
                    assertThat(refused.error).isEqualTo(Errors.CORRUPT_MESSAGE);
                    assertThat(refused.getMessage()).contains("CRC mismatch");
                });
    }

    @Test
    void aRefusalOfADamagedBatchIsCorruptMessageAndOfAnIntactOneItsOwnError() {
        ByteBuffer intact = batch(1_000, 9_000);
        assertThatThrownBy(() -> ProducedBatch.walk(intact, true, 0, 5_000, "limits"))
                .isInstanceOfSatisfying(ProduceHandler.RefusedBatch.class,
                        refused -> assertThat(refused.error).isEqualTo(Errors.INVALID_TIMESTAMP));

        ByteBuffer damaged = batch(1_000, 9_000);
        flipValueByte(damaged);
        assertThatThrownBy(() -> ProducedBatch.walk(damaged, true, 0, 5_000, "limits"))
                .isInstanceOfSatisfying(ProduceHandler.RefusedBatch.class, refused -> {
                    assertThat(refused.error).isEqualTo(Errors.CORRUPT_MESSAGE);
                    assertThat(refused.getMessage()).contains("CRC mismatch");
                });
    }

    @Test
    void theWalkAcceptsExactlyTheFramingTheEnginesDecoderAccepts() {
        Random random = new Random(15);
        int accepted = 0;
        for (int round = 0; round < 2_000; round++) {
            ByteBuffer batch = batch(1_000 + round, 2_000, 3_000);
            int flips = 1 + random.nextInt(3);
            for (int i = 0; i < flips; i++) {
                int at = RecordBatch.RECORDS_OFFSET + random.nextInt(batch.limit() - RecordBatch.RECORDS_OFFSET);
                batch.put(at, (byte) (batch.get(at) ^ (1 + random.nextInt(255))));
            }
            batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0)); // intact, badly framed

            boolean engine = true;
            try {
                RecordBatch.validateRecords(batch, 0);
            } catch (CorruptRecordException e) {
                engine = false;
            }
            boolean server = true;
            try {
                ProducedBatch.walk(batch, false, 0, 0, "");
            } catch (ProduceHandler.RefusedBatch e) {
                assertThat(e.error).isEqualTo(Errors.CORRUPT_MESSAGE);
                server = false;
            }
            assertThat(server).as("round %s: the server's walk agrees with the engine's decoder", round)
                    .isEqualTo(engine);
            accepted += server ? 1 : 0;
        }
        assertThat(accepted).as("some mutations keep a valid framing (a changed value byte)").isPositive();
    }

    /** A batch of records with the given timestamps, keys, values and a header on every other one. */
    @Test
    void aTransactionalBatchNeedsItsProducerFieldsAndATransactionalId() {
        ByteBuffer sound = transactional(7, (short) 0, 0);
        assertThat(ProducedBatch.checkBatch(MemoryRecords.readableRecords(sound), BATCH_BYTES_MAX, "txn"))
                .isEqualTo(sound);
        assertThat(refusal(transactional(-1, (short) -1, -1), "txn")).isEqualTo(Errors.INVALID_RECORD);
        assertThat(refusal(transactional(7, (short) 0, -1), "txn")).isEqualTo(Errors.INVALID_RECORD);
        assertThat(refusal(transactional(7, (short) 0, 0), null))
                .isEqualTo(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        ByteBuffer damaged = transactional(-1, (short) -1, -1);
        flipValueByte(damaged);
        assertThat(refusal(damaged, "txn")).as("damage comes first").isEqualTo(Errors.CORRUPT_MESSAGE);
    }

    @Test
    void aControlBatchFromAClientIsRefused() {
        ByteBuffer marker = new EndTransactionMarker(true, 0).encode(7, (short) 0, 1_000L);
        assertThat(refusal(marker, "txn")).isEqualTo(Errors.INVALID_RECORD);
        assertThat(refusal(new EndTransactionMarker(false, 0).encode(-1, (short) -1, 1_000L), null))
                .isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void aPlainBatchInATransactionalProducersRequestIsChecked() {
        ByteBuffer plain = batch(1_000);
        assertThat(ProducedBatch.checkBatch(MemoryRecords.readableRecords(plain), BATCH_BYTES_MAX, "txn"))
                .isEqualTo(plain);
    }

    private static Errors refusal(ByteBuffer batch, String transactionalId) {
        try {
            ProducedBatch.checkBatch(MemoryRecords.readableRecords(batch), BATCH_BYTES_MAX, transactionalId);
        } catch (ProduceHandler.RefusedBatch e) {
            return e.error;
        }
        throw new AssertionError("The batch was not refused");
    }

    private static ByteBuffer transactional(long producerId, short epoch, int firstSequence) {
        BatchBuilder builder = new BatchBuilder(4_096).producer(producerId, epoch, firstSequence).transactional(true);
        builder.append(1_000, null, ByteBuffer.wrap("value".getBytes(StandardCharsets.UTF_8)), new Header[0]);
        return builder.build();
    }

    private static ByteBuffer batch(long... timestamps) {
        BatchBuilder builder = new BatchBuilder(4_096);
        for (int i = 0; i < timestamps.length; i++) {
            Header[] headers = i % 2 == 0 ? new Header[0] : new Header[] {Header.of("h" + i, new byte[] {(byte) i})};
            builder.append(timestamps[i], ByteBuffer.wrap(("key-" + i).getBytes(StandardCharsets.UTF_8)),
                    i == 2 ? null : ByteBuffer.wrap(("value-" + i).getBytes(StandardCharsets.UTF_8)), headers);
        }
        ByteBuffer built = builder.build();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built.duplicate()).flip();
        return copy;
    }

    private static void flipValueByte(ByteBuffer batch) {
        int at = batch.limit() - 3;
        batch.put(at, (byte) (batch.get(at) ^ 0x55));
    }
}
