package dev.spool.log.catalog;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The codec of {@code partition.metadata}, the file in which Kafka keeps a partition's topic id,
 * written the way Kafka writes it so a partition directory moves between Spool and Kafka with its
 * id:
 * <pre>
 *  version: 0
 *  topic_id: 7cqZf4R1S2ePm0x3yV0a5A
 * </pre>
 * UTF-8 text, two lines, no newline after the second (Kafka writes none; a reader accepts one).
 * Each line is a key, a colon, white space and a value. The id is the topic's 128-bit UUID, its 16
 * bytes (most significant half first) in URL-safe base64 without padding: 22 characters. Kafka
 * never hands out the all-zero id (no topic) or the id 1 (its metadata topic), nor one whose text
 * starts with {@code -} (it would read as a command-line option); {@link #randomTopicId()} keeps
 * the same rules. Kafka reads any version from 0 up, taking the id from the second line; so does
 * this class.
 *
 * <p>Written atomically (the whole file to {@code partition.metadata.tmp}, force, rename, force
 * the directory). A file that does not parse is an error naming the file and what was expected:
 * a partition is never given a new id in place of one it has.
 */
public final class PartitionMetadataFile {
    public static final String FILE_NAME = "partition.metadata";
    static final int VERSION = 0;
    private static final int FILE_BYTES_MAX = 1024;
    private static final int ID_CHARS = 22;

    private PartitionMetadataFile() {
    }

    /** A new random topic id that Kafka could also have given (see the class notes). */
    public static UUID randomTopicId() {
        while (true) {
            UUID id = UUID.randomUUID();
            boolean reserved = id.getMostSignificantBits() == 0 && (id.getLeastSignificantBits() == 0
                    || id.getLeastSignificantBits() == 1);
            if (!reserved && !encode(id).startsWith("-")) {
                return id;
            }
        }
    }

    /** The id as Kafka prints it: 16 bytes, URL-safe base64, no padding. */
    public static String encode(UUID id) {
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(id.getMostSignificantBits())
                .putLong(id.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    /** Writes {@code topicId} into {@code partitionDir}, replacing any file there. */
    public static void write(FileIO io, Path partitionDir, UUID topicId) throws IOException {
        String text = "version: " + VERSION + "\ntopic_id: " + encode(topicId);
        Path file = partitionDir.resolve(FILE_NAME);
        Path tmp = partitionDir.resolve(FILE_NAME + ".tmp");
        try (StorageFile out = io.open(tmp, FileIO.OpenMode.CREATE)) {
            out.truncate(0);
            out.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
            out.force(true);
        }
        io.rename(tmp, file);
        io.syncDirectory(partitionDir);
    }

    /** The topic id kept in {@code partitionDir}; empty when it has no file (made by an older Spool). */
    public static Optional<UUID> read(FileIO io, Path partitionDir) throws IOException {
        Path file = partitionDir.resolve(FILE_NAME);
        if (!io.exists(file)) {
            return Optional.empty();
        }
        String text;
        try (StorageFile in = io.open(file, FileIO.OpenMode.READ)) {
            long size = in.size();
            if (size > FILE_BYTES_MAX) {
                throw bad(file, 0, "it is " + size + " bytes, more than the " + FILE_BYTES_MAX + " it can be");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            in.readFully(bytes, 0);
            text = new String(bytes.array(), StandardCharsets.UTF_8);
        }
        return Optional.of(parse(file, text));
    }

    static UUID parse(Path file, String text) throws IOException {
        String[] lines = text.split("\n", -1);
        String version = value(file, lines, 1, "version");
        try {
            if (Integer.parseInt(version) < VERSION) {
                throw bad(file, 1, "version " + version + " is below " + VERSION);
            }
        } catch (NumberFormatException e) {
            throw bad(file, 1, "expected a version number, found '" + version + "'");
        }
        String encoded = value(file, lines, 2, "topic_id");
        UUID id = decode(encoded).orElseThrow(() -> bad(file, 2, "expected a topic id of " + ID_CHARS
                + " URL-safe base64 characters, found '" + encoded + "'"));
        if (id.getMostSignificantBits() == 0 && id.getLeastSignificantBits() == 0) {
            throw bad(file, 2, "the topic id is the zero id, which names no topic");
        }
        return id;
    }

    /** The value of line {@code number} (from 1), which must read {@code key: value}. */
    private static String value(Path file, String[] lines, int number, String key) throws IOException {
        if (lines.length < number) {
            throw bad(file, number, "missing; expected '" + key + ": …'");
        }
        String line = lines[number - 1];
        String[] parts = line.strip().split("\\s+");
        if (parts.length != 2 || !parts[0].equals(key + ":")) {
            throw bad(file, number, "expected '" + key + ": …', found '" + line + "'");
        }
        return parts[1];
    }

    private static Optional<UUID> decode(String encoded) {
        if (encoded.length() != ID_CHARS) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (bytes.length != 16) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return Optional.of(new UUID(buffer.getLong(), buffer.getLong()));
    }

    private static IOException bad(Path file, int line, String problem) {
        return new IOException("Bad partition metadata " + file + (line > 0 ? " line " + line : "") + ": " + problem);
    }
}
