package dev.spool.cli;

import dev.spool.log.LogRepair;
import dev.spool.log.TopicName;
import dev.spool.log.TopicPartition;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool repair TOPIC}: for each partition (or the one given) whose log does not open
 * because of corruption, says what it will cut, asks (unless {@code --yes}), keeps
 * {@code .broken} copies, cuts, and reopens the log to prove it sound ({@link LogRepair}).
 * A partition with nothing wrong is left alone with a note; that is not an error.
 */
@Command(name = "repair", description = "Cut a corrupt partition log at its first bad batch, after keeping "
        + ".broken copies and asking for confirmation.")
final class RepairCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--partition", paramLabel = "P", description = "Only this partition (default: every partition).")
    Integer partition;
    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() throws Exception {
        TopicName.validate(topic);
        common.requireDataDir();
        SpoolCommand root = common.root();
        PrintStream out = root.out;
        BufferedReader stdin = new BufferedReader(new InputStreamReader(root.in, StandardCharsets.UTF_8));
        boolean declined = false;
        try (LogRepair repair = LogRepair.open(common.dataDir, CommonOptions.managerConfig())) {
            List<TopicPartition> partitions = partition == null ? repair.partitions(topic)
                    : List.of(new TopicPartition(topic, partition));
            for (TopicPartition tp : partitions) {
                Optional<LogRepair.Plan> plan = repair.plan(tp);
                if (plan.isEmpty()) {
                    out.println("nothing to repair in " + tp + ": its log opens and every batch checks out");
                    continue;
                }
                LogRepair.Plan p = plan.get();
                out.println(tp + ": " + p.problem());
                String question = p.removesData()
                        ? "Truncate " + p.segment() + " at position " + p.position() + ", removing " + p.bytesRemoved()
                        + " bytes and " + p.laterSegments().size() + " later segment(s) (" + p.laterBytes()
                        + " bytes, whose offsets would no longer follow on)? Copies are kept as .broken. [y/N] "
                        : "Lower the checkpointed recovery point of " + tp + " to the log's end? [y/N] ";
                if (!yes && !confirm(out, stdin, question)) {
                    out.println("left " + tp + " unchanged");
                    declined = true;
                    continue;
                }
                LogRepair.Result result = repair.execute(p);
                for (java.nio.file.Path copy : result.brokenCopies()) {
                    out.println("kept " + copy);
                }
                out.println("repaired " + tp + ": the log opens again and ends at offset " + result.logEndOffset());
            }
        }
        return declined ? SpoolCommand.EXIT_ERROR : SpoolCommand.EXIT_OK;
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
