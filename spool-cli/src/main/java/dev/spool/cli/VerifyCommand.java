package dev.spool.cli;

import dev.spool.log.LogVerifier;
import dev.spool.log.io.FileIO;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code spool verify [TOPIC]}: every segment and index of one topic, or of the whole data
 * directory, checked by {@link LogVerifier}; one line per problem, a summary, and exit code 0
 * only when there is no problem at all (warnings included).
 *
 * <p>Read-only and lock-free, so it also runs beside a process that owns the directory; then the
 * newest bytes of an active segment may be mid-write and show as a torn tail (see LogVerifier).
 */
@Command(name = "verify", description = "Check every batch and index of a topic (or of all topics); "
        + "exit 0 only when all is sound. Read-only; takes no lock.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC", arity = "0..1", description = "Only this topic (default: every topic).")
    String topic;

    @Override
    public Integer call() throws Exception {
        common.requireDataDir();
        LogVerifier verifier = new LogVerifier(FileIO.real(), CommonOptions.managerConfig().logConfig());
        LogVerifier.Report report = topic == null ? verifier.verifyDataDir(common.dataDir)
                : verifier.verifyTopic(common.dataDir, topic);
        PrintStream out = common.root().out;
        for (LogVerifier.Finding finding : report.findings()) {
            out.println(finding);
        }
        out.println("verified " + report.partitions() + " partition(s), " + report.segments() + " segment(s), "
                + report.batches() + " batch(es), " + report.bytes() + " bytes: "
                + (report.isSound() ? "all sound" : report.findings().size() + " problem(s)"));
        return report.isSound() ? SpoolCommand.EXIT_OK : SpoolCommand.EXIT_ERROR;
    }
}
