package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool verify} and {@code spool repair} on the server's committed-offsets log ({@code __consumer_offsets}). */
class OffsetsLogCommandsTest {
    private static final long NOW_MS = 1_700_000_000_000L;
    private static final long PRODUCER_ID = 7;

    @TempDir
    Path tmp;

    private Cli cli() {
        return new Cli(tmp.resolve("data"));
    }

    private Path logDir() {
        return tmp.resolve("data").resolve("__consumer_offsets");
    }

    private Path segment() {
        return logDir().resolve("00000000000000000000.log");
    }

    private Log openLog() throws IOException {
        return Log.open(logDir(), LogConfig.defaults().withRetentionMs(-1), LoadState.unknown());
    }

    /** Group billing's committed offset of orders-0, as {@code spool groups describe} reads it from the data directory. */
    private String committed() {
        Cli.Run described = cli().run("", "groups", "describe", "billing");
        assertThat(described.code()).as(described.err()).isZero();
        return described.out().lines().map(l -> List.of(l.trim().split("\\s+")))
                .filter(c -> c.size() >= 3 && c.get(0).equals("orders") && c.get(1).equals("0"))
                .findFirst().orElseThrow(() -> new AssertionError("no row orders-0 in\n" + described.out())).get(2);
    }

    private void commit(int offset) {
        Cli.Run reset = cli().run("", "groups", "reset-offsets", "billing", "--topic", "orders", "--to-offset",
                String.valueOf(offset), "--execute");
        assertThat(reset.code()).as(reset.err()).isZero();
    }

    private static ByteBuffer batch(byte[] key, byte[] value) {
        BatchBuilder builder = new BatchBuilder(4096);
        builder.tryAppend(NOW_MS, key, value);
        return builder.build();
    }

    /** A control batch (a transaction marker's place) whose value is cut short: the marker does not decode. */
    private static ByteBuffer markerCutShort() {
        BatchBuilder builder = new BatchBuilder(4096).producer(PRODUCER_ID, (short) 1, -1).transactional(true);
        builder.tryAppend(NOW_MS, new byte[] {0, 0, 0, 1}, new byte[] {0, 0}); // a COMMIT, value cut
        ByteBuffer batch = builder.build();
        short attributes = batch.getShort(RecordBatch.ATTRIBUTES_OFFSET);
        batch.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) (attributes | 0x20)); // the control bit
        batch.putInt(RecordBatch.CRC_OFFSET, (int) RecordBatch.computeCrc(batch, 0));
        return batch;
    }

    /**
     * Three commits (log offsets 0–2; the last commits 2), then two batches whose CRC holds but that
     * the replay refuses, an offsets record of an unknown key type (3) and a control batch whose
     * marker does not decode (4), then the second commit again (5: commits 3). verify names the first;
     * repair removes both with the same decision, after showing the plan, and keeps every commit.
     */
    @Test
    void repairRemovesBatchesThatDoNotDecode() throws Exception {
        assertThat(cli().run("a\nb\nc\n", "produce", "orders").code()).isZero();
        commit(1);
        commit(3);
        commit(2);
        assertThat(committed()).isEqualTo("2");
        long position;
        long after;
        try (Log log = openLog()) {
            Record second = log.read(1, 1 << 20).records().get(0);
            position = log.sizeBytes();
            log.append(batch(new byte[] {0, 9}, new byte[] {0, 3}));
            long marker = log.sizeBytes();
            log.append(markerCutShort());
            after = log.sizeBytes();
            assertThat(log.append(batch(second.keyBytes(), second.valueBytes())).firstOffset()).isEqualTo(5);
            assertThat(marker).isGreaterThan(position);
        }
        assertThat(cli().run("", "verify").out()).contains("ERROR FILE_CORRUPT " + segment() + " at position "
                + position + " (offset 3): offsets record does not decode: unknown key type 9");
        byte[] damaged = Files.readAllBytes(segment());

        String plan = "Partition __consumer_offsets-0: batch at offset 3 (1 record) in 00000000000000000000.log at "
                + "position " + position + " is corrupt (offsets record at offset 3 does not decode: unknown key type 9";
        String keeps = ". Repair keeps offsets 0–2 and 5 and moves the damaged bytes to 00000000000000000000.log.broken: "
                + "offset 3 (1 record) and offset 4 (1 record) lost.\n";
        Cli.Run asked = cli().run("", "repair", "__consumer_offsets");
        assertThat(asked.code()).isEqualTo(1);
        assertThat(asked.out()).startsWith(plan).contains("batch at offset 4 (1 record) in 00000000000000000000.log"
                + " at position ").contains("(transaction marker at offset 4 does not decode: ").endsWith(keeps);
        assertThat(Files.readAllBytes(segment())).as("nothing changed without --yes").isEqualTo(damaged);

        Cli.Run repaired = cli().run("", "repair", "__consumer_offsets", "--yes");
        assertThat(repaired.code()).as(repaired.err()).isZero();
        assertThat(repaired.out()).startsWith(plan).endsWith("repaired __consumer_offsets-0: offset 3 (1 record) "
                + "and offset 4 (1 record) lost; the log opens again and ends at offset 6\n");
        Path first = segment().resolveSibling("00000000000000000000.log.broken");
        Path second = segment().resolveSibling("00000000000000000000.log.broken.1");
        assertThat(Files.readAllBytes(first)).isEqualTo(Arrays.copyOfRange(damaged, (int) position,
                (int) position + (int) (Files.size(first))));
        assertThat(Files.size(first) + Files.size(second)).isEqualTo(after - position);
        assertThat(cli().run("", "verify").out()).endsWith("all sound\n");
        assertThat(committed()).as("the commit after the removed batches").isEqualTo("3");
    }
}
