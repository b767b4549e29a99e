package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spool dump reads the files beside the segments with their codecs, and exits 1 on a damaged one. */
class DumpEngineFilesTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        return runWithInput("", args);
    }

    private static Run runWithInput(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(args, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * A hash-chain sidecar shows its format, its anchor and one hash per batch, the last of them the
     * chain head {@code spool verify} reports; a sidecar whose header is damaged is exit code 1.
     */
    @Test
    void aChainSidecarShowsItsFormatAnchorAndEveryBatchsHash() throws Exception {
        Path data = dir.resolve("data");
        assertThat(run("topics", "create", "audit", "--hash-chain", "--data-dir", data.toString()).code()).isZero();
        assertThat(runWithInput("small\n", "produce", "audit", "--data-dir", data.toString()).code()).isZero();
        assertThat(runWithInput(("large " + "x".repeat(300) + "\n").repeat(30), "produce", "audit", "--data-dir",
                data.toString()).code()).isZero();
        Run verify = run("verify", "audit", "--data-dir", data.toString());
        assertThat(verify.code()).as(verify.out()).isZero();
        Matcher head = Pattern.compile("chain head of audit-0 at offset 31: ([0-9a-f]{64})")
                .matcher(verify.out());
        assertThat(head.find()).as(verify.out()).isTrue();

        Path sidecar = data.resolve("audit-0").resolve("00000000000000000000.chain");
        Run dump = run("dump", sidecar.toString());
        assertThat(dump.code()).as(dump.err()).isZero();
        assertThat(dump.out()).contains("version: 2 (a batch over 4096 bytes linked by its content's digest)",
                "anchor: " + "0".repeat(64), "batch at offset 0: ", "batch at offset 1: " + head.group(1),
                "2 batch(es)");

        byte[] bytes = Files.readAllBytes(sidecar);
        bytes[5] = 9; // the version: 9, which no Spool wrote (the header's CRC then fails too)
        Files.write(sidecar, bytes);
        Run bad = run("dump", sidecar.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).startsWith("spool: ").contains(".chain").doesNotContain("Exception");
    }

    @Test
    void checkpointsTopicConfigAndPartitionMetadataAreShownAndADamagedOneIsExitCodeOne() throws Exception {
        Path data = dir.resolve("data");
        assertThat(run("topics", "create", "orders", "--partitions", "2", "--config", "retention.ms=3600000",
                "--data-dir", data.toString()).code()).isZero();
        assertThat(run("produce", "orders", "--partition", "1", "--data-dir", data.toString()).code()).isZero();

        Run checkpoint = run("dump", data.resolve("recovery-point-offset-checkpoint").toString());
        assertThat(checkpoint.code()).as(checkpoint.err()).isZero();
        assertThat(checkpoint.out()).contains("orders-0 0", "orders-1 ", "2 partition(s)");

        Run config = run("dump", data.resolve("orders-0").resolve("topic.config").toString());
        assertThat(config.code()).as(config.err()).isZero();
        assertThat(config.out()).contains("durability: NONE", "retention.ms: 3600000");

        Run metadata = run("dump", data.resolve("orders-1").resolve("partition.metadata").toString());
        assertThat(metadata.code()).isZero();
        assertThat(metadata.out()).containsPattern("topic id: [0-9a-f-]{36}");

        Path damaged = data.resolve("orders-0").resolve("topic.config");
        Files.writeString(damaged, "not a topic config\u0000\n");
        Run bad = run("dump", damaged.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).startsWith("spool: ").contains("topic.config").doesNotContain("Exception");

        Path password = Files.writeString(dir.resolve("alice.password"), "not-in-the-dump\n");
        assertThat(run("users", "add", "alice", "--password-file", password.toString(), "--data-dir", data.toString())
                .code()).isZero();
        Run users = run("dump", data.resolve("__security").resolve("scram-credentials").toString());
        assertThat(users.code()).as(users.err()).isZero();
        assertThat(users.out()).contains("alice SCRAM-SHA-256 iterations=4096", "1 user(s)")
                .doesNotContain("not-in-the-dump");
        dev.spool.kafka.security.AclFile.write(dev.spool.log.io.FileIO.real(), data, java.util.List.of(
                new org.apache.kafka.common.acl.AclBinding(new org.apache.kafka.common.resource.ResourcePattern(
                        org.apache.kafka.common.resource.ResourceType.TOPIC, "orders",
                        org.apache.kafka.common.resource.PatternType.LITERAL),
                        new org.apache.kafka.common.acl.AccessControlEntry("User:alice", "*",
                                org.apache.kafka.common.acl.AclOperation.READ,
                                org.apache.kafka.common.acl.AclPermissionType.ALLOW))));
        Run acls = run("dump", data.resolve("__security").resolve("acls").toString());
        assertThat(acls.code()).as(acls.err()).isZero();
        assertThat(acls.out()).contains("name=orders", "principal=User:alice", "operation=READ", "1 ACL(s)");
        Files.writeString(data.resolve("__security").resolve("acls"), "spool-acls 1\ngarbage\n");
        Run badAcls = run("dump", data.resolve("__security").resolve("acls").toString());
        assertThat(badAcls.code()).isEqualTo(1);
        assertThat(badAcls.err()).contains("acls");

        Run unknown = run("dump", dir.resolve("notes.txt").toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("expected a .log, .index or .timeindex file, an offset checkpoint");
    }
}
