package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.txn.TransactionLogCodec;
import dev.spool.kafka.txn.TransactionMetadata;
import dev.spool.kafka.txn.TransactionState;
import dev.spool.kafka.txn.TransactionStore;
import dev.spool.log.LoadState;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.record.BatchBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool verify} and {@code spool repair} on the transaction coordinator's log ({@code __transaction_state}). */
class TransactionLogCommandsTest {
    private static final long NOW_MS = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--data-dir", data().toString())).toArray(String[]::new);
        int code = SpoolCommand.execute(all, new ByteArrayInputStream("a\n".getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path data() {
        return tmp.resolve("data");
    }

    private Path logDir() {
        return data().resolve(TransactionStore.DIR_NAME);
    }

    private Path segment() {
        return logDir().resolve("00000000000000000000.log");
    }

    private static TransactionMetadata state(String id, short epoch) {
        return new TransactionMetadata(id, 7, epoch, 30_000, TransactionState.EMPTY, new TreeSet<>(), -1L, NOW_MS);
    }

    /** A data directory (a topic produced to) and a transaction log of three states: t at epochs 0 and 1, u. */
    private void populate() throws Exception {
        assertThat(run("produce", "r").code()).isZero();
        try (TransactionStore store = TransactionStore.open(logDir(), () -> NOW_MS, new SimpleMeterRegistry())) {
            store.write(state("t", (short) 0)).get();
            store.write(state("t", (short) 1)).get();
            store.write(state("u", (short) 0)).get();
        }
    }

    @Test
    void verifyChecksEveryRecordOfTheTransactionLog() throws Exception {
        populate();
        Run sound = run("verify");
        assertThat(sound.out()).endsWith("all sound\n");
        assertThat(sound.code()).isZero();

        long position;
        try (Log log = Log.open(logDir(), LogConfig.defaults().withRetentionMs(-1), LoadState.unknown())) {
            position = log.sizeBytes();
            BatchBuilder builder = new BatchBuilder(4096);
            builder.tryAppend(NOW_MS, TransactionLogCodec.encodeKey("t"), new byte[] {0, 9}); // an unknown version
            log.append(builder.build());
        }
        Run damaged = run("verify");
        assertThat(damaged.code()).isEqualTo(1);
        assertThat(damaged.out()).contains("ERROR FILE_CORRUPT " + segment() + " at position " + position
                + " (offset 3): transaction record does not decode: ").contains("; the server cannot replay the "
                + "transactions' states (spool repair __transaction_state)\n").contains("1 problem(s)");
    }

    @Test
    void repairRemovesADamagedBatchOfTheTransactionLog() throws Exception {
        populate();
        long second;
        try (Log log = Log.open(logDir(), LogConfig.defaults().withRetentionMs(-1), LoadState.unknown())) {
            second = log.read(1, 1 << 20).origin().positionOf(1);
        }
        flipByte(segment(), second + 65); // inside the second batch's records: its CRC fails
        assertThat(run("verify").out()).contains("ERROR BATCH_CORRUPT " + segment() + " at position " + second
                + " (offset 1): CRC mismatch");

        Run repaired = run("repair", TransactionStore.DIR_NAME, "--yes");
        assertThat(repaired.code()).as(repaired.err()).isZero();
        assertThat(repaired.out()).startsWith("Partition __transaction_state-0: batch at offset 1 (1 record)")
                .contains("repaired __transaction_state-0: offset 1 (1 record) lost");
        assertThat(run("verify").out()).endsWith("all sound\n");
        try (TransactionStore store = TransactionStore.open(logDir(), () -> NOW_MS, new SimpleMeterRegistry())) {
            assertThat(store.get("t").orElseThrow().producerEpoch()).as("the lost state of t, and its earlier one")
                    .isEqualTo((short) 0);
            assertThat(store.get("u")).isPresent();
        }
    }

    /**
     * A record whose batch passes its CRC but that TransactionLogCodec refuses: verify names it and
     * {@code spool repair __transaction_state}; the repair removes its batch with the same decision
     * (an empty batch over its offset, a .broken copy), after showing the plan, and keeps the
     * states before and after it.
     */
    @Test
    void repairRemovesARecordThatDoesNotDecode() throws Exception {
        populate();
        long position;
        long next;
        try (Log log = Log.open(logDir(), LogConfig.defaults().withRetentionMs(-1), LoadState.unknown())) {
            position = log.sizeBytes();
            log.append(batch(TransactionLogCodec.encodeKey("t"), new byte[] {0, 9})); // an unknown version
            next = log.sizeBytes();
            log.append(batch(TransactionLogCodec.encodeKey("v"), TransactionLogCodec.encodeValue(state("v", (short) 4))));
        }
        assertThat(run("verify").out()).contains("ERROR FILE_CORRUPT " + segment() + " at position " + position
                + " (offset 3): transaction record does not decode: ");
        byte[] damaged = Files.readAllBytes(segment());
        String plan = "Partition __transaction_state-0: batch at offset 3 (1 record) in 00000000000000000000.log at "
                + "position " + position + " is corrupt (transaction record at offset 3 does not decode: ";
        String keeps = ". Repair keeps offsets 0–2 and 4 and moves the damaged bytes to 00000000000000000000.log.broken: "
                + "offset 3 (1 record) lost.\n";

        Run asked = run("repair", TransactionStore.DIR_NAME);
        assertThat(asked.code()).isEqualTo(1);
        assertThat(asked.out()).startsWith(plan).endsWith(keeps);
        assertThat(asked.err()).isEqualTo("spool: no terminal to confirm on; nothing changed. Run again with --yes "
                + "to repair __transaction_state-0 as described.\n");
        assertThat(Files.readAllBytes(segment())).as("nothing changed without --yes").isEqualTo(damaged);

        Run repaired = run("repair", TransactionStore.DIR_NAME, "--yes");
        assertThat(repaired.code()).as(repaired.err()).isZero();
        Path broken = segment().resolveSibling("00000000000000000000.log.broken");
        assertThat(repaired.out()).startsWith(plan).contains(keeps + "kept " + broken + "\n")
                .endsWith("repaired __transaction_state-0: offset 3 (1 record) lost; the log opens again and ends at "
                        + "offset 5\n");
        assertThat(Files.readAllBytes(broken)).isEqualTo(Arrays.copyOfRange(damaged, (int) position, (int) next));
        assertThat(run("verify").out()).endsWith("all sound\n");
        assertThat(run("repair", TransactionStore.DIR_NAME, "--yes").out())
                .isEqualTo("nothing to repair in __transaction_state-0: its log opens and every batch checks out\n");
        try (TransactionStore store = TransactionStore.open(logDir(), () -> NOW_MS, new SimpleMeterRegistry())) {
            assertThat(store.get("t").orElseThrow().producerEpoch()).as("t's state before the record removed")
                    .isEqualTo((short) 1);
            assertThat(store.get("u").orElseThrow().producerEpoch()).isZero();
            assertThat(store.get("v").orElseThrow().producerEpoch()).as("the state after it").isEqualTo((short) 4);
        }
    }

    private static ByteBuffer batch(byte[] key, byte[] value) {
        BatchBuilder builder = new BatchBuilder(4096);
        builder.tryAppend(NOW_MS, key, value);
        return builder.build();
    }

    private static void flipByte(Path file, long position) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ 0x40);
        }
    }
}
