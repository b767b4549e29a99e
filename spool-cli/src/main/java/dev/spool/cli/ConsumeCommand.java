package dev.spool.cli;

import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.OffsetOutOfRangeException;
import dev.spool.log.ReadResult;
import dev.spool.log.TimestampOffset;
import dev.spool.log.TopicName;
import dev.spool.log.record.Record;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code spool consume}: a topic's records to stdout, by default each value on a line as raw
 * bytes; {@code --format} takes kcat's format strings ({@link FormatString}) and {@code --json}
 * writes one JSON object per record ({@link JsonRecordFormat}). Without a start option it reads
 * from the beginning (the log start offset), like {@code --from-beginning}.
 *
 * <p>It reads every partition unless {@code --partition} names one, taking one read (at most
 * {@link #READ_BYTES_MAX}) from each partition in turn, so each partition's records come in order
 * and the partitions interleave, as a Kafka consumer's would.
 *
 * <p>It reads through the engine ({@link Log#read}), which owns the data directory while it
 * runs. {@code --follow} then releases the directory and tails the segment files read-only
 * ({@link LogFollower}, one per partition), so a producer in another process can append meanwhile
 * and its records appear as soon as they are written.
 *
 * <p>When the reader of stdout goes away ({@code consume | head -1}) the next write fails and
 * consume stops at once, {@code --follow} included; a follower that has nothing to write notices
 * only when the next record arrives, since a pipe tells a writer it is closed only on a write.
 */
@Command(name = "consume", description = "Print a topic's records, one value per line unless --format or --json say "
        + "otherwise (all partitions, from the beginning, unless told otherwise).")
final class ConsumeCommand implements Callable<Integer> {
    /** Bytes asked of each read; a read returns at least one whole batch, whatever this is. */
    static final int READ_BYTES_MAX = 1 << 20;

    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--partition", paramLabel = "P", description = "Only this partition (default: all of them).")
    Integer partition;
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Start start = new Start();
    @Option(names = "--max-records", paramLabel = "N", defaultValue = "-1",
            description = "Stop after N records (default: no limit).")
    long maxRecords;
    @Option(names = "--follow", description = "At the end of the log, wait for new records until interrupted.")
    boolean follow;
    // Picocli formats descriptions with String.format: each % of a token is written %%.
    @Option(names = "--print-key", description = "Print key, TAB, value (a null key prints as nothing); "
            + "the same as --format '%%k\\t%%s\\n'.")
    boolean printKey;
    @Option(names = "--format", paramLabel = "FMT", description = "kcat's format string: %%t topic, %%p partition, "
            + "%%o offset, %%T timestamp (ms), %%k key, %%s value, %%K/%%S key/value length (-1 for null), %%R value "
            + "length as 4 big-endian bytes, %%h headers (n=v,...), %%%% a percent sign; \\n \\r \\t \\xHH "
            + "escapes. Example: --format 'Topic %%t [%%p] at offset %%o: key %%k: %%s\\n'")
    String format;
    @Option(names = "--json", description = "One JSON object per line: topic, partition, offset, timestamp, key, "
            + "value, headers.")
    boolean json;
    @Option(names = "--key-encoding", paramLabel = "utf8|base64|hex", defaultValue = "utf8",
            description = "With --json: how keys are written (default utf8; base64 or hex keep any bytes exactly).")
    String keyEncoding;
    @Option(names = "--value-encoding", paramLabel = "utf8|base64|hex", defaultValue = "utf8",
            description = "With --json: how values and header values are written (default utf8).")
    String valueEncoding;
    @Option(names = "--poll-interval-ms", paramLabel = "MS", defaultValue = "200", hidden = true)
    long pollIntervalMs;

    /** Where to start; at most one. */
    static final class Start {
        @Option(names = "--from-beginning", description = "Start at the log start offset (the default).")
        boolean fromBeginning;
        @Option(names = "--offset", paramLabel = "N", description = "Start at offset N (in each partition read).")
        Long offset;
        @Option(names = "--from-time", paramLabel = "ISO-8601",
                description = "Start at the first record at or after this time, e.g. 2025-01-31T12:00:00Z, "
                        + "2025-01-31T12:00 (local time), 2025-01-31, or epoch milliseconds.")
        String fromTime;
    }

    /** Where reading goes on in one partition. */
    private static final class Cursor {
        final int partition;
        long next;
        /** Whether the engine has nothing more for it (before following). */
        boolean atEnd;

        Cursor(int partition, long next) {
            this.partition = partition;
            this.next = next;
        }
    }

    @Override
    public Integer call() throws Exception {
        TopicName.validate(topic);
        if (maxRecords < -1) {
            throw usage("--max-records must be 0 or more");
        }
        Printer printer = new Printer(common.root().out, topic, recordFormat(), maxRecords);
        List<Cursor> cursors = new ArrayList<>();
        try (LogManager manager = common.openManager(false)) {
            for (int p : partitions(manager)) {
                cursors.add(new Cursor(p, startOffset(manager.log(topic, p), p)));
            }
            boolean reading = true;
            while (reading && !printer.done()) {
                reading = false;
                for (Cursor cursor : cursors) {
                    reading |= readOnce(manager.log(topic, cursor.partition), cursor, printer);
                }
            }
        }
        if (follow && !printer.done()) {
            follow(cursors, printer);
        }
        printer.flush();
        return SpoolCommand.EXIT_OK;
    }

    /** One read of a partition through the engine; false when it has nothing more. */
    private static boolean readOnce(Log log, Cursor cursor, Printer printer) throws IOException {
        if (cursor.atEnd || printer.done() || cursor.next >= log.logEndOffset()) {
            cursor.atEnd = true;
            return false;
        }
        ReadResult result = log.read(cursor.next, READ_BYTES_MAX); // batches of one segment at most
        if (result.isEmpty()) {
            cursor.atEnd = true;
            return false;
        }
        printer.print(cursor.partition, result.records(), cursor.next); // checks each batch's CRC before decoding it
        cursor.next = result.nextOffset(cursor.next);
        return true;
    }

    /** Tails every partition's files, one batch from each in turn, until interrupted, the limit or a closed pipe. */
    private void follow(List<Cursor> cursors, Printer printer) throws IOException, InterruptedException {
        int batchBytesMax = CommonOptions.managerConfig().logConfig().batchBytesMax();
        List<LogFollower> followers = new ArrayList<>();
        try {
            for (Cursor cursor : cursors) {
                followers.add(new LogFollower(common.dataDir.resolve(topic + "-" + cursor.partition), batchBytesMax,
                        cursor.next));
            }
            while (!printer.done() && !Thread.currentThread().isInterrupted()) {
                boolean any = false;
                for (int i = 0; i < cursors.size() && !printer.done(); i++) {
                    List<Record> records = followers.get(i).poll();
                    if (records != null) {
                        printer.print(cursors.get(i).partition, records, cursors.get(i).next);
                        cursors.get(i).next = followers.get(i).nextOffset();
                        any = true;
                    }
                }
                if (!any) {
                    printer.flush();
                    Thread.sleep(pollIntervalMs);
                }
            }
        } finally {
            for (LogFollower follower : followers) {
                follower.close();
            }
        }
    }

    /** The partitions to read: the one asked for, or all. */
    private List<Integer> partitions(LogManager manager) {
        int count = manager.partitionCount(topic); // throws for an unknown topic
        if (partition == null) {
            return java.util.stream.IntStream.range(0, count).boxed().toList();
        }
        if (partition < 0 || partition >= count) {
            throw new IllegalArgumentException("Topic '" + topic + "' has " + count + " partition(s) (0 to "
                    + (count - 1) + "), not partition " + partition);
        }
        return List.of(partition);
    }

    /** The one way of writing records the options ask for. */
    private RecordFormat recordFormat() {
        int chosen = (format != null ? 1 : 0) + (json ? 1 : 0) + (printKey ? 1 : 0);
        if (chosen > 1) {
            throw usage("--format, --json and --print-key choose the output: give at most one");
        }
        picocli.CommandLine.ParseResult parsed = common.spec.commandLine().getParseResult();
        boolean encodings = parsed.hasMatchedOption("--key-encoding") || parsed.hasMatchedOption("--value-encoding");
        if (encodings && !json) {
            throw usage("--key-encoding and --value-encoding apply to --json only");
        }
        try {
            if (json) {
                return new JsonRecordFormat(JsonRecordFormat.Encoding.parse("--key-encoding", keyEncoding),
                        JsonRecordFormat.Encoding.parse("--value-encoding", valueEncoding));
            }
            return FormatString.parse(format != null ? format : printKey ? FormatString.KEYS_AND_VALUES
                    : FormatString.VALUES);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(common.spec.commandLine(), message);
    }

    private long startOffset(Log log, int partition) throws IOException {
        if (start.offset != null) {
            long offset = start.offset;
            if (offset < log.logStartOffset() || offset > log.logEndOffset()) {
                throw new OffsetOutOfRangeException(topic + "-" + partition, offset, log.logStartOffset(),
                        log.logEndOffset());
            }
            return offset;
        }
        if (start.fromTime != null) {
            long timestamp = parseTime(start.fromTime);
            return log.findOffsetByTimestamp(timestamp).map(TimestampOffset::offset).orElse(log.logEndOffset());
        }
        return log.logStartOffset();
    }

    /** ISO-8601 instant or offset date-time, local date-time or date (in the local zone), or epoch ms. */
    static long parseTime(String text) {
        if (text.matches("-?\\d{1,19}")) {
            return Long.parseLong(text);
        }
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(text).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(text).atStartOfDay(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Cannot read --from-time '" + text + "': use ISO-8601, e.g. "
                    + "2025-01-31T12:00:00Z, 2025-01-31T12:00, 2025-01-31, or epoch milliseconds");
        }
    }

    /** Writes records in the chosen format, counting them against the limit. */
    static final class Printer {
        private final PrintStream out;
        private final String topic;
        private final RecordFormat format;
        private final long maxRecords;
        private long printed;
        /** Whether the reader went away ({@code consume big | head -1}): stop at once rather than read on. */
        private boolean closed;

        Printer(PrintStream out, String topic, RecordFormat format, long maxRecords) {
            this.out = out;
            this.topic = topic;
            this.format = format;
            this.maxRecords = maxRecords;
        }

        boolean done() {
            return closed || (maxRecords >= 0 && printed >= maxRecords);
        }

        /**
         * Prints the records at or after {@code from}, until the limit. The records come from
         * checked batches ({@link ReadResult#records()}, {@link LogFollower#poll()}): this class
         * never decodes bytes itself.
         */
        void print(int partition, List<Record> records, long from) {
            for (Record record : records) {
                if (done()) {
                    return;
                }
                if (record.offset() < from) {
                    continue;
                }
                format.write(topic, partition, record, out);
                printed++;
            }
            closed |= out.checkError(); // flushes once per read; a PrintStream keeps a write's failure here
        }

        void flush() {
            closed |= out.checkError();
        }
    }
}
