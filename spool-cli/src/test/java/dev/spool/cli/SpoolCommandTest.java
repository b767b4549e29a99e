package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.LoadState;
import dev.spool.log.LogConfig;
import dev.spool.log.record.BatchBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Runs the spool command in-process, with captured streams and a temporary data directory. */
class SpoolCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private Run run(String stdin, String... args) {
        return run(false, stdin, args);
    }

    /** As {@link #run(String, String...)}, with {@code stdin} standing for a person at a terminal. */
    private Run runAtTerminal(String stdin, String... args) {
        return run(true, stdin, args);
    }

    private Run run(boolean terminal, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.isEmpty() && !all.get(0).equals("dump") && !all.contains("--data-dir")) {
            all.add("--data-dir");
            all.add(tmp.resolve("data").toString());
        }
        int code = SpoolCommand.execute(all.toArray(String[]::new),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                terminal);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path segment(String topic) {
        return tmp.resolve("data").resolve(topic + "-0").resolve("00000000000000000000.log");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serve", "topics", "topics create", "topics alter", "topics describe", "topics checksum",
        "produce", "consume", "dump",
        "verify", "repair", "users", "users add", "users list", "users delete"})
    void everyCommandAndSubcommandTakesHelpAndHelpNamesIt(String command) {
        List<String[]> forms = new ArrayList<>(List.of((command + " --help").split(" "), (command + " -h").split(" ")));
        if (!command.contains(" ")) {
            forms.add(new String[] {"help", command});
        }
        for (String[] args : forms) {
            Run help = run("", args);
            assertThat(help.code()).as("%s: %s", String.join(" ", args), help.err()).isZero();
            assertThat(help.out()).as(String.join(" ", args)).startsWith("Usage: spool " + command + " ");
            assertThat(help.err()).isEmpty();
        }
    }

    @Test
    void versionNamesSpoolTheKafkaVersionItSpeaksAndTheJava() {
        Run version = run("", "--version");
        assertThat(version.code()).isZero();
        List<String> lines = version.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("spool ");
        assertThat(lines.get(1)).matches("Kafka protocol and log format of Apache Kafka \\d+\\.\\d+\\.\\d+.*");
        assertThat(lines.get(2)).startsWith("Java " + Runtime.version().feature());
        assertThat(run("", "serve", "-V").out()).isEqualTo(version.out());
    }

    @Test
    void aMistypedCommandOrOptionGetsASuggestion() {
        Run command = run("", "topcs", "list");
        assertThat(command.code()).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(command.err()).startsWith("spool: Unmatched arguments from index 0: 'topcs', 'list'")
                .contains("; did you mean 'topics'? (see 'spool --help')");
        Run option = run("", "topics", "create", "t", "--partition", "3");
        assertThat(option.code()).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(option.err()).contains("did you mean '--partitions'?").endsWith("(see 'spool topics create --help')\n");
    }

    @Test
    void produceThenConsumeRoundTrip() {
        Run produced = run("hello\nworld\n", "produce", "greetings");
        assertThat(produced.code()).isZero();
        assertThat(produced.out()).isEmpty();
        assertThat(produced.err()).contains("created topic greetings")
                .contains("produced 2 record(s) to greetings-0, offsets 0..1");

        Run consumed = run("", "consume", "greetings");
        assertThat(consumed.code()).isZero();
        assertThat(consumed.out()).isEqualTo("hello\nworld\n");
        assertThat(consumed.err()).isEmpty();

        Run more = run("third", "produce", "greetings"); // a last line without a newline still counts
        assertThat(more.err()).contains("offsets 2..2").doesNotContain("created");
        assertThat(run("", "consume", "greetings").out()).isEqualTo("hello\nworld\nthird\n");
    }

    @Test
    void strictProduceWithPrintOffsetsPrintsEachAcknowledgedOffset() {
        Run first = run("a\nb\nc\n", "produce", "audit", "--durability", "strict", "--print-offsets");
        assertThat(first.code()).isZero();
        assertThat(first.out()).isEqualTo("0\n1\n2\n");
        Run second = run("d\n", "produce", "audit", "--durability", "STRICT", "--print-offsets");
        assertThat(second.out()).isEqualTo("3\n");
        assertThat(run("", "consume", "audit").out()).isEqualTo("a\nb\nc\nd\n");
        Run bad = run("x\n", "produce", "audit", "--durability", "sometimes");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--durability must be none or strict, not 'sometimes'");
        assertThat(run("", "consume", "audit").out()).as("nothing appended by the refused run")
                .isEqualTo("a\nb\nc\nd\n");
    }

    @Test
    void topicSettingsDriveProduceAndShowInDescribe() {
        Run created = run("", "topics", "create", "events", "--durability", "strict", "--compression", "zstd",
                "--hash-chain");
        assertThat(created.code()).isZero();
        assertThat(created.out()).contains("durability strict, compression zstd, hash chain on");
        String lines = "{\"event\":\"page_view\",\"user\":\"someone\"}\n".repeat(50);
        assertThat(run(lines, "produce", "events").code()).isZero();
        assertThat(run("", "topics", "describe", "events").out())
                .contains("50 record(s)").contains("durability strict, compression zstd, hash chain on");
        Run dumped = run("", "dump", segment("events").toString());
        assertThat(dumped.out()).containsIgnoringCase("zstd");
        assertThat(run("", "consume", "events").out()).isEqualTo(lines);
        assertThat(run("", "verify", "events").code()).isZero();
        Run plain = run("x\n", "produce", "events", "--compression", "none");
        assertThat(plain.code()).isZero();
        Run bad = run("", "topics", "create", "other", "--compression", "brotli");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--compression must be none, gzip, snappy, lz4 or zstd, not 'brotli'");
    }

    @Test
    void topicsCreateTakesKafkaOverridesAndRefusesABadOne() {
        Run created = run("", "topics", "create", "kept", "--config", "retention.ms=3600000", "--config",
                "message.timestamp.type=LogAppendTime");
        assertThat(created.code()).isZero();
        assertThat(created.out()).contains("retention.ms=3600000, message.timestamp.type=LogAppendTime");
        assertThat(run("", "topics", "describe", "kept").out()).contains("retention.ms=3600000");
        Run bad = run("", "topics", "create", "other", "--config", "segment.bytes=13");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--config Invalid value 13 for segment.bytes: expected 14 to 2147483647");
        Run unknown = run("", "topics", "create", "other", "--config", "no.such.config=1");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--config takes KEY=VALUE with KEY one of retention.ms");
        assertThat(run("", "topics", "list").out()).isEqualTo("kept\n");
    }

    @Test
    void keySeparatorSplitsAtTheFirstSeparator() {
        assertThat(run("k1=v1\nnokey\nk2=a=b\n", "produce", "kv", "--key-separator", "=").code()).isZero();
        assertThat(run("", "consume", "kv", "--print-key").out()).isEqualTo("k1\tv1\n\tnokey\nk2\ta=b\n");
        assertThat(run("", "consume", "kv").out()).isEqualTo("v1\nnokey\na=b\n");
        assertThat(run("x", "produce", "kv", "--key-separator", "ab").code()).isEqualTo(2);
    }

    @Test
    void consumeFromOffsetTimeAndWithALimit() throws InterruptedException {
        run("a\nb\nc\n", "produce", "t");
        Thread.sleep(5); // the next records get a later timestamp than the first three
        Instant between = Instant.now();
        Thread.sleep(5);
        run("d\ne\n", "produce", "t");

        assertThat(run("", "consume", "t", "--offset", "1").out()).isEqualTo("b\nc\nd\ne\n");
        assertThat(run("", "consume", "t", "--offset", "4").out()).isEqualTo("e\n");
        assertThat(run("", "consume", "t", "--from-time", between.toString()).out()).isEqualTo("d\ne\n");
        assertThat(run("", "consume", "t", "--from-time", "2000-01-01T00:00:00Z").out()).isEqualTo("a\nb\nc\nd\ne\n");
        assertThat(run("", "consume", "t", "--max-records", "2").out()).isEqualTo("a\nb\n");
        assertThat(run("", "consume", "t", "--offset", "3", "--max-records", "1").out()).isEqualTo("d\n");
        assertThat(run("", "consume", "t", "--from-beginning").out()).isEqualTo("a\nb\nc\nd\ne\n");

        Run outOfRange = run("", "consume", "t", "--offset", "9");
        assertThat(outOfRange.code()).isEqualTo(1);
        assertThat(outOfRange.err()).startsWith("spool: Offset 9 is out of range").hasLineCount(1);
        assertThat(run("", "consume", "t", "--offset", "1", "--from-beginning").code()).isEqualTo(2);
    }

    @Test
    void topicsCreateListDescribeDelete() {
        Run created = run("", "topics", "create", "orders", "--partitions", "3");
        assertThat(created.code()).isZero();
        assertThat(created.out()).contains("created topic orders with 3 partition(s)");
        assertThat(run("", "topics", "create", "audit").code()).isZero();
        assertThat(run("", "topics", "create", "audit").err()).startsWith("spool: ").hasLineCount(1);

        assertThat(run("", "topics", "list").out()).isEqualTo("audit\norders\n");

        run("x\ny\n", "produce", "orders", "--partition", "2");
        Run described = run("", "topics", "describe", "orders");
        assertThat(described.code()).isZero();
        assertThat(described.out()).contains("topic orders: 3 partition(s), 2 record(s)");
        List<String> lines = described.out().lines().toList();
        assertThat(lines.get(lines.size() - 1).split("\\s+")).startsWith("2", "0", "2"); // partition 2: start 0, end 2

        assertThat(run("", "topics", "delete", "orders").out()).contains("deleted topic orders");
        assertThat(run("", "topics", "list").out()).isEqualTo("audit\n");
        Run unknown = run("", "topics", "describe", "orders");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("spool: Unknown topic 'orders'\n");
    }

    @Test
    void badTopicNameIsOneLineAndExitOne() throws IOException {
        for (String[] args : List.of(new String[] {"produce", "../x"}, new String[] {"consume", "../x"},
                new String[] {"topics", "create", "../x"})) {
            Run bad = run("v\n", args);
            assertThat(bad.code()).as(String.join(" ", args)).isEqualTo(1);
            assertThat(bad.err()).startsWith("spool: Topic name '../x' has an illegal character").hasLineCount(1);
            assertThat(bad.out()).isEmpty();
        }
        assertThat(Files.exists(tmp.resolve("x"))).isFalse();
        assertThat(Files.exists(tmp.resolve("data").resolve("..").resolve("x-0"))).isFalse();
    }

    @Test
    void consumeWithoutDataDirectoryIsAClearError() {
        Run run = run("", "consume", "greetings");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).startsWith("spool: no data directory").hasLineCount(1);
        assertThat(Files.exists(tmp.resolve("data"))).isFalse();
    }

    @Test
    void oversizedLineIsRefusedByLineNumberAndEarlierLinesStay() {
        String huge = "x".repeat((1 << 20) + 100);
        Run run = run("one\ntwo\n" + huge + "\nfour\n", "produce", "big");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("spool: line 3 is").contains("nothing from line 3 on");
        assertThat(run("", "consume", "big").out()).isEqualTo("one\ntwo\n");
    }

    @Test
    void aLineThatFitsTheReaderButNotABatchWithItsHeaderIsRefusedByLineNumberToo() {
        // Short enough for the line reader (at most a batch's size) but not with the batch and record headers:
        // the batch builder's RecordTooLargeException, not the reader, refuses it.
        String nearlyHuge = "y".repeat(dev.spool.log.LogConfig.DEFAULT_BATCH_BYTES_MAX - 20);
        Run run = run("one\n" + nearlyHuge + "\nthree\n", "produce", "near");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).contains("spool: line 2 is " + nearlyHuge.length() + " bytes")
                .contains("nothing from line 2 on");
        assertThat(run("", "consume", "near").out()).isEqualTo("one\n");
    }

    @Test
    void dumpShowsBatchesRecordsAndAnInvalidCrc() throws IOException {
        run("hello\nwor\tld\n", "produce", "d");
        Run valid = run("", "dump", segment("d").toString(), "--records");
        assertThat(valid.code()).isZero();
        assertThat(valid.out()).contains("position: 0 baseOffset: 0 lastOffset: 1 count: 2").contains("valid")
                .contains("value: hello").contains("value: wor\\tld").contains("no problems");

        byte[] before = Files.readAllBytes(segment("d"));
        flipByte(segment("d"), 70);
        Run invalid = run("", "dump", segment("d").toString());
        assertThat(invalid.code()).as("a damaged batch: exit code 1").isEqualTo(1);
        assertThat(invalid.out()).containsPattern("crc: INVALID \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\)")
                .contains("1 problem(s)");
        assertThat(Files.readAllBytes(segment("d"))).hasSameSizeAs(before);

        try (RandomAccessFile raf = new RandomAccessFile(segment("d").toFile(), "rw")) {
            raf.setLength(before.length + 7); // a torn tail after the batch
        }
        assertThat(run("", "dump", segment("d").toString()).out()).contains("position: " + before.length
                + " INCOMPLETE tail");

        Path timeIndex = segment("d").resolveSibling("00000000000000000000.timeindex");
        assertThat(run("", "dump", timeIndex.toString()).out()).contains("offset: 1").contains("1 entry");
        assertThat(run("", "dump", tmp.resolve("nope.txt").toString()).code()).isEqualTo(1);
    }

    @Test
    void verifyPassesOnASoundLogAndFailsAfterAFlippedByte() throws IOException {
        run("a\nb\n", "produce", "v");
        long secondBatch = Files.size(segment("v"));
        run("c\n", "produce", "v");
        Run sound = run("", "verify");
        assertThat(sound.code()).isZero();
        assertThat(sound.out()).contains("2 batch(es)").contains("all sound");
        assertThat(run("", "verify", "v").code()).isZero();

        flipByte(segment("v"), secondBatch + 65);
        Run broken = run("", "verify", "v");
        assertThat(broken.code()).isEqualTo(1);
        assertThat(broken.out()).contains("ERROR BATCH_CORRUPT " + segment("v") + " at position " + secondBatch
                + " (offset 2): CRC mismatch").contains("1 problem(s)");
        assertThat(run("", "verify", "nope").code()).isEqualTo(1);
    }

    @Test
    void verifyChecksAReceiptAgainstTheChainHead() throws Exception {
        run("a\nb\n", "produce", "h");
        // The receipt an append would have returned: SHA-256(32 zero bytes || the batch), recomputed here
        // (batches of at most 4 KiB are linked whole).
        byte[] batches = Files.readAllBytes(segment("h"));
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(batches);
        byte[] head = new byte[32];
        for (int at = 0; at < batches.length; at += 12 + bytes.getInt(at + 8)) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            digest.update(head);
            digest.update(batches, at, 12 + bytes.getInt(at + 8));
            head = digest.digest();
        }
        String hex = java.util.HexFormat.of().formatHex(head);
        Run receipt = run("", "verify", "h", "--expect-head", hex);
        assertThat(receipt.code()).as(receipt.out()).isZero();
        assertThat(receipt.out()).contains("chain head of h-0 at offset 2: " + hex)
                .contains("receipt found at offset 1");

        Run unknown = run("", "verify", "h", "--expect-head", "ab".repeat(32));
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.out()).contains("ERROR LOG_TRUNCATED").contains("is not in the chain");
        assertThat(run("", "verify", "h", "--expect-head", "xyz").code()).isEqualTo(2);
        assertThat(run("", "verify", "--expect-head", hex).code()).isEqualTo(2);
    }

    @Test
    void repairRestoresADamagedTopicConfigFromAnotherPartitionsCopyAfterAsking() throws IOException {
        assertThat(run("", "topics", "create", "s", "--partitions", "2", "--durability", "strict").code()).isZero();
        assertThat(run("a\n", "produce", "s", "--partition", "0").code()).isZero();
        Path config = tmp.resolve("data").resolve("s-0").resolve("topic.config");
        byte[] original = Files.readAllBytes(config);
        Files.writeString(config, "version=2\ndurability=sometimes\n");
        Run refused = run("", "consume", "s", "--partition", "0");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).startsWith("spool: Partition s-0 is offline: Bad topic config " + config)
                .endsWith("run 'spool repair s' to restore it from a copy in another partition that reads, or restore"
                        + " it by hand\n").hasLineCount(1);

        Run noTerminal = run("", "repair", "s");
        assertThat(noTerminal.code()).isEqualTo(1);
        assertThat(noTerminal.out()).startsWith("s-0's topic.config does not parse (Bad topic config " + config)
                .contains("will restore it from s-1's copy");
        assertThat(noTerminal.err()).isEqualTo("spool: no terminal to confirm on; nothing changed. Run again with "
                + "--yes to restore the settings of topic 's' as described.\n");

        Run repaired = run("", "repair", "s", "--yes");
        assertThat(repaired.code()).isZero();
        assertThat(repaired.out()).contains("kept " + config.resolveSibling("topic.config.broken"))
                .contains("restored the settings of topic 's'").contains("nothing to repair in s-0");
        assertThat(Files.readAllBytes(config)).isEqualTo(original);
        assertThat(run("", "consume", "s", "--partition", "0").out()).isEqualTo("a\n");
        assertThat(run("", "verify", "s").code()).isZero();
    }

    @Test
    void repairRemovesTheCorruptBatchKeepsTheLaterOneAndSaysSoInRecordsAndOffsets() throws IOException {
        run("a\nb\n", "produce", "r");
        long cut = Files.size(segment("r"));
        run("c\n", "produce", "r");
        long next = Files.size(segment("r"));
        run("d\n", "produce", "r");
        assertThat(run("", "repair", "r", "--yes").out()).contains("nothing to repair in r-0");

        flipByte(segment("r"), cut + 65); // the middle batch of three: corruption, not a torn tail
        byte[] damaged = Files.readAllBytes(segment("r"));
        Files.delete(tmp.resolve("data").resolve(".spool_cleanshutdown")); // as after a crash: scan on open
        Files.delete(tmp.resolve("data").resolve("recovery-point-offset-checkpoint"));
        Run refused = run("", "consume", "r");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("Corrupt log").contains("at position " + cut).hasLineCount(1);

        String described = "Partition r-0: batch at offset 2 (1 record) in 00000000000000000000.log at position " + cut
                + " is corrupt (CRC mismatch: stored 0x";
        String keeps = ". Repair keeps offsets 0–1 and 3 and moves the damaged bytes to 00000000000000000000.log.broken: "
                + "offset 2 (1 record) lost.";
        Run noTerminal = run("y\n", "repair", "r");
        assertThat(noTerminal.code()).isEqualTo(1);
        assertThat(noTerminal.out()).startsWith(described).contains(keeps).doesNotContain("Continue?");
        assertThat(noTerminal.err()).isEqualTo("spool: no terminal to confirm on; nothing changed. Run again with "
                + "--yes to repair r-0 as described.\n");
        assertThat(Files.readAllBytes(segment("r"))).isEqualTo(damaged);

        Run declined = runAtTerminal("n\n", "repair", "r");
        assertThat(declined.code()).isEqualTo(1);
        assertThat(declined.out()).startsWith(described).contains(keeps + " Continue? [y/N] left r-0 unchanged");
        assertThat(Files.readAllBytes(segment("r"))).isEqualTo(damaged);

        Run repaired = runAtTerminal("y\n", "repair", "r");
        assertThat(repaired.code()).isZero();
        assertThat(repaired.out()).contains("repaired r-0: offset 2 (1 record) lost; the log opens again and ends at "
                + "offset 4");
        Path broken = segment("r").resolveSibling("00000000000000000000.log.broken");
        assertThat(Files.readAllBytes(broken)).isEqualTo(java.util.Arrays.copyOfRange(damaged, (int) cut, (int) next));

        assertThat(run("", "consume", "r").out()).isEqualTo("a\nb\nd\n");
        assertThat(run("e\n", "produce", "r").err()).contains("offsets 4..4");
        assertThat(run("", "consume", "r").out()).isEqualTo("a\nb\nd\ne\n");
        assertThat(run("", "verify", "r").code()).isZero();
    }

    @Test
    void repairWorksOnTheServersCommittedOffsetsLog() throws IOException {
        run("a\n", "produce", "r"); // the data directory exists
        Path offsets = tmp.resolve("data").resolve("__consumer_offsets");
        long cut;
        try (Log log = Log.open(offsets, LogConfig.defaults(), LoadState.unknown())) {
            log.append(batch("x"));
            cut = log.sizeBytes();
            log.append(batch("y"));
            log.append(batch("z"));
        }
        flipByte(offsets.resolve("00000000000000000000.log"), cut + 65);
        assertThat(run("", "repair", "__unknown", "--yes").err()).contains("Unknown topic '__unknown'");

        Run repaired = run("", "repair", "__consumer_offsets", "--yes");
        assertThat(repaired.code()).isZero();
        assertThat(repaired.out()).startsWith("Partition __consumer_offsets-0: batch at offset 1 (1 record)")
                .contains("Repair keeps offsets 0 and 2 ")
                .contains("repaired __consumer_offsets-0: offset 1 (1 record) lost");
        try (Log log = Log.open(offsets, LogConfig.defaults(), LoadState.unknown())) {
            assertThat(log.logEndOffset()).isEqualTo(3);
            assertThat(log.read(1, 1 << 20).records()).extracting(r -> r.offset()).containsExactly(2L);
        }
    }

    /**
     * A batch of one record the offsets log's replay accepts: key type 2 (Kafka's group metadata
     * record, which the replay skips), so that the repair, which also removes records the replay
     * refuses, removes only the damaged batch.
     */
    private static java.nio.ByteBuffer batch(String value) {
        BatchBuilder builder = new BatchBuilder(1 << 20);
        builder.tryAppend(1_000L, new byte[] {0, 2}, value.getBytes(StandardCharsets.UTF_8));
        return builder.build();
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        Run run = run("", "consume");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err()).startsWith("spool: Missing required parameter").hasLineCount(1);
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
