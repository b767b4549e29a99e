package dev.spool.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ACL file: what is written reads back exactly, and each kind of damage is an error naming the file. */
class AclFileTest {
    @TempDir
    Path dir;

    private static final List<AclBinding> BINDINGS = List.of(
            new AclBinding(new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
                    new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW)),
            new AclBinding(new ResourcePattern(ResourceType.GROUP, "app with spaces\nand a line ü", PatternType.PREFIXED),
                    new AccessControlEntry("User:*", "10.0.0.7", AclOperation.ALL, AclPermissionType.DENY)),
            new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                    new AccessControlEntry("User:bob", "*", AclOperation.ALTER, AclPermissionType.ALLOW)));

    @Test
    void writtenAclsReadBackExactly() throws IOException {
        assertThat(AclFile.read(FileIO.real(), dir)).as("no file yet").isEmpty();
        AclFile.write(FileIO.real(), dir, BINDINGS);
        assertThat(AclFile.read(FileIO.real(), dir)).containsExactlyInAnyOrderElementsOf(BINDINGS);
        assertThat(Files.exists(dir.resolve("__security").resolve("acls.tmp"))).isFalse();
        String text = Files.readString(AclFile.path(dir), StandardCharsets.UTF_8);
        assertThat(text).startsWith("spool-acls 1\n").contains("TOPIC LITERAL orders User%3Aalice * READ ALLOW\n")
                .containsPattern("\nend 3 [0-9a-f]+\n$");
        AclFile.write(FileIO.real(), dir, List.of());
        assertThat(AclFile.read(FileIO.real(), dir)).isEmpty();
    }

    @Test
    void theGoldenFileReadsBackAndIsWhatTheCodecWrites() throws IOException {
        Files.createDirectories(AclFile.path(dir).getParent());
        try (java.io.InputStream golden = getClass().getResourceAsStream("/golden/acls-v1")) {
            Files.copy(golden, AclFile.path(dir));
        }
        assertThat(AclFile.read(FileIO.real(), dir)).containsExactlyInAnyOrderElementsOf(BINDINGS);
        assertThat(Files.readAllBytes(AclFile.path(dir))).isEqualTo(AclFile.encode(BINDINGS));
    }

    @Test
    void isWrittenToATemporaryFileForcedThenRenamedThenTheDirectoriesSynced() throws IOException {
        dev.spool.log.io.RecordingFileIO io = new dev.spool.log.io.RecordingFileIO();
        AclFile.write(io, dir, BINDINGS);
        assertThat(io.operations()).as("the first write also makes the security directory's entry durable")
                .containsSubsequence("syncdir " + dir.getFileName(), "write acls.tmp", "force acls.tmp",
                        "rename acls.tmp acls", "syncdir __security");
        AclFile.write(io, dir, List.of());
        assertThat(AclFile.read(FileIO.real(), dir)).isEmpty();
    }

    @Test
    void aFlippedByteFailsTheCrc() throws IOException {
        AclFile.write(FileIO.real(), dir, BINDINGS);
        String text = Files.readString(AclFile.path(dir), StandardCharsets.UTF_8);
        Files.writeString(AclFile.path(dir), text.replace("READ ALLOW", "READ DENY"), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> AclFile.read(FileIO.real(), dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(AclFile.path(dir).toString()).hasMessageContaining("fails its CRC");
    }

    @Test
    void aFileCutShortIsReported() throws IOException {
        AclFile.write(FileIO.real(), dir, BINDINGS);
        byte[] bytes = Files.readAllBytes(AclFile.path(dir));
        Files.write(AclFile.path(dir), java.util.Arrays.copyOf(bytes, 40));
        assertThatThrownBy(() -> AclFile.read(FileIO.real(), dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(AclFile.path(dir).toString()).hasMessageContaining("cut short");
        Files.write(AclFile.path(dir), java.util.Arrays.copyOf(bytes, bytes.length - 1));
        assertThatThrownBy(() -> AclFile.read(FileIO.real(), dir)).hasMessageContaining("cut short");
    }

    @Test
    void aForeignFileIsReported() throws IOException {
        Files.createDirectories(AclFile.path(dir).getParent());
        Files.writeString(AclFile.path(dir), "{\"acls\": []}\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> AclFile.read(FileIO.real(), dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(AclFile.path(dir) + " line 1 is '{\"acls\": []}', expected 'spool-acls 1'");
    }

    @Test
    void aLineThatIsNoAclIsReportedWithItsNumber() throws IOException {
        byte[] good = AclFile.encode(List.of());
        String body = "spool-acls 1\nTOPIC LITERAL orders User%3Aalice * READ\n";
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(AclFile.path(dir).getParent());
        Files.writeString(AclFile.path(dir), body + "end 1 " + Long.toHexString(crc.getValue()) + "\n");
        assertThat(good).isNotEmpty();
        assertThatThrownBy(() -> AclFile.read(FileIO.real(), dir)).isInstanceOf(IOException.class)
                .hasMessageContaining(AclFile.path(dir) + " line 2 has 6 fields, expected 7");
    }

    @Test
    void aCountThatDisagreesIsReported() throws IOException {
        String body = "spool-acls 1\n";
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(AclFile.path(dir).getParent());
        Files.writeString(AclFile.path(dir), body + "end 2 " + Long.toHexString(crc.getValue()) + "\n");
        assertThatThrownBy(() -> AclFile.read(FileIO.real(), dir))
                .hasMessageContaining("end line counts 2 ACLs, the file holds 0");
    }
}
