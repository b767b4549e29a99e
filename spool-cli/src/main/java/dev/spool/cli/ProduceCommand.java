package dev.spool.cli;

import dev.spool.log.AppendResult;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicName;
import dev.spool.log.UnknownTopicException;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.RecordTooLargeException;
import dev.spool.log.record.CompressionType;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool produce}: one record per line of stdin. Lines are raw bytes (UTF-8 text in
 * practice, but never decoded, so nothing is mangled); the newline ends a line and is not stored;
 * a last line without one still counts. Records are batched (up to {@link #BATCH_RECORDS_MAX} or
 * the batch byte limit), each batch appended whole, and the log is flushed before the summary is
 * printed, so what the summary reports is on disk.
 *
 * <p>{@code --durability strict} acknowledges each batch only after an fsync covers it;
 * {@code --print-offsets} prints each record's offset on stdout as soon as its batch is
 * acknowledged, and appends whenever stdin has nothing more ready, so a script that writes one
 * line and waits for its offset is answered at once.
 *
 * <p>A line too large for a record stops the run: the lines before it are appended and flushed,
 * that line and everything after it are not, and the error names its line number. A batch is
 * appended whole or not at all, so nothing is ever half-written.
 */
@Command(name = "produce", description = "Append one record per line of stdin to a topic-partition.")
final class ProduceCommand implements Callable<Integer> {
    static final int BATCH_RECORDS_MAX = 1000;

    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC", description = "Created with 1 partition if it does not exist.")
    String topic;
    @Option(names = "--partition", paramLabel = "P", defaultValue = "0", description = "Partition (default 0).")
    int partition;
    @Option(names = "--key-separator", paramLabel = "C",
            description = "Split each line at the first C: key before it, value after (lines without C get no key).")
    String keySeparator;
    @Option(names = "--durability", paramLabel = "none|strict",
            description = "none: acknowledged in the page cache; strict: only after an fsync covers it "
                    + "(default: the topic's). The log is flushed before exit either way.")
    String durability;
    @Option(names = "--compression", paramLabel = "CODEC",
            description = "Compress batches with none, gzip, snappy, lz4 or zstd (default: the topic's); "
                    + "a batch stays plain when compressing does not make it smaller.")
    String compression;
    @Option(names = "--print-offsets",
            description = "Print each record's offset on stdout once it is acknowledged under --durability.")
    boolean printOffsets;

    @Override
    public Integer call() throws Exception {
        TopicName.validate(topic);
        byte[] separator = separatorBytes();
        Durability requested = durability == null ? null : Settings.durability(common, durability);
        CompressionType requestedCodec = compression == null ? null : Settings.compression(common, compression);
        SpoolCommand root = common.root();
        try (LogManager manager = common.openManager(true)) {
            if (!manager.topicExists(topic)) {
                if (partition != 0) {
                    throw new UnknownTopicException("Unknown topic '" + topic + "'; create it with 'spool topics "
                            + "create " + topic + " --partitions " + (partition + 1) + "'");
                }
                manager.createTopic(topic, 1);
                root.err.println("spool: created topic " + topic + " with 1 partition");
            }
            Log log = manager.log(topic, partition);
            TopicConfig settings = manager.topicConfig(topic);
            Durability mode = requested != null ? requested : settings.durability();
            CompressionType codec = requestedCodec != null ? requestedCodec : settings.compression();
            Progress progress = new Progress();
            try {
                produce(log, root.in, separator, mode, codec, progress);
            } finally {
                manager.flush(); // whatever was appended, also before an error, is on disk before we report it
            }
            root.err.println("produced " + progress.summary(topic + "-" + partition));
        }
        return SpoolCommand.EXIT_OK;
    }

    private byte[] separatorBytes() {
        if (keySeparator == null) {
            return null;
        }
        if (keySeparator.codePointCount(0, keySeparator.length()) != 1) {
            throw new picocli.CommandLine.ParameterException(common.spec.commandLine(),
                    "--key-separator must be one character, not '" + keySeparator + "'");
        }
        return keySeparator.getBytes(StandardCharsets.UTF_8);
    }

    /** Counts what was appended, for the summary and for the message of a failure half-way. */
    static final class Progress {
        long records;
        long firstOffset = -1;
        long lastOffset = -1;

        void appended(AppendResult result) {
            records += result.recordCount();
            if (firstOffset < 0) {
                firstOffset = result.firstOffset();
            }
            lastOffset = result.lastOffset();
        }

        String summary(String partition) {
            return records + " record(s) to " + partition + (records == 0 ? "" : ", offsets " + firstOffset + ".."
                    + lastOffset);
        }
    }

    private void produce(Log log, InputStream stdin, byte[] separator, Durability mode, CompressionType codec,
                         Progress progress) throws IOException {
        int batchBytesMax = log.config().batchBytesMax();
        BatchBuilder builder = new BatchBuilder(batchBytesMax).compression(codec);
        BufferedInputStream input = new BufferedInputStream(stdin, 1 << 16);
        LineReader lines = new LineReader(input, batchBytesMax);
        Appender append = () -> appendBatch(log, builder, mode, progress);
        long lineNumber = 0;
        while (lines.next()) {
            lineNumber++;
            if (lines.tooLong()) {
                append.run();
                throw oversized(lineNumber, "more than " + batchBytesMax, batchBytesMax, progress);
            }
            ByteBuffer key = null;
            ByteBuffer value = ByteBuffer.wrap(lines.bytes(), 0, lines.length());
            int split = separator == null ? -1 : indexOf(lines.bytes(), lines.length(), separator);
            if (split >= 0) {
                key = ByteBuffer.wrap(lines.bytes(), 0, split);
                value = ByteBuffer.wrap(lines.bytes(), split + separator.length,
                        lines.length() - split - separator.length);
            }
            long now = System.currentTimeMillis();
            try {
                if (builder.recordCount() >= BATCH_RECORDS_MAX || !builder.tryAppend(now, key, value)) {
                    append.run();
                    builder.tryAppend(now, key, value); // an empty batch takes any record that fits a batch
                }
            } catch (RecordTooLargeException e) {
                append.run(); // what the lines before hold is acknowledged before the error says so
                throw oversized(lineNumber, String.valueOf(lines.length()), batchBytesMax, progress);
            }
            if (printOffsets && input.available() == 0) {
                // Nothing more to read right now: a script may be waiting for this offset before it
                // writes the next line, so append what we have instead of waiting for a full batch.
                append.run();
            }
        }
        append.run();
    }

    private interface Appender {
        void run() throws IOException;
    }

    private IllegalArgumentException oversized(long lineNumber, String size, int batchBytesMax, Progress progress) {
        return new IllegalArgumentException("line " + lineNumber + " is " + size + " bytes, too large for one record "
                + "(a batch holds at most " + batchBytesMax + " bytes); produced " + progress.summary(topic + "-"
                + partition) + " from the lines before it and nothing from line " + lineNumber + " on");
    }

    private void appendBatch(Log log, BatchBuilder builder, Durability mode, Progress progress) throws IOException {
        if (builder.isEmpty()) {
            return;
        }
        AppendResult result = log.append(builder.build(), mode);
        progress.appended(result);
        builder.reset();
        if (printOffsets) {
            PrintStream out = common.root().out;
            for (long offset = result.firstOffset(); offset <= result.lastOffset(); offset++) {
                out.println(offset);
            }
            out.flush();
        }
    }

    static int indexOf(byte[] bytes, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Reads lines as bytes with a bound: a line longer than {@code lineBytesMax} is reported by
     * {@link #tooLong()} after reading only that much of it, so a hostile stdin cannot exhaust memory.
     */
    static final class LineReader {
        private final InputStream in;
        private final int lineBytesMax;
        private byte[] line = new byte[256];
        private int length;
        private boolean tooLong;
        private boolean eof;

        LineReader(InputStream in, int lineBytesMax) {
            this.in = in;
            this.lineBytesMax = lineBytesMax;
        }

        /** Reads the next line; false at the end of input. */
        boolean next() throws IOException {
            length = 0;
            tooLong = false;
            if (eof) {
                return false;
            }
            while (true) {
                int b = in.read();
                if (b < 0) {
                    eof = true;
                    return length > 0;
                }
                if (b == '\n') {
                    return true;
                }
                if (length == lineBytesMax) {
                    tooLong = true;
                    return true;
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, (int) Math.min((long) line.length * 2, lineBytesMax));
                }
                line[length++] = (byte) b;
            }
        }

        boolean tooLong() {
            return tooLong;
        }

        byte[] bytes() {
            return line;
        }

        int length() {
            return length;
        }
    }
}
