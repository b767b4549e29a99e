package dev.spool.kafka.security;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The codec of {@code __security/scram-credentials}, the users who may authenticate with SASL and
 * what proves them: for each user and SCRAM mechanism the salt, the iteration count and the two
 * keys SCRAM derives from the salted password (RFC 5802: {@code StoredKey = H(HMAC(SaltedPassword,
 * "Client Key"))}, {@code ServerKey = HMAC(SaltedPassword, "Server Key")}). Neither the password
 * nor the salted password is stored; both keys are one-way, so the file lets nobody log in, but it
 * is still a secret (an offline guessing attack needs only it), and it is written owner-only where
 * the file system allows.
 *
 * <h2>Layout (big-endian)</h2>
 * <pre>
 *  offset  size  field
 *       0     4  magic 0x53505343 ("SPSC")
 *       4     2  version = 1
 *       6     4  entry count N
 *      10     …  N entries, sorted by user then mechanism type:
 *                  2  user name length U (1 to 65535)
 *                  U  user name, UTF-8
 *                  1  mechanism type (Kafka's: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512)
 *                  4  iterations (the mechanism's minimum to its maximum, 4096 to 16384)
 *                  1  salt length S (1 to 255), then S bytes of salt
 *                  1  stored key length, then the stored key (the hash's size: 32 or 64 bytes)
 *                  1  server key length, then the server key (the same size)
 *    last     4  CRC-32C of every byte before it
 * </pre>
 * Written as a new file ({@code .tmp}), forced, renamed over the old one, then the directory is
 * forced: a crash leaves the old credentials or the new ones. A file that fails any check is an
 * {@link IOException} naming the file and what was wrong; nothing is guessed around, since a
 * server that silently lost its users would refuse every client, and one that misread them
 * might accept the wrong one.
 */
public final class ScramCredentialsFile {
    public static final String DIR_NAME = "__security";
    public static final String FILE_NAME = "scram-credentials";
    static final int MAGIC = 0x53505343;
    static final short VERSION = 1;
    static final int HEADER_BYTES = 10;
    static final int CRC_BYTES = 4;
    /** Far more than any deployment has users; bounds what a damaged count can make the reader allocate. */
    static final int ENTRIES_MAX = 1_000_000;
    static final int FILE_BYTES_MAX = 256 << 20;

    private ScramCredentialsFile() {
    }

    /** The file's path in a data directory. */
    public static Path path(Path dataDir) {
        return dataDir.resolve(DIR_NAME).resolve(FILE_NAME);
    }

    /** The stored credentials by user, empty when the file does not exist (no user yet). */
    public static SortedMap<String, Map<ScramMechanism, ScramCredential>> read(FileIO io, Path dataDir)
            throws IOException {
        Path path = path(dataDir);
        if (!io.exists(path)) {
            return new TreeMap<>();
        }
        ByteBuffer bytes;
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            long size = file.size();
            if (size < HEADER_BYTES + CRC_BYTES || size > FILE_BYTES_MAX) {
                throw new IOException("SCRAM credentials file " + path + " is " + size + " bytes, expected "
                        + (HEADER_BYTES + CRC_BYTES) + " to " + FILE_BYTES_MAX);
            }
            bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining()) {
                if (file.read(bytes, bytes.position()) < 0) {
                    throw new IOException("SCRAM credentials file " + path + " ended at byte " + bytes.position()
                            + " while reading " + size);
                }
            }
        }
        bytes.flip();
        return decode(bytes, path);
    }

    static SortedMap<String, Map<ScramMechanism, ScramCredential>> decode(ByteBuffer bytes, Path path)
            throws IOException {
        bytes.order(ByteOrder.BIG_ENDIAN);
        int crcAt = bytes.limit() - CRC_BYTES;
        long stored = Integer.toUnsignedLong(bytes.getInt(crcAt));
        long computed = crc(bytes, crcAt);
        if (stored != computed) {
            throw new IOException("SCRAM credentials file " + path + " fails its CRC: stored 0x"
                    + Long.toHexString(stored) + ", computed 0x" + Long.toHexString(computed));
        }
        int magic = bytes.getInt(0);
        if (magic != MAGIC) {
            throw new IOException("SCRAM credentials file " + path + " has magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x" + Integer.toHexString(MAGIC));
        }
        short version = bytes.getShort(4);
        if (version != VERSION) {
            throw new IOException("SCRAM credentials file " + path + " has version " + version + ", expected " + VERSION);
        }
        int count = bytes.getInt(6);
        if (count < 0 || count > ENTRIES_MAX) {
            throw new IOException("SCRAM credentials file " + path + " counts " + count + " entries, expected 0 to "
                    + ENTRIES_MAX);
        }
        ByteBuffer entries = bytes.duplicate().position(HEADER_BYTES).limit(crcAt).slice().order(ByteOrder.BIG_ENDIAN);
        SortedMap<String, Map<ScramMechanism, ScramCredential>> users = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            int at = HEADER_BYTES + entries.position();
            try {
                readEntry(entries, users);
            } catch (java.nio.BufferUnderflowException e) {
                throw new IOException("SCRAM credentials file " + path + ": entry " + i + " at byte " + at
                        + " runs past the end of the entries");
            } catch (IllegalArgumentException e) {
                throw new IOException("SCRAM credentials file " + path + ": entry " + i + " at byte " + at + " "
                        + e.getMessage());
            }
        }
        if (entries.hasRemaining()) {
            throw new IOException("SCRAM credentials file " + path + " has " + entries.remaining()
                    + " bytes after its " + count + " entries");
        }
        return users;
    }

    private static void readEntry(ByteBuffer in, SortedMap<String, Map<ScramMechanism, ScramCredential>> users) {
        byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(name);
        String user;
        try {
            user = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(name)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("has a user name that is not UTF-8");
        }
        if (user.isEmpty()) {
            throw new IllegalArgumentException("has an empty user name");
        }
        byte type = in.get();
        ScramMechanism mechanism = mechanism(type);
        if (mechanism == null) {
            throw new IllegalArgumentException("has mechanism type " + type + ", expected 1 (SCRAM-SHA-256) or 2 "
                    + "(SCRAM-SHA-512)");
        }
        int iterations = in.getInt();
        if (iterations < mechanism.minIterations() || iterations > mechanism.maxIterations()) {
            throw new IllegalArgumentException("has " + iterations + " iterations, expected "
                    + mechanism.minIterations() + " to " + mechanism.maxIterations());
        }
        byte[] salt = bytes(in, "salt", 1);
        int keyBytes = keyBytes(mechanism);
        byte[] storedKey = bytes(in, "stored key", keyBytes);
        byte[] serverKey = bytes(in, "server key", keyBytes);
        if (storedKey.length != keyBytes || serverKey.length != keyBytes) {
            throw new IllegalArgumentException("has keys of " + storedKey.length + " and " + serverKey.length
                    + " bytes, expected " + keyBytes + " for " + mechanism.mechanismName());
        }
        Map<ScramMechanism, ScramCredential> mechanisms =
                users.computeIfAbsent(user, u -> new EnumMap<>(ScramMechanism.class));
        if (mechanisms.put(mechanism, new ScramCredential(salt, storedKey, serverKey, iterations)) != null) {
            throw new IllegalArgumentException("repeats user '" + user + "' with " + mechanism.mechanismName());
        }
    }

    private static byte[] bytes(ByteBuffer in, String what, int lengthMin) {
        int length = Byte.toUnsignedInt(in.get());
        if (length < lengthMin) {
            throw new IllegalArgumentException("has a " + what + " of " + length + " bytes, expected at least " + lengthMin);
        }
        byte[] out = new byte[length];
        in.get(out);
        return out;
    }

    /** The size of the mechanism's hash, which both keys have. */
    static int keyBytes(ScramMechanism mechanism) {
        return mechanism == ScramMechanism.SCRAM_SHA_256 ? 32 : 64;
    }

    /** The mechanism with Kafka's type byte (the one AlterUserScramCredentials sends), or null. */
    public static ScramMechanism mechanism(byte type) {
        for (ScramMechanism mechanism : ScramMechanism.values()) {
            if (mechanism.type() == type) {
                return mechanism;
            }
        }
        return null;
    }

    static ByteBuffer encode(SortedMap<String, Map<ScramMechanism, ScramCredential>> users) {
        int size = HEADER_BYTES + CRC_BYTES;
        int count = 0;
        for (Map.Entry<String, Map<ScramMechanism, ScramCredential>> user : users.entrySet()) {
            int nameBytes = user.getKey().getBytes(StandardCharsets.UTF_8).length;
            if (nameBytes == 0 || nameBytes > 0xFFFF) {
                throw new IllegalArgumentException("user name of " + nameBytes + " bytes, expected 1 to 65535");
            }
            for (ScramCredential credential : user.getValue().values()) {
                requireFits("salt", credential.salt());
                requireFits("stored key", credential.storedKey());
                requireFits("server key", credential.serverKey());
                size += 2 + nameBytes + 1 + 4 + 3 + credential.salt().length + credential.storedKey().length
                        + credential.serverKey().length;
                count++;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.BIG_ENDIAN);
        out.putInt(MAGIC).putShort(VERSION).putInt(count);
        users.forEach((user, mechanisms) -> {
            byte[] name = user.getBytes(StandardCharsets.UTF_8);
            new TreeMap<>(mechanisms).forEach((mechanism, credential) -> {
                out.putShort((short) name.length).put(name).put(mechanism.type()).putInt(credential.iterations());
                out.put((byte) credential.salt().length).put(credential.salt());
                out.put((byte) credential.storedKey().length).put(credential.storedKey());
                out.put((byte) credential.serverKey().length).put(credential.serverKey());
            });
        });
        out.putInt((int) crc(out, out.position()));
        return out.flip();
    }

    private static void requireFits(String what, byte[] bytes) {
        if (bytes.length == 0 || bytes.length > 255) {
            throw new IllegalArgumentException(what + " of " + bytes.length + " bytes, expected 1 to 255");
        }
    }

    private static long crc(ByteBuffer bytes, int end) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate().position(0).limit(end));
        return crc.getValue();
    }

    /** Durably replaces the file with one holding {@code users}. */
    public static void write(FileIO io, Path dataDir, SortedMap<String, Map<ScramMechanism, ScramCredential>> users)
            throws IOException {
        Path path = path(dataDir);
        Path dir = path.getParent();
        if (!io.isDirectory(dir)) {
            io.createDirectories(dir);
            io.syncDirectory(dataDir);
            ownerOnly(dir, "rwx------");
        }
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        io.deleteIfExists(tmp);
        ByteBuffer bytes = encode(users);
        try (StorageFile file = io.open(tmp, FileIO.OpenMode.CREATE_NEW)) {
            ownerOnly(tmp, "rw-------");
            file.write(bytes, 0);
            file.force(true);
        }
        io.rename(tmp, path);
        io.syncDirectory(dir);
    }

    /** Owner-only permissions on POSIX file systems; elsewhere (or on an in-memory FileIO) nothing. */
    private static void ownerOnly(Path path, String permissions) {
        try {
            java.nio.file.Files.setPosixFilePermissions(path,
                    java.nio.file.attribute.PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system, or not a real file: the directory's own permissions apply.
        }
    }
}
