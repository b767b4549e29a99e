package dev.spool.cli;

import dev.spool.log.LogConfig;
import dev.spool.log.io.FileIO;
import dev.spool.log.tool.EngineFileDump;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Header;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import dev.spool.log.tool.IndexFileReader;
import dev.spool.log.tool.SegmentFileNames;
import dev.spool.log.tool.SegmentFileReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code spool dump FILE}: a segment file, human-readable, in the spirit of Kafka's
 * {@code DumpLogSegments}. The file is opened read-only and never changed; damage is described,
 * never fatal: an incomplete tail or a garbled length ends the listing with a line saying so.
 * Exit code 0 whenever the file could be read (use {@code spool verify} to check a log). With
 * {@code --records}, the records of a batch that fails its check are printed marked
 * {@code UNVERIFIED}, never as if sound.
 * A {@code .broken} copy kept by {@code spool repair} is dumped as the file it copies.
 */
@Command(name = "dump", description = "Print the batches of a .log (with CRC status), the entries of a .index or "
        + ".timeindex, or what a checkpoint, topic.config, partition.metadata, or the server's acls or scram-credentials "
        + "file holds; exit code 1 when the file has problems.")
final class DumpCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;
    @Parameters(paramLabel = "FILE", description = "A segment's .log, .index or .timeindex file, an offset "
            + "checkpoint, a topic.config, a partition.metadata, __security/acls or __security/scram-credentials.")
    Path file;
    @Option(names = "--records", description = "Also print every record of each .log batch.")
    boolean records;
    /** Damaged batches, offset gaps and torn index tails found: any makes the exit code 1. */
    private long problems;

    @Override
    public Integer call() throws Exception {
        String name = file.getFileName().toString().replaceFirst("\\.broken(\\.\\d+)?$", "");
        PrintStream out = common.root().out;
        if (EngineFileDump.handles(file)) {
            out.println("Dumping " + file);
            EngineFileDump.lines(FileIO.real(), file).forEach(out::println); // a damaged file throws: exit code 1
        } else if (ServerFileDump.handles(file)) {
            out.println("Dumping " + file);
            ServerFileDump.lines(file).forEach(out::println);
        } else if (name.endsWith(SegmentFileNames.LOG_SUFFIX)) {
            dumpLog(out, baseOffset(name, SegmentFileNames.LOG_SUFFIX));
        } else if (name.endsWith(SegmentFileNames.TIME_INDEX_SUFFIX)) {
            dumpTimeIndex(out, baseOffset(name, SegmentFileNames.TIME_INDEX_SUFFIX));
        } else if (name.endsWith(SegmentFileNames.INDEX_SUFFIX)) {
            dumpIndex(out, baseOffset(name, SegmentFileNames.INDEX_SUFFIX));
        } else {
            throw new IllegalArgumentException("Cannot dump " + file + ": expected a .log, .index or .timeindex file, an "
                    + "offset checkpoint, a topic.config, a partition.metadata, or the server's acls or scram-credentials");
        }
        if (problems > 0) {
            out.flush();
            common.root().err.println("spool: " + problems + " problem(s) in " + file);
            return SpoolCommand.EXIT_ERROR;
        }
        return SpoolCommand.EXIT_OK;
    }

    /** The base offset in the file name, or 0 (with a note) when the name is not a segment's. */
    private long baseOffset(String name, String suffix) {
        OptionalLong base = SegmentFileNames.baseOffsetOf(name, suffix);
        if (base.isEmpty()) {
            common.root().err.println("spool: " + file.getFileName() + " is not named <20-digit base offset>" + suffix
                    + "; assuming base offset 0");
        }
        return base.orElse(0L);
    }

    private void dumpLog(PrintStream out, long segmentBase) throws IOException {
        out.println("Dumping " + file);
        long batches = 0;
        long recordCount = 0;
        long invalid = 0;
        long expected = segmentBase;
        try (SegmentFileReader reader = SegmentFileReader.open(FileIO.real(), file,
                LogConfig.defaults().batchBytesMax())) {
            long size = reader.sizeBytes();
            long position = 0;
            while (true) {
                SegmentFileReader.BatchRead read = reader.read(position);
                if (read.kind() == SegmentFileReader.BatchRead.Kind.END) {
                    break;
                }
                if (read.kind() != SegmentFileReader.BatchRead.Kind.BATCH) {
                    out.println("position: " + position + " " + (read.kind() == SegmentFileReader.BatchRead.Kind.INCOMPLETE
                            ? "INCOMPLETE tail (torn write, or a write in progress): " : "UNREADABLE: ")
                            + read.problem() + "; " + (size - position) + " bytes not shown");
                    invalid++;
                    break;
                }
                ByteBuffer batch = read.batch();
                String problem = problem(batch);
                long baseOffset = RecordBatch.baseOffset(batch, 0);
                out.println(describeBatch(batch, position, problem)
                        + (baseOffset != expected ? " | OFFSET GAP: expected base offset " + expected : ""));
                if (problem != null || baseOffset != expected) {
                    invalid++;
                }
                if (records) {
                    printRecords(out, batch, problem);
                }
                batches++;
                recordCount += RecordBatch.recordCount(batch, 0);
                expected = RecordBatch.lastOffset(batch, 0) + 1;
                position += read.sizeBytes();
            }
            out.println(batches + " batch(es), " + recordCount + " record(s), " + size + " bytes; "
                    + (invalid == 0 ? "no problems" : invalid + " problem(s)"));
            problems += invalid;
        }
    }

    /**
     * Prints the batch's records. {@link #problem} has just checked the batch, so they are decoded
     * without checking the CRC again. A batch that failed its check is still decoded, as far as it
     * goes, to show what the damage did, but every line says {@code UNVERIFIED}: its bytes are not
     * the bytes that were written, and no line may pass for a sound record.
     */
    private static void printRecords(PrintStream out, ByteBuffer batch, String problem) {
        String mark = problem == null ? "| " : "| UNVERIFIED ";
        try {
            for (Record record : RecordBatch.recordsOfCheckedBatch(batch, 0,
                    RecordBatch.DECOMPRESSED_BYTES_MAX_DEFAULT)) {
                out.println(mark + describeRecord(record));
            }
        } catch (CorruptRecordException | RuntimeException e) { // a damaged header may name an unknown codec
            out.println(mark + "records cannot be decoded: " + e.getMessage());
        }
    }

    /** What fails the batch's checks (CRC stated as stored vs computed), or null when it is valid. */
    private static String problem(ByteBuffer batch) {
        try {
            RecordBatch.validate(batch, 0, Integer.MAX_VALUE);
            return null;
        } catch (CorruptRecordException e) {
            return e.getMessage();
        }
    }

    private static String describeBatch(ByteBuffer b, long position, String problem) {
        long stored = RecordBatch.storedCrc(b, 0);
        long computed = RecordBatch.computeCrc(b, 0);
        String codec;
        try {
            codec = RecordBatch.compression(b, 0).name().toLowerCase(java.util.Locale.ROOT);
        } catch (IllegalArgumentException e) {
            codec = "unknown(" + (RecordBatch.attributes(b, 0) & 0x07) + ")";
        }
        String crc = stored == computed ? String.format("crc: 0x%08x valid", stored)
                : String.format("crc: INVALID (stored 0x%08x, computed 0x%08x)", stored, computed);
        return "position: " + position
                + " baseOffset: " + RecordBatch.baseOffset(b, 0)
                + " lastOffset: " + RecordBatch.lastOffset(b, 0)
                + " count: " + RecordBatch.recordCount(b, 0)
                + " size: " + RecordBatch.sizeInBytes(b, 0)
                + " batchLength: " + RecordBatch.batchLength(b, 0)
                + " magic: " + RecordBatch.magic(b, 0)
                + " compression: " + codec
                + " timestampType: " + RecordBatch.timestampType(b, 0).name()
                + " baseTimestamp: " + time(RecordBatch.baseTimestamp(b, 0))
                + " maxTimestamp: " + time(RecordBatch.maxTimestamp(b, 0))
                + " producerId: " + RecordBatch.producerId(b, 0)
                + " producerEpoch: " + RecordBatch.producerEpoch(b, 0)
                + " baseSequence: " + RecordBatch.baseSequence(b, 0)
                + " partitionLeaderEpoch: " + RecordBatch.partitionLeaderEpoch(b, 0)
                + " transactional: " + RecordBatch.isTransactional(b, 0)
                + " control: " + RecordBatch.isControl(b, 0)
                + " " + crc
                + (problem != null && stored == computed ? " | INVALID: " + problem : "");
    }

    private static String time(long timestamp) {
        return timestamp < 0 ? Long.toString(timestamp) : timestamp + " (" + Instant.ofEpochMilli(timestamp) + ")";
    }

    private static String describeRecord(Record record) {
        StringJoiner headers = new StringJoiner(", ", "[", "]");
        for (Header header : record.headers()) {
            headers.add(Escape.text(header.key()) + "="
                    + (header.hasValue() ? Escape.bytes(ByteBuffer.wrap(header.value())) : "null"));
        }
        return "offset: " + record.offset()
                + " timestamp: " + time(record.timestamp())
                + " keySize: " + record.key().map(ByteBuffer::remaining).orElse(-1)
                + " valueSize: " + record.value().map(ByteBuffer::remaining).orElse(-1)
                + " key: " + record.key().map(Escape::bytes).orElse("null")
                + " value: " + record.value().map(Escape::bytes).orElse("null")
                + " headers: " + headers;
    }

    private void dumpIndex(PrintStream out, long base) throws IOException {
        out.println("Dumping " + file + " (entries hold a batch's last offset and the batch's position)");
        trailer(out, IndexFileReader.readOffsetIndex(FileIO.real(), file, base,
                entry -> out.println("offset: " + entry.offset() + " position: " + entry.position())));
    }

    private void dumpTimeIndex(PrintStream out, long base) throws IOException {
        out.println("Dumping " + file);
        trailer(out, IndexFileReader.readTimeIndex(FileIO.real(), file, base,
                entry -> out.println("timestamp: " + time(entry.timestamp()) + " offset: " + entry.offset())));
    }

    private void trailer(PrintStream out, IndexFileReader.Summary read) {
        if (read.trailingBytes() != 0) {
            problems++;
            out.println("INCOMPLETE: " + read.trailingBytes() + " trailing byte(s) are not a whole " + read.entryBytes()
                    + "-byte entry");
        }
        long entries = read.entries();
        out.println(entries + " entr" + (entries == 1 ? "y" : "ies") + ", " + read.sizeBytes() + " bytes");
    }
}
