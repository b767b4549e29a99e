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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool produce}: one record per line of stdin. Lines are raw bytes (UTF-8 text in
 * practice, but never decoded, so nothing is mangled); the newline ends a line and is not stored;
 * a last line without one still counts. Records are batched per partition (up to
 * {@link #BATCH_RECORDS_MAX} or the batch byte limit), each batch appended whole, and the log is
 * flushed before the summary is printed, so what the summary reports is on disk.
 *
 * <p>Without {@code --partition} each record goes where Kafka's Java producer would put it
 * ({@link Partitioner}): by the hash of its key, or, without a key, to one partition until its
 * batch is full, then the next.
 *
 * <p>{@code --durability strict} acknowledges each batch only after an fsync covers it;
 * {@code --print-offsets} prints each record's offset on stdout as soon as its batch is
 * acknowledged ({@code PARTITION OFFSET} when the run may write to several partitions, in the order
 * the batches were acknowledged), and appends whenever stdin has nothing more ready, so a script
 * that writes one line and waits for its offset is answered at once.
 *
 * <p>A line too large for a record stops the run: the lines before it are appended and flushed,
 * that line and everything after it are not, and the error names its line number. A batch is
 * appended whole or not at all, so nothing is ever half-written.
 */
@Command(name = "produce", description = "Append one record per line of stdin to a topic (to the partition of "
        + "each key, as Kafka's producer would pick it, unless --partition says which).")
final class ProduceCommand implements Callable<Integer> {
    static final int BATCH_RECORDS_MAX = 1000;

    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC", description = "Created with 1 partition if it does not exist.")
    String topic;
    @Option(names = "--partition", paramLabel = "P",
            description = "Write every record to partition P (default: by key as Kafka's producer; keyless records "
                    + "one batch to a partition, then the next).")
    Integer partition;
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
            description = "Print each record's offset on stdout once it is acknowledged under --durability "
                    + "(PARTITION OFFSET when the topic has several partitions and --partition is not given).")
    boolean printOffsets;

    /** The batch being filled for one partition, and what was appended to it. */
    private static final class Sink {
        final int partition;
        final Log log;
        final BatchBuilder builder;
        long records;
        long firstOffset = -1;
        long lastOffset = -1;

        Sink(int partition, Log log, BatchBuilder builder) {
            this.partition = partition;
            this.log = log;
            this.builder = builder;
        }
    }

    /** The partitions written in this run, for the summary and for the message of a failure half-way. */
    private final Map<Integer, Sink> sinks = new TreeMap<>();

    @Override
    public Integer call() throws Exception {
        TopicName.validate(topic);
        byte[] separator = separatorBytes();
        Durability requested = durability == null ? null : Settings.durability(common, durability);
        CompressionType requestedCodec = compression == null ? null : Settings.compression(common, compression);
        if (partition != null && partition < 0) {
            throw new picocli.CommandLine.ParameterException(common.spec.commandLine(),
                    "--partition must be 0 or more, not " + partition);
        }
        SpoolCommand root = common.root();
        try (LogManager manager = common.openManager(true)) {
            if (!manager.topicExists(topic)) {
                if (partition != null && partition != 0) {
                    throw new UnknownTopicException("Unknown topic '" + topic + "'; create it with 'spool topics "
                            + "create " + topic + " --partitions " + (partition + 1) + "'");
                }
                manager.createTopic(topic, 1);
                root.err.println("spool: created topic " + topic + " with 1 partition");
            }
            int partitions = manager.partitionCount(topic);
            if (partition != null) {
                manager.log(topic, partition); // an unknown partition fails here, before reading stdin
            }
            TopicConfig settings = manager.topicConfig(topic);
            Durability mode = requested != null ? requested : settings.durability();
            CompressionType codec = requestedCodec != null ? requestedCodec : settings.compression();
            Run run = new Run(manager, mode, codec, partitions);
            try {
                run.produce(root.in, separator);
            } finally {
                manager.flush(); // whatever was appended, also before an error, is on disk before we report it
            }
            root.err.println("produced " + summary());
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

    /** What was appended: "N record(s) to t-0, offsets 0..4", or per partition when there were several. */
    private String summary() {
        long records = sinks.values().stream().mapToLong(s -> s.records).sum();
        java.util.List<Sink> written = sinks.values().stream().filter(s -> s.records > 0).toList();
        if (written.size() <= 1) {
            int p = written.isEmpty() ? (partition == null ? 0 : partition) : written.get(0).partition;
            return records + " record(s) to " + topic + "-" + p + (written.isEmpty() ? ""
                    : ", offsets " + written.get(0).firstOffset + ".." + written.get(0).lastOffset);
        }
        return records + " record(s) to " + topic + ": " + written.stream().map(s -> topic + "-" + s.partition
                + " offsets " + s.firstOffset + ".." + s.lastOffset).collect(Collectors.joining(", "));
    }

    /** One run over stdin: the partitioner, the open batches and how they are appended. */
    private final class Run {
        private final LogManager manager;
        private final Durability mode;
        private final CompressionType codec;
        private final Partitioner partitioner;
        /** Whether offsets are printed with their partition (the run may write to several). */
        private final boolean partitionsPrinted;

        Run(LogManager manager, Durability mode, CompressionType codec, int partitions) {
            this.manager = manager;
            this.mode = mode;
            this.codec = codec;
            this.partitioner = new Partitioner(partitions, ThreadLocalRandom.current());
            this.partitionsPrinted = partition == null && partitions > 1;
        }

        void produce(InputStream stdin, byte[] separator) throws IOException {
            int batchBytesMax = sink(partition == null ? 0 : partition).builder.batchBytesMax();
            BufferedInputStream input = new BufferedInputStream(stdin, 1 << 16);
            LineReader lines = new LineReader(input, batchBytesMax);
            long lineNumber = 0;
            while (lines.next()) {
                lineNumber++;
                if (lines.tooLong()) {
                    appendAll();
                    throw oversized(lineNumber, "more than " + batchBytesMax, batchBytesMax);
                }
                ByteBuffer key = null;
                ByteBuffer value = ByteBuffer.wrap(lines.bytes(), 0, lines.length());
                int split = separator == null ? -1 : indexOf(lines.bytes(), lines.length(), separator);
                if (split >= 0) {
                    key = ByteBuffer.wrap(lines.bytes(), 0, split);
                    value = ByteBuffer.wrap(lines.bytes(), split + separator.length,
                            lines.length() - split - separator.length);
                }
                boolean sticky = partition == null && key == null;
                Sink sink = sink(partition != null ? partition : sticky ? partitioner.stickyPartition()
                        : partitioner.partitionOf(lines.bytes(), split));
                try {
                    add(sink, sticky, System.currentTimeMillis(), key, value);
                } catch (RecordTooLargeException e) {
                    appendAll(); // the lines before are acknowledged before the error says what was produced
                    throw oversized(lineNumber, String.valueOf(lines.length()), batchBytesMax);
                }
                if (printOffsets && input.available() == 0) {
                    // Nothing more to read right now: a script may be waiting for this offset before it
                    // writes the next line, so append what we have instead of waiting for full batches.
                    appendAll();
                }
            }
            appendAll();
        }

        /**
         * Adds the record to the sink's batch, appending that batch first when it is full.
         *
         * @throws RecordTooLargeException when the record does not fit even an empty batch
         */
        private void add(Sink sink, boolean sticky, long now, ByteBuffer key, ByteBuffer value) throws IOException {
            if (tryAdd(sink, now, key, value)) {
                return;
            }
            append(sink);
            if (sticky) { // as Kafka's producer: a keyless record that needs a new batch moves on
                partitioner.batchFull(sink.partition);
                sink = sink(partitioner.stickyPartition());
                if (tryAdd(sink, now, key, value)) {
                    return;
                }
                append(sink);
            }
            sink.builder.tryAppend(now, key, value); // an empty batch takes any record that fits a batch
        }

        /** Adds the record to the sink's batch if the batch has room for it. */
        private boolean tryAdd(Sink sink, long now, ByteBuffer key, ByteBuffer value) {
            return sink.builder.recordCount() < BATCH_RECORDS_MAX && sink.builder.tryAppend(now, key, value);
        }

        private Sink sink(int p) {
            return sinks.computeIfAbsent(p, k -> {
                Log log = manager.log(topic, k);
                return new Sink(k, log, new BatchBuilder(log.config().batchBytesMax()).compression(codec));
            });
        }

        private void appendAll() throws IOException {
            for (Sink sink : sinks.values()) {
                append(sink);
            }
        }

        private void append(Sink sink) throws IOException {
            if (sink.builder.isEmpty()) {
                return;
            }
            AppendResult result = sink.log.append(sink.builder.build(), mode);
            sink.records += result.recordCount();
            if (sink.firstOffset < 0) {
                sink.firstOffset = result.firstOffset();
            }
            sink.lastOffset = result.lastOffset();
            sink.builder.reset();
            if (printOffsets) {
                PrintStream out = common.root().out;
                for (long offset = result.firstOffset(); offset <= result.lastOffset(); offset++) {
                    out.println(partitionsPrinted ? sink.partition + " " + offset : String.valueOf(offset));
                }
                out.flush();
            }
        }

        private IllegalArgumentException oversized(long lineNumber, String size, int batchBytesMax) {
            return new IllegalArgumentException("line " + lineNumber + " is " + size + " bytes, too large for one "
                    + "record (a batch holds at most " + batchBytesMax + " bytes); produced " + summary()
                    + " from the lines before it and nothing from line " + lineNumber + " on");
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
}
