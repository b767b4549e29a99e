package dev.spool.log.catalog;

import dev.spool.log.TopicName;
import dev.spool.log.TopicPartition;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The codec of an offset checkpoint file ({@code recovery-point-offset-checkpoint},
 * {@code log-start-offset-checkpoint}), in Kafka's text format so Kafka's tools read it:
 * <pre>
 *  0                      version, always 0
 *  2                      number of entries that follow
 *  orders 0 1200          topic, partition, offset: one line each, separated by single spaces
 *  orders 1 977
 * </pre>
 * Lines end in {@code \n}; the file is UTF-8 (topic names are ASCII). Writes are atomic: the
 * whole content goes to {@code NAME.tmp}, which is forced, renamed over {@code NAME}, and the
 * directory is forced. A reader therefore sees the old file or the new one; a file
 * that does not parse (damage) is reported with {@link CorruptCheckpointException}, and the log
 * manager then ignores it and scans everything.
 */
public final class OffsetCheckpointFile {
    static final int VERSION = 0;
    /**
     * A bound on the file we are willing to read, checked before it is read whole (its bytes, its
     * text and its lines cost a few times its size in heap): 64 MiB holds over 200,000 entries of
     * the longest names (a line is at most 281 bytes) and millions of typical ones, far past the
     * 10,000 partitions a data directory is built for. A larger file is damage, not a checkpoint.
     */
    private static final long FILE_BYTES_MAX = 64L << 20;

    private OffsetCheckpointFile() {
    }

    /** Thrown for a checkpoint that does not parse. */
    public static final class CorruptCheckpointException extends IOException {
        public CorruptCheckpointException(Path file, int line, String problem) {
            super("Corrupt checkpoint " + file + " line " + line + ": " + problem);
        }
    }

    public static void write(FileIO io, Path file, Map<TopicPartition, Long> offsets) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append(VERSION).append('\n').append(offsets.size()).append('\n');
        for (Map.Entry<TopicPartition, Long> entry : new TreeMap<>(offsets).entrySet()) {
            text.append(entry.getKey().topic()).append(' ').append(entry.getKey().partition()).append(' ')
                    .append(entry.getValue()).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (StorageFile out = io.open(tmp, FileIO.OpenMode.CREATE)) {
            out.truncate(0);
            out.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)), 0);
            out.force(true);
        }
        io.rename(tmp, file);
        io.syncDirectory(file.getParent());
    }

    /** The entries of {@code file}; empty when it does not exist. */
    public static Map<TopicPartition, Long> read(FileIO io, Path file) throws IOException {
        Map<TopicPartition, Long> out = new TreeMap<>();
        if (!io.exists(file)) {
            return out;
        }
        String text;
        try (StorageFile in = io.open(file, FileIO.OpenMode.READ)) {
            long size = in.size();
            if (size > FILE_BYTES_MAX) {
                throw new CorruptCheckpointException(file, 0, "file of " + size + " bytes is implausibly large");
            }
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            in.readFully(bytes, 0);
            text = new String(bytes.array(), StandardCharsets.UTF_8);
        }
        String[] lines = text.split("\n", -1);
        if (lines.length < 3 || !lines[lines.length - 1].isEmpty()) {
            throw new CorruptCheckpointException(file, lines.length, "file does not end with a complete line");
        }
        if (!lines[0].equals(Integer.toString(VERSION))) {
            throw new CorruptCheckpointException(file, 1, "unknown version '" + lines[0] + "'");
        }
        int count = parseInt(file, 2, lines[1]);
        if (count != lines.length - 3) {
            throw new CorruptCheckpointException(file, 2, "announces " + count + " entries but holds "
                    + (lines.length - 3));
        }
        for (int i = 0; i < count; i++) {
            String[] fields = lines[i + 2].split(" ", -1);
            if (fields.length != 3) {
                throw new CorruptCheckpointException(file, i + 3, "expected 'topic partition offset'");
            }
            if (!TopicName.isValid(fields[0])) {
                throw new CorruptCheckpointException(file, i + 3, "illegal topic name");
            }
            int partition = parseInt(file, i + 3, fields[1]);
            long offset;
            try {
                offset = Long.parseLong(fields[2]);
            } catch (NumberFormatException e) {
                throw new CorruptCheckpointException(file, i + 3, "offset '" + fields[2] + "' is not a number");
            }
            if (partition < 0 || offset < 0) {
                throw new CorruptCheckpointException(file, i + 3, "negative partition or offset");
            }
            out.put(new TopicPartition(fields[0], partition), offset);
        }
        return out;
    }

    private static int parseInt(Path file, int line, String text) throws CorruptCheckpointException {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new CorruptCheckpointException(file, line, "'" + text + "' is not a number");
        }
    }
}
