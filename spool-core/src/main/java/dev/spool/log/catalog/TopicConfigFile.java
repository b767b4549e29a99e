package dev.spool.log.catalog;

import dev.spool.log.Durability;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.TopicSetting;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.CompressionType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The codec of {@code topic.config}, a topic's settings, stored in each of its partition
 * directories (a copy in each, so a partition directory is self-describing; partition 0's copy
 * speaks for the topic). Version 2, what this class writes:
 * <pre>
 *  # Spool topic settings
 *  version=2
 *  durability=strict            none | strict
 *  compression=zstd             none | gzip | snappy | lz4 | zstd
 *  hash.chain=true              true | false
 *  log.batch.bytes.max=1048588  the largest batch limit the topic's logs have had (never lowered; 0: none yet)
 *  retention.ms=86400000        the Kafka overrides set on the topic ({@link TopicSetting}), by Kafka's
 *  message.timestamp.type=LogAppendTime   names and in Kafka's syntax; a setting not listed follows the
 *  …                            log manager's default
 * </pre>
 * Version 1 (Spool before topic overrides) has the first four settings only; it is still read,
 * as a topic without overrides. UTF-8 text, one {@code key=value} per line, {@code #} comments.
 * Written atomically (the whole file to {@code topic.config.tmp}, force, rename, force the
 * directory), so a reader sees the old file or the new one. A file that does not parse (a
 * missing, repeated or unknown key, a value out of its range) is a {@link DamagedException} naming
 * the file and line: a topic's durability or retention is never guessed.
 *
 * <h2>A partition directory without the file</h2>
 * A directory Spool made always has the file: the log manager writes it first, before the
 * topic's id and before the recovery-point checkpoint lists the partition. So a partition that
 * Spool's checkpoint lists and that lacks the file lost it, and the open refuses the data
 * directory rather than guess the topic's durability ({@link #isRequired}). A directory written
 * by Kafka (its data directory holds Kafka's {@code meta.properties}, which Spool never writes),
 * or one moved in and not yet listed, is adopted: it gets the settings of its topic's partition 0,
 * or the log manager's defaults, written into it on open so that later opens find the file.
 * When the checkpoint itself is damaged nothing is listed and a lost file cannot be told from a
 * foreign directory: the manager logs a warning and adopts.
 */
public final class TopicConfigFile {
    public static final String FILE_NAME = "topic.config";
    static final int VERSION = 2;
    static final int VERSION_WITHOUT_OVERRIDES = 1;
    static final String BATCH_BYTES_MAX_KEY = "log.batch.bytes.max";
    private static final int FILE_BYTES_MAX = 64 << 10;

    /** What a file holds: the settings, and the largest batch limit the logs have had (0 when none is recorded). */
    public record Stored(TopicConfig config, int batchBytesMaxStored) {
    }

    private TopicConfigFile() {
    }

    /**
     * A file that is damaged: it does not parse, is too large to be one, or is missing where Spool
     * must have written it. The message names the file (and the line, when one is at fault).
     */
    public static final class DamagedException extends IOException {
        private final Path file;

        DamagedException(Path file, String message) {
            super(message);
            this.file = file;
        }

        public Path file() {
            return file;
        }
    }

    /** Kafka's file in each of its log directories; Spool never writes one. */
    static final String KAFKA_META_PROPERTIES = "meta.properties";

    /** Whether {@code partitionDir} holds the file. */
    public static boolean exists(FileIO io, Path partitionDir) {
        return io.exists(partitionDir.resolve(FILE_NAME));
    }

    /**
     * Whether the partition {@code partition} of {@code dataDir} must have the file (see "A
     * partition directory without the file"): {@code recoveryPoints}, Spool's recovery-point
     * checkpoint, lists it and the data directory is not Kafka's.
     */
    public static boolean isRequired(FileIO io, Path dataDir, TopicPartition partition,
                              Map<TopicPartition, Long> recoveryPoints) {
        return recoveryPoints.containsKey(partition) && !io.exists(dataDir.resolve(KAFKA_META_PROPERTIES));
    }

    /** The problem with a required file that is missing, naming it. */
    public static String missingProblem(Path partitionDir) {
        return "Topic config " + partitionDir.resolve(FILE_NAME) + " is missing, but the recovery-point checkpoint"
                + " lists the partition, so Spool wrote it: its settings (durability, retention) are not guessed;"
                + " restore the file (a copy from another partition of the topic holds the same settings)";
    }

    /** The damage of a required file that is missing ({@link #missingProblem}). */
    public static DamagedException missing(Path partitionDir) {
        return new DamagedException(partitionDir.resolve(FILE_NAME), missingProblem(partitionDir));
    }

    /** Writes {@code config} with {@code batchBytesMaxStored} (see {@link TopicConfig#applyTo(LogConfig, int)}). */
    public static void write(FileIO io, Path partitionDir, TopicConfig config, int batchBytesMaxStored) throws IOException {
        if (batchBytesMaxStored < 0) {
            throw new IllegalArgumentException("batchBytesMaxStored must not be negative, was " + batchBytesMaxStored);
        }
        StringBuilder text = new StringBuilder("# Spool topic settings\n")
                .append("version=").append(VERSION).append('\n')
                .append("durability=").append(config.durability().name().toLowerCase(Locale.ROOT)).append('\n')
                .append("compression=").append(config.compression().name().toLowerCase(Locale.ROOT)).append('\n')
                .append("hash.chain=").append(config.hashChain()).append('\n')
                .append(BATCH_BYTES_MAX_KEY).append('=').append(batchBytesMaxStored).append('\n');
        config.overrides().forEach((setting, value) ->
                text.append(setting.key()).append('=').append(setting.format(value)).append('\n'));
        Path file = partitionDir.resolve(FILE_NAME);
        Path tmp = partitionDir.resolve(FILE_NAME + ".tmp");
        try (StorageFile out = io.open(tmp, FileIO.OpenMode.CREATE)) {
            out.truncate(0);
            out.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)), 0);
            out.force(true);
        }
        io.rename(tmp, file);
        io.syncDirectory(partitionDir);
    }

    /**
     * The settings in {@code partitionDir}, or {@code defaults} when it has no file.
     *
     * @throws DamagedException when the file does not parse; any other {@link IOException} is a
     *                          failure to read it
     */
    public static TopicConfig read(FileIO io, Path partitionDir, TopicConfig defaults) throws IOException {
        return readStored(io, partitionDir, defaults).config();
    }

    /** As {@link #read}, with the recorded batch limit (0 for a version-1 file or none). */
    public static Stored readStored(FileIO io, Path partitionDir, TopicConfig defaults) throws IOException {
        Path file = partitionDir.resolve(FILE_NAME);
        if (!io.exists(file)) {
            return new Stored(defaults, 0);
        }
        String text;
        try (StorageFile in = io.open(file, FileIO.OpenMode.READ)) {
            long size = in.size();
            if (size > FILE_BYTES_MAX) {
                throw new DamagedException(file, "Topic config " + file + " is " + size + " bytes, more than the " + FILE_BYTES_MAX
                        + " a settings file can be");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            in.readFully(bytes, 0);
            text = new String(bytes.array(), StandardCharsets.UTF_8);
        }
        Map<String, String> values = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
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
            String key = line.substring(0, equals).strip();
            if (values.put(key, line.substring(equals + 1).strip()) != null) {
                throw bad(file, i + 1, "'" + key + "' is set twice");
            }
            lineOf.put(key, i + 1);
        }
        String version = values.remove("version");
        boolean withOverrides = String.valueOf(VERSION).equals(version);
        if (!withOverrides && !String.valueOf(VERSION_WITHOUT_OVERRIDES).equals(version)) {
            throw bad(file, 0, "unknown version '" + version + "', expected " + VERSION_WITHOUT_OVERRIDES + " or "
                    + VERSION);
        }
        try {
            Durability durability = Durability.valueOf(required(values, "durability", file).toUpperCase(Locale.ROOT));
            CompressionType compression = CompressionType.valueOf(
                    required(values, "compression", file).toUpperCase(Locale.ROOT));
            String chain = required(values, "hash.chain", file);
            if (!chain.equals("true") && !chain.equals("false")) {
                throw bad(file, lineOf.get("hash.chain"), "hash.chain must be true or false, not '" + chain + "'");
            }
            int batchBytesMaxStored = withOverrides ? batchBytesMax(required(values, BATCH_BYTES_MAX_KEY, file),
                    file, lineOf.get(BATCH_BYTES_MAX_KEY)) : 0;
            Map<TopicSetting, Long> overrides = new EnumMap<>(TopicSetting.class);
            for (Map.Entry<String, String> entry : values.entrySet()) {
                Optional<TopicSetting> setting = withOverrides ? TopicSetting.forKey(entry.getKey()) : Optional.empty();
                if (setting.isEmpty()) {
                    throw bad(file, lineOf.get(entry.getKey()), "unknown key '" + entry.getKey() + "' in a version "
                            + version + " file");
                }
                try {
                    overrides.put(setting.get(), setting.get().parse(entry.getValue()));
                } catch (IllegalArgumentException e) {
                    throw bad(file, lineOf.get(entry.getKey()), e.getMessage());
                }
            }
            return new Stored(new TopicConfig(durability, compression, Boolean.parseBoolean(chain), overrides),
                    batchBytesMaxStored);
        } catch (IllegalArgumentException e) {
            throw bad(file, 0, e.getMessage());
        }
    }

    private static int batchBytesMax(String value, Path file, int line) throws IOException {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(file, line, BATCH_BYTES_MAX_KEY + " must be a whole number from 0 to " + Integer.MAX_VALUE
                + ", not '" + value + "'");
    }

    /** Removes and returns {@code key}'s value, so that what is left are the overrides. */
    private static String required(Map<String, String> values, String key, Path file) throws IOException {
        String value = values.remove(key);
        if (value == null) {
            throw bad(file, 0, "missing '" + key + "'");
        }
        return value;
    }

    private static DamagedException bad(Path file, int line, String problem) {
        return new DamagedException(file, "Bad topic config " + file + (line > 0 ? " line " + line : "") + ": " + problem);
    }
}
