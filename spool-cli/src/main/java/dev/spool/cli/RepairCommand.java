package dev.spool.cli;

import dev.spool.kafka.group.OffsetsLogCheck;
import dev.spool.kafka.txn.TransactionLogCheck;
import dev.spool.kafka.txn.TransactionStore;
import dev.spool.log.TopicName;
import dev.spool.log.TopicPartition;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.BatchContentCheck;
import dev.spool.log.tool.LogRepair;
import dev.spool.log.tool.TopicIdRepair;
import dev.spool.log.tool.TopicSettingsRepair;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool repair TOPIC}: for each partition (or the one given) whose log does not open
 * because of corruption, says in records and offsets what it will keep and lose, asks (unless
 * {@code --yes}), moves the damaged bytes to {@code .broken} copies, keeps every batch that checks
 * out, and reopens the log to prove it sound ({@link LogRepair}). A log damaged in several
 * segments is planned and repaired one segment at a time, each with its own question.
 * A partition with nothing wrong is left alone with a note; that is not an error.
 *
 * <p>A topic whose {@code topic.config} is missing or damaged in some partition has its settings
 * restored first, from a copy that reads, after the same question; then its id files
 * ({@code partition.metadata}) the same way, or a new id when no copy reads.
 *
 * <p>In any log, a batch whose CRC holds over records that do not parse (reads of it fail) is
 * repaired as a damaged one, as {@code spool verify} reports it; every batch is read to find one,
 * with progress on stderr every {@link dev.spool.log.tool.LogVerifier#PROGRESS_INTERVAL_BYTES} bytes.
 * TOPIC may name an internal log of the server too, such as {@code __consumer_offsets}. For
 * the two the server replays record by record ({@code __consumer_offsets},
 * {@code __transaction_state}) a batch whose CRC holds but whose records the server's codec refuses
 * is repaired as a damaged one, decided by the check {@code spool verify} reports it with
 * ({@link OffsetsLogCheck#contents}, {@link TransactionLogCheck#contents}).
 * Without a terminal to answer on (a pipe, a script) it never waits for an answer: it says what
 * it would do, to run again with {@code --yes}, and exits non-zero.
 */
@Command(name = "repair", description = "Remove the damaged batches of a partition log (or an internal log such "
        + "as __consumer_offsets), keeping every later batch that checks out and a .broken copy of the damaged "
        + "bytes, after asking for confirmation.")
final class RepairCommand implements Callable<Integer> {
    /** Each pass repairs one damaged segment; more passes than segments would mean the repair is not converging. */
    private static final int PASSES_MAX = 10_000;

    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--partition", paramLabel = "P", description = "Only this partition (default: every partition).")
    Integer partition;
    @Option(names = "--yes", description = "Do not ask for confirmation (needed without a terminal).")
    boolean yes;

    /** What the server's replay requires of each internal log's records, beyond their framing; other logs: nothing. */
    private static BatchContentCheck contentsOf(TopicPartition partition) {
        FileIO io = CommonOptions.managerConfig().io();
        Map<String, BatchContentCheck> internal = Map.of(OffsetsLogCheck.DIR_NAME, new OffsetsLogCheck(io).contents(),
                TransactionStore.DIR_NAME, new TransactionLogCheck(io).contents());
        return partition.partition() == 0 ? internal.getOrDefault(partition.topic(), BatchContentCheck.ANY)
                : BatchContentCheck.ANY;
    }

    @Override
    public Integer call() throws Exception {
        TopicName.validate(topic);
        common.requireDataDir();
        SpoolCommand root = common.root();
        PrintStream out = root.out;
        BufferedReader stdin = new BufferedReader(new InputStreamReader(root.in, StandardCharsets.UTF_8));
        boolean declined = false;
        PrintStream err = root.err;
        try (LogRepair repair = LogRepair.open(common.dataDir, CommonOptions.managerConfig(),
                (bytes, segment) -> err.println("repair: " + (bytes >> 20) + " MiB checked (" + segment + ")"))) {
            Optional<TopicSettingsRepair.Plan> settings = repair.planSettings(topic);
            if (settings.isPresent() && !restored(settings.get().describe(), "the settings of topic '" + topic + "'",
                    () -> repair.restoreSettings(settings.get()), root, out, stdin)) {
                return SpoolCommand.EXIT_ERROR; // the logs of partitions without settings cannot be planned
            }
            Optional<TopicIdRepair.Plan> id = repair.planTopicId(topic);
            if (id.isPresent() && !restored(id.get().describe(), "the topic id of '" + topic + "'",
                    () -> repair.restoreTopicId(id.get()), root, out, stdin)) {
                return SpoolCommand.EXIT_ERROR;
            }
            List<TopicPartition> partitions = partition == null ? repair.partitions(topic)
                    : List.of(new TopicPartition(topic, partition));
            for (TopicPartition tp : partitions) {
                declined |= !repairPartition(repair, tp, root, out, stdin);
            }
        }
        return declined ? SpoolCommand.EXIT_ERROR : SpoolCommand.EXIT_OK;
    }

    /** Plans, asks and repairs until the partition's log opens; false when the user (or no terminal) declined. */
    private boolean repairPartition(LogRepair repair, TopicPartition tp, SpoolCommand root, PrintStream out,
                                    BufferedReader stdin) throws IOException {
        BatchContentCheck contents = contentsOf(tp);
        for (int pass = 0; pass < PASSES_MAX; pass++) {
            Optional<LogRepair.Plan> plan = repair.plan(tp, contents);
            if (plan.isEmpty()) {
                if (pass == 0) {
                    out.println("nothing to repair in " + tp + ": its log opens and every batch checks out");
                }
                return true;
            }
            LogRepair.Plan p = plan.get();
            if (!approved(p.describe(), "repair " + tp, tp.toString(), root, out, stdin)) {
                return false;
            }
            LogRepair.Result result = repair.execute(p);
            for (java.nio.file.Path copy : result.brokenCopies()) {
                out.println("kept " + copy);
            }
            String lost = p.removesData() ? p.lostOffsets() + " lost; " : "";
            out.println("repaired " + tp + ": " + lost + (result.logEnd().isPresent()
                    ? "the log opens again and ends at offset " + result.logEndOffset()
                    : "more damage to repair: " + result.moreDamage().orElse("")));
        }
        throw new IOException("Repair of " + tp + " did not converge after " + PASSES_MAX + " passes");
    }

    /** Restores one kind of a topic's files after asking; false when the user (or no terminal) declined. */
    private boolean restored(String description, String what, Restore restore, SpoolCommand root, PrintStream out,
                             BufferedReader stdin) throws IOException {
        if (!approved(description, "restore " + what, "topic '" + topic + "'", root, out, stdin)) {
            return false;
        }
        for (java.nio.file.Path copy : restore.run()) {
            out.println("kept " + copy);
        }
        out.println("restored " + what);
        return true;
    }

    /** A restoration of a topic's files; returns the {@code .broken} copies it kept. */
    private interface Restore {
        List<java.nio.file.Path> run() throws IOException;
    }

    /**
     * Whether to go ahead with {@code description}: {@code --yes} prints it and says yes; without a
     * terminal it prints it, says how to run again, and says no; otherwise the user answers.
     */
    private boolean approved(String description, String what, String subject, SpoolCommand root, PrintStream out,
                             BufferedReader stdin) throws IOException {
        if (yes || !root.terminal) {
            out.println(description);
        }
        if (yes) {
            return true;
        }
        if (!root.terminal) {
            root.err.println("spool: no terminal to confirm on; nothing changed. Run again with --yes to " + what
                    + " as described.");
            return false;
        }
        if (!confirm(out, stdin, description + " Continue? [y/N] ")) {
            out.println("left " + subject + " unchanged");
            return false;
        }
        return true;
    }

    private static boolean confirm(PrintStream out, BufferedReader stdin, String question) throws IOException {
        out.print(question);
        out.flush();
        String answer = stdin.readLine();
        if (answer == null) {
            out.println();
        }
        return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
    }
}
