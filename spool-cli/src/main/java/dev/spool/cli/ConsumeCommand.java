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
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool consume}: values to stdout, one per line, as raw bytes. Without a start option it
 * reads from the beginning (the log start offset), like {@code --from-beginning}.
 *
 * <p>It reads through the engine ({@link Log#read}), which owns the data directory while it
 * runs. {@code --follow} then releases the directory and tails the segment files read-only
 * ({@link LogFollower}), so a producer in another process can append meanwhile and its records
 * appear as soon as they are written.
 */
@Command(name = "consume", description = "Print a topic-partition's records, one value per line "
        + "(from the beginning unless told otherwise).")
final class ConsumeCommand implements Callable<Integer> {
    /** Bytes asked of each read; a read returns at least one whole batch, whatever this is. */
    static final int READ_BYTES_MAX = 1 << 20;

    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "TOPIC")
    String topic;
    @Option(names = "--partition", paramLabel = "P", defaultValue = "0", description = "Partition (default 0).")
    int partition;
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Start start = new Start();
    @Option(names = "--max-records", paramLabel = "N", defaultValue = "-1",
            description = "Stop after N records (default: no limit).")
    long maxRecords;
    @Option(names = "--follow", description = "At the end of the log, wait for new records until interrupted.")
    boolean follow;
    @Option(names = "--print-key", description = "Print key, TAB, value (a null key prints as nothing).")
    boolean printKey;
    @Option(names = "--poll-interval-ms", paramLabel = "MS", defaultValue = "200", hidden = true)
    long pollIntervalMs;

    /** Where to start; at most one. */
    static final class Start {
        @Option(names = "--from-beginning", description = "Start at the log start offset (the default).")
        boolean fromBeginning;
        @Option(names = "--offset", paramLabel = "N", description = "Start at offset N.")
        Long offset;
        @Option(names = "--from-time", paramLabel = "ISO-8601",
                description = "Start at the first record at or after this time, e.g. 2025-01-31T12:00:00Z, "
                        + "2025-01-31T12:00 (local time), 2025-01-31, or epoch milliseconds.")
        String fromTime;
    }

    @Override
    public Integer call() throws Exception {
        TopicName.validate(topic);
        if (maxRecords < -1) {
            throw new picocli.CommandLine.ParameterException(common.spec.commandLine(),
                    "--max-records must be 0 or more");
        }
        Printer printer = new Printer(common.root().out, printKey, maxRecords);
        long next;
        try (LogManager manager = common.openManager(false)) {
            Log log = manager.log(topic, partition);
            next = startOffset(log);
            while (!printer.done() && next < log.logEndOffset()) {
                ReadResult result = log.read(next, READ_BYTES_MAX); // batches of one segment at most
                if (result.isEmpty()) {
                    break;
                }
                printer.print(result.records(), next); // checks each batch's CRC before decoding it
                next = result.nextOffset(next);
            }
        }
        if (follow && !printer.done()) {
            try (LogFollower follower = new LogFollower(common.dataDir.resolve(topic + "-" + partition),
                    CommonOptions.managerConfig().logConfig().batchBytesMax(), next)) {
                while (!printer.done() && !Thread.currentThread().isInterrupted()) {
                    List<Record> records = follower.poll();
                    if (records == null) {
                        printer.flush();
                        Thread.sleep(pollIntervalMs);
                    } else {
                        printer.print(records, next);
                        next = follower.nextOffset();
                    }
                }
            }
        }
        printer.flush();
        return SpoolCommand.EXIT_OK;
    }

    private long startOffset(Log log) throws IOException {
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

    /** Writes records as bytes, counting them against the limit. */
    static final class Printer {
        private final PrintStream out;
        private final boolean printKey;
        private final long maxRecords;
        private long printed;
        /** Whether the reader went away ({@code consume big | head -1}): stop at once rather than read on. */
        private boolean closed;

        Printer(PrintStream out, boolean printKey, long maxRecords) {
            this.out = out;
            this.printKey = printKey;
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
        void print(List<Record> records, long from) {
            for (Record record : records) {
                if (done()) {
                    return;
                }
                if (record.offset() < from) {
                    continue;
                }
                if (printKey) {
                    record.key().ifPresent(this::write);
                    out.write('\t');
                }
                record.value().ifPresent(this::write);
                out.write('\n');
                printed++;
            }
            closed |= out.checkError(); // flushes once per read; a PrintStream keeps a write's failure here
        }

        private void write(ByteBuffer bytes) {
            ByteBuffer view = bytes.duplicate();
            byte[] chunk = new byte[Math.min(view.remaining(), 8192)];
            while (view.hasRemaining()) {
                int n = Math.min(chunk.length, view.remaining());
                view.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }

        void flush() {
            closed |= out.checkError();
        }
    }
}
