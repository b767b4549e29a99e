package dev.spool.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.RecordingFileIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScramCredentialsFileTest {
    /** The first entry's fields: header (10), name length (2), "alice" (5), type (1), iterations (4), salt length. */
    private static final int FIRST_TYPE_AT = 10 + 2 + 5;
    private static final int FIRST_ITERATIONS_AT = FIRST_TYPE_AT + 1;
    private static final int FIRST_SALT_LENGTH_AT = FIRST_ITERATIONS_AT + 4;
    private static final int FIRST_STORED_KEY_LENGTH_AT = FIRST_SALT_LENGTH_AT + 1 + 16;

    @TempDir
    Path dir;

    /** What the golden file holds: two users, both mechanisms, salts and passwords fixed. */
    private static SortedMap<String, Map<ScramMechanism, ScramCredential>> golden() throws Exception {
        SortedMap<String, Map<ScramMechanism, ScramCredential>> users = new TreeMap<>();
        for (String user : List.of("alice", "zoë")) {
            Map<ScramMechanism, ScramCredential> mechanisms = new EnumMap<>(ScramMechanism.class);
            for (ScramMechanism mechanism : ScramMechanism.values()) {
                byte[] salt = new byte[16];
                for (int i = 0; i < salt.length; i++) {
                    salt[i] = (byte) (i + mechanism.type() + user.length());
                }
                ScramFormatter formatter = new ScramFormatter(mechanism);
                mechanisms.put(mechanism, formatter.generateCredential(salt,
                        formatter.saltedPassword(user + "-password", salt, 4096), 4096));
            }
            users.put(user, mechanisms);
        }
        return users;
    }

    private static byte[] goldenBytes() throws IOException {
        try (InputStream in = ScramCredentialsFileTest.class.getResourceAsStream("/golden/scram-credentials-v1")) {
            return in.readAllBytes();
        }
    }

    private static void assertSame(Map<String, Map<ScramMechanism, ScramCredential>> actual,
                                   Map<String, Map<ScramMechanism, ScramCredential>> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((user, mechanisms) -> {
            assertThat(actual.get(user).keySet()).containsExactlyElementsOf(mechanisms.keySet());
            mechanisms.forEach((mechanism, credential) -> {
                ScramCredential read = actual.get(user).get(mechanism);
                assertThat(read.salt()).isEqualTo(credential.salt());
                assertThat(read.storedKey()).isEqualTo(credential.storedKey());
                assertThat(read.serverKey()).isEqualTo(credential.serverKey());
                assertThat(read.iterations()).isEqualTo(credential.iterations());
            });
        });
    }

    @Test
    void theGoldenFileReadsBackAndIsWhatTheEncoderWrites() throws Exception {
        Files.createDirectories(ScramCredentialsFile.path(dir).getParent());
        Files.write(ScramCredentialsFile.path(dir), goldenBytes());
        assertSame(ScramCredentialsFile.read(FileIO.real(), dir), golden());
        ByteBuffer encoded = ScramCredentialsFile.encode(golden());
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        assertThat(bytes).isEqualTo(goldenBytes());
    }

    @Test
    void aMissingFileIsNoUsersAndAWriteIsTmpForceRenameSync() throws Exception {
        assertThat(ScramCredentialsFile.read(FileIO.real(), dir)).isEmpty();
        RecordingFileIO io = new RecordingFileIO();
        ScramCredentialsFile.write(io, dir, golden());
        assertThat(io.operations()).containsSubsequence("open scram-credentials.tmp CREATE_NEW",
                "force scram-credentials.tmp", "rename scram-credentials.tmp scram-credentials");
        assertThat(io.operations().get(io.operations().size() - 1)).startsWith("sync");
        assertSame(ScramCredentialsFile.read(FileIO.real(), dir), golden());
    }

    /** The golden bytes with {@code damage} done and the CRC made right again, so the check behind it is reached. */
    private byte[] damaged(Consumer<ByteBuffer> damage) throws IOException {
        byte[] bytes = goldenBytes();
        damage.accept(ByteBuffer.wrap(bytes));
        return withCrc(bytes);
    }

    private static byte[] withCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes).putInt(bytes.length - 4, (int) crc.getValue());
        return bytes;
    }

    private void assertRefused(byte[] bytes, String... messageParts) throws IOException {
        Path file = ScramCredentialsFile.path(dir);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        assertThatThrownBy(() -> ScramCredentialsFile.read(FileIO.real(), dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void eachKindOfDamageIsRefusedNamingTheFileAndWhatIsWrong() throws Exception {
        byte[] flipped = goldenBytes();
        flipped[FIRST_ITERATIONS_AT + 3] ^= 1;
        assertRefused(flipped, "fails its CRC");
        assertRefused(new byte[] {1, 2, 3}, "is 3 bytes, expected 14");
        assertRefused(damaged(b -> b.putInt(0, 0x12345678)), "magic 0x12345678");
        assertRefused(damaged(b -> b.putShort(4, (short) 9)), "version 9, expected 1");
        assertRefused(damaged(b -> b.putInt(6, -1)), "counts -1 entries");
        assertRefused(damaged(b -> b.putInt(6, 5)), "entry 4", "runs past the end");
        assertRefused(damaged(b -> b.putInt(6, 3)), "bytes after its 3 entries");
        assertRefused(damaged(b -> b.put(FIRST_TYPE_AT, (byte) 7)), "entry 0", "mechanism type 7");
        assertRefused(damaged(b -> b.putInt(FIRST_ITERATIONS_AT, 100)), "100 iterations, expected 4096 to 16384");
        assertRefused(damaged(b -> b.put(FIRST_SALT_LENGTH_AT, (byte) 0)), "salt of 0 bytes");
        assertRefused(damaged(b -> b.put(FIRST_STORED_KEY_LENGTH_AT, (byte) 31)), "entry 0");
        assertRefused(damaged(b -> b.putShort(10, (short) 0)), "entry 0", "empty user name");
    }

    @Test
    void aFailedWriteKeepsTheOldCredentialsOnDiskAndInMemory() throws Exception {
        CredentialStore store = CredentialStore.open(FileIO.real(), dir);
        store.setPassword("alice", "first-password", EnumSet.of(ScramMechanism.SCRAM_SHA_256), 4096);
        byte[] before = Files.readAllBytes(ScramCredentialsFile.path(dir));
        FileIO failingRename = new ForwardingFileIO(FileIO.real()) {
            @Override
            public void rename(Path from, Path to) throws IOException {
                throw new IOException("injected: rename " + from + " failed");
            }
        };
        CredentialStore failing = CredentialStore.open(failingRename, dir);
        assertThatThrownBy(() -> failing.setPassword("bob", "second-password",
                EnumSet.allOf(ScramMechanism.class), 4096)).isInstanceOf(IOException.class).hasMessageContaining("injected");
        assertThat(failing.users()).containsOnlyKeys("alice");
        assertThat(failing.find("bob", ScramMechanism.SCRAM_SHA_256)).isEmpty();
        assertThat(Files.readAllBytes(ScramCredentialsFile.path(dir))).isEqualTo(before);
        assertThat(CredentialStore.open(FileIO.real(), dir).users()).containsOnlyKeys("alice");
    }

    @Test
    void plainPasswordsAreCheckedAgainstTheStoredScramKeys() throws Exception {
        CredentialStore store = CredentialStore.open(FileIO.real(), dir);
        store.setPassword("alice", "alice-pw", EnumSet.of(ScramMechanism.SCRAM_SHA_512), 4096);
        store.setPassword("bob", "bob-pw", EnumSet.allOf(ScramMechanism.class), 8192);
        SaslAuthenticator authenticator = new SaslAuthenticator(SaslSettings.defaults(), store);
        assertThat(authenticator.passwordMatches("alice", "alice-pw".toCharArray())).isTrue();
        assertThat(authenticator.passwordMatches("alice", "alice-pW".toCharArray())).isFalse();
        assertThat(authenticator.passwordMatches("bob", "bob-pw".toCharArray())).isTrue();
        assertThat(authenticator.passwordMatches("bob", "alice-pw".toCharArray())).isFalse();
        assertThat(authenticator.passwordMatches("carol", "no such user".toCharArray()))
                .as("an unknown user, with the dummy credential's own password").isFalse();
        assertThat(store.delete("bob")).isTrue();
        assertThat(store.delete("bob")).isFalse();
        assertThat(authenticator.passwordMatches("bob", "bob-pw".toCharArray())).isFalse();
    }
}
