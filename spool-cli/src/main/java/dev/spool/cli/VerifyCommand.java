package dev.spool.cli;

import dev.spool.kafka.group.OffsetsLogCheck;
import dev.spool.kafka.producer.ProducerIdFileCheck;
import dev.spool.kafka.txn.TransactionLogCheck;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.ChainHashText;
import dev.spool.log.tool.DataDirCheck;
import dev.spool.log.tool.DataDirFileChecks;
import dev.spool.log.tool.LogVerifier;
import dev.spool.queue.PositionFileCheck;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool verify [TOPIC] [--expect-head HASH]}: every segment, index and hash chain of one
 * topic, or of the whole data directory, checked by {@link LogVerifier}, then the other files:
 * the checkpoints and each partition's topic.config and partition.metadata
 * ({@link DataDirFileChecks}) and, for the whole directory, the Kafka server's committed-offsets
 * log ({@link OffsetsLogCheck}), transaction log ({@link TransactionLogCheck}) and producer-id
 * file ({@link ProducerIdFileCheck}), and a disk
 * buffer's consumer position ({@link PositionFileCheck}: a buffer's directory is a data directory,
 * so {@code --data-dir BUFFER_DIR} verifies a buffer); one line per problem
 * (severity, kind, file, position, offset), each partition's recomputed chain head, a summary,
 * and exit code 0 only when there is no problem at all (warnings included). Progress goes to
 * stderr every {@link LogVerifier#PROGRESS_INTERVAL_BYTES} bytes.
 *
 * <p>Read-only and lock-free, so it also runs beside a process that owns the directory; then the
 * newest bytes of an active segment may be mid-write and show as a torn tail (see LogVerifier).
 */
@Command(name = "verify", description = "Check every batch, index and hash chain of a topic (or of all topics), and the files beside "
        + "them (checkpoints, topic.config, partition.metadata, __consumer_offsets, kafka-producer-ids, a disk buffer's "
        + "consumer-position); "
        + "exit 0 only when all is sound. Read-only; takes no lock.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC", arity = "0..1", description = "Only this topic (default: every topic).")
    String topic;
    @Option(names = "--expect-head", paramLabel = "HASH", description = "A receipt (the chain hash an append "
            + "returned, 64 hex digits): report the log as truncated unless the hash is in the chain. Needs TOPIC.")
    String expectHead;
    @Option(names = "--partition", paramLabel = "N", defaultValue = "0",
            description = "The partition the --expect-head receipt belongs to (default: ${DEFAULT-VALUE}).")
    int partition;

    /**
     * The checks of the other files: the engine's (checkpoints, each partition's topic.config and
     * partition.metadata), and for the whole directory the Kafka server's (committed-offsets log,
     * transaction log, producer ids), each module checking its own files with its own codec.
     */
    private List<DataDirCheck> checks() {
        FileIO io = FileIO.real();
        DataDirCheck engine = new DataDirFileChecks(io, CommonOptions.managerConfig().logConfig(),
                Optional.ofNullable(topic));
        return topic != null ? List.of(engine)
                : List.of(engine, new OffsetsLogCheck(io), new TransactionLogCheck(io), new ProducerIdFileCheck(io),
                        new PositionFileCheck(io));
    }

    @Override
    public Integer call() throws Exception {
        common.requireDataDir();
        PrintStream err = common.root().err;
        Optional<LogVerifier.Receipt> receipt = Optional.empty();
        if (expectHead != null) {
            if (topic == null) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--expect-head needs a TOPIC");
            }
            byte[] hash;
            try {
                hash = ChainHashText.parse(expectHead);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--expect-head: " + e.getMessage());
            }
            receipt = Optional.of(new LogVerifier.Receipt(partition, hash));
        }
        LogVerifier verifier = new LogVerifier(FileIO.real(), CommonOptions.managerConfig().logConfig(),
                (bytes, segment) -> err.println("verify: " + (bytes >> 20) + " MiB checked (" + segment + ")"));
        LogVerifier.Report report = topic == null ? verifier.verifyDataDir(common.dataDir)
                : verifier.verifyTopic(common.dataDir, topic, receipt);
        for (DataDirCheck check : checks()) {
            report = report.plus(check.check(common.dataDir));
        }
        PrintStream out = common.root().out;
        for (LogVerifier.Finding finding : report.findings()) {
            out.println(finding);
        }
        for (LogVerifier.ChainHead head : report.heads()) {
            out.println("chain head of " + head.dir().getFileName() + " at offset " + head.nextOffset() + ": "
                    + head.hex() + (head.receiptOffset() >= 0 ? " (receipt found at offset "
                    + head.receiptOffset() + ")" : ""));
        }
        out.println("verified " + report.partitions() + " partition(s), " + report.segments() + " segment(s), "
                + report.batches() + " batch(es), " + report.bytes() + " bytes: "
                + (report.isSound() ? "all sound" : report.findings().size() + " problem(s)"));
        return report.isSound() ? SpoolCommand.EXIT_OK : SpoolCommand.EXIT_ERROR;
    }
}
