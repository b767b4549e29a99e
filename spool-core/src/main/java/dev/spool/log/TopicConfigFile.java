package dev.spool.log;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.CompressionType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The codec of {@code topic.config}, a topic's settings, stored in each of its partition
 * directories (identical copies, so a partition directory is self-describing):
 * <pre>
 *  # Spool topic settings
 *  version=1
 *  durability=strict            none | strict
 *  compression=zstd             none | gzip | snappy | lz4 | zstd
 *  hash.chain=true              true | false
 * </pre>
 * UTF-8 text, one {@code key=value} per line, {@code #} comments. Written atomically (the whole
 * file to {@code topic.config.tmp}, force, rename, force the directory), so a reader sees the
 * old file or the new one. A file that does not parse is an error naming the file and line: a
 * topic's durability is never guessed. A partition directory without the file (made by an older
 * Spool, or by Kafka) gets the log manager's defaults.
 */
final class TopicConfigFile {
    static final String FILE_NAME = "topic.config";
    static final int VERSION = 1;
    private static final int FILE_BYTES_MAX = 64 << 10;

    private TopicConfigFile() {
    }

    static void write(FileIO io, Path partitionDir, TopicConfig config) throws IOException {
        String text = "# Spool topic settings\n"
                + "version=" + VERSION + "\n"
                + "durability=" + config.durability().name().toLowerCase(Locale.ROOT) + "\n"
                + "compression=" + config.compression().name().toLowerCase(Locale.ROOT) + "\n"
                + "hash.chain=" + config.hashChain() + "\n";
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

    /** The settings in {@code partitionDir}, or {@code defaults} when it has no file. */
    static TopicConfig read(FileIO io, Path partitionDir, TopicConfig defaults) throws IOException {
        Path file = partitionDir.resolve(FILE_NAME);
        if (!io.exists(file)) {
            return defaults;
        }
        String text;
        try (StorageFile in = io.open(file, FileIO.OpenMode.READ)) {
            long size = in.size();
            if (size > FILE_BYTES_MAX) {
                throw new IOException("Topic config " + file + " is " + size + " bytes, more than the " + FILE_BYTES_MAX
                        + " a settings file can be");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            in.readFully(bytes, 0);
            text = new String(bytes.array(), StandardCharsets.UTF_8);
        }
        Map<String, String> values = new HashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw bad(file, i + 1, "expected key=value, found '" + line + "'");
            }
            values.put(line.substring(0, equals).strip(), line.substring(equals + 1).strip());
        }
        if (!String.valueOf(VERSION).equals(values.get("version"))) {
            throw bad(file, 0, "unknown version '" + values.get("version") + "', expected " + VERSION);
        }
        try {
            Durability durability = Durability.valueOf(required(values, "durability", file).toUpperCase(Locale.ROOT));
            CompressionType compression = CompressionType.valueOf(
                    required(values, "compression", file).toUpperCase(Locale.ROOT));
            String chain = required(values, "hash.chain", file);
            if (!chain.equals("true") && !chain.equals("false")) {
                throw bad(file, 0, "hash.chain must be true or false, not '" + chain + "'");
            }
            return new TopicConfig(durability, compression, Boolean.parseBoolean(chain));
        } catch (IllegalArgumentException e) {
            throw bad(file, 0, e.getMessage());
        }
    }

    private static String required(Map<String, String> values, String key, Path file) throws IOException {
        String value = values.get(key);
        if (value == null) {
            throw bad(file, 0, "missing '" + key + "'");
        }
        return value;
    }

    private static IOException bad(Path file, int line, String problem) {
        return new IOException("Bad topic config " + file + (line > 0 ? " line " + line : "") + ": " + problem);
    }
}
