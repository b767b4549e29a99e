package dev.spool.kafka.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.EndTransactionMarker;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader rebuilds producer state from batch headers; the producer id, epoch and sequence are
 * covered by the batch CRC, so a header damaged on disk (read after a clean shutdown, which does not
 * scan) fails the load naming the file, position and offset instead of becoming a producer's state.
 */
class ProducerStateLoaderTest {
    private static final long PRODUCER = 7L;

    @TempDir
    Path dir;

    private long[] writeLog() throws IOException {
        long[] positions = new long[3];
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.unknown())) {
            for (int b = 0; b < positions.length; b++) {
                positions[b] = log.sizeBytes();
                BatchBuilder builder = new BatchBuilder(4096).producer(PRODUCER, (short) 0, b * 2);
                builder.tryAppend(1_000L, null, ("v" + b + "a").getBytes(StandardCharsets.UTF_8));
                builder.tryAppend(1_000L, null, ("v" + b + "b").getBytes(StandardCharsets.UTF_8));
                log.append(builder.build());
            }
            log.flush();
        }
        return positions;
    }

    @Test
    void loadsTheProducersOfSoundBatches() throws IOException {
        writeLog();
        ProducerStateTable table = new ProducerStateTable(100);
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.clean())) {
            assertThat(ProducerStateLoader.load(log, 1 << 20, table)).isEqualTo(log.sizeBytes());
        }
        assertThat(table.retainedFirstSequences(PRODUCER)).containsExactly(0, 2, 4);
    }

    @Test
    void aProducerSequenceDamagedOnDiskFailsTheLoadNamingFilePositionAndOffset() throws IOException {
        long[] positions = writeLog();
        Path segment = SegmentFiles.logFile(dir, 0);
        byte[] bytes = Files.readAllBytes(segment);
        int sequence = (int) positions[1] + RecordBatch.BASE_SEQUENCE_OFFSET + 3;
        bytes[sequence] ^= 0x40; // sequence 2 becomes 66: a wrong state if taken on trust
        Files.write(segment, bytes);
        ProducerStateTable table = new ProducerStateTable(100);
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.clean())) {
            assertThatThrownBy(() -> ProducerStateLoader.load(log, 1 << 20, table))
                    .isInstanceOfSatisfying(CorruptRecordException.class, e -> {
                        assertThat(e.file()).contains(segment);
                        assertThat(e.position()).isEqualTo(positions[1]);
                        assertThat(e.baseOffset()).isEqualTo(2);
                        assertThat(e.getMessage()).contains(segment + " at position " + positions[1])
                                .contains("CRC mismatch");
                    });
        }
        assertThat(table.size()).as("nothing recorded from the read holding the damaged batch").isZero();
    }

    @Test
    void findsTheTransactionsOpenAtTheLogEndAndTheEpochsMarkersBumped() throws IOException {
        long p = 11;
        long q = 12;
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.unknown())) {
            log.append(transactional(p, (short) 0, 0, 2)); // 0-1
            log.append(transactional(q, (short) 0, 0, 1)); // 2
            log.append(new EndTransactionMarker(true, 0).encode(p, (short) 1, 1_000L)); // 3, bumps p
            log.append(batch(13, (short) 0, 0, 1, false)); // 4, idempotent
            log.append(transactional(p, (short) 1, 0, 1)); // 5, p's next transaction
            log.append(new EndTransactionMarker(false, 0).encode(q, (short) 0, 1_000L)); // 6
            log.append(transactional(q, (short) 0, 1, 1)); // 7, q's next transaction
            log.flush();
        }
        ProducerStateTable table = new ProducerStateTable(100);
        Map<Long, Long> open = new HashMap<>();
        List<AbortedTransaction> aborted = new ArrayList<>();
        try (Log log = Log.open(dir, LogConfig.defaults(), LoadState.clean())) {
            ProducerStateLoader.load(log, 1 << 20, table, open, aborted);
        }
        assertThat(open).containsExactlyInAnyOrderEntriesOf(Map.of(p, 5L, q, 7L));
        // q's abort at 6, begun at 2; p's transaction from 5 was open then, so the LSO after it was 5.
        assertThat(aborted).containsExactly(new AbortedTransaction(q, 2, 6, 5));
        assertThat(table.epochOf(p)).isEqualTo((short) 1);
        assertThat(table.retainedFirstSequences(p)).containsExactly(0);
        assertThat(table.retainedFirstSequences(q)).containsExactly(0, 1);
        assertThat(table.retainedFirstSequences(13)).containsExactly(0);
    }

    private static ByteBuffer transactional(long producerId, short epoch, int firstSequence, int count) {
        return batch(producerId, epoch, firstSequence, count, true);
    }

    private static ByteBuffer batch(long producerId, short epoch, int firstSequence, int count, boolean transactional) {
        BatchBuilder builder = new BatchBuilder(4096).producer(producerId, epoch, firstSequence)
                .transactional(transactional);
        for (int i = 0; i < count; i++) {
            builder.tryAppend(1_000L, null, ("t" + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }
}
