package dev.spool.bench.cleaner;

import dev.spool.bench.BenchData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * One case of the cleaner comparison, in its own JVM ({@link CleanerComparison} starts it): fills
 * a fresh compacted log of one engine with the data set, seals it, cleans it in one timed round,
 * checks the result and prints one {@code RESULT key=value ...} line on stdout.
 *
 * <p>Before the timed round, a smaller log ({@code --warmup-records}) goes through the same steps
 * untimed, so that the cleaner's code is compiled when the measured round starts, as in a broker
 * that has been cleaning for a while. The check reads the cleaned log front to back and fails the
 * case (exit status 1, a message on stderr) unless it holds exactly one record per key drawn, at
 * that key's latest offset and with that record's value.
 */
public final class CleanerCase {
    static final String RESULT = "RESULT ";
    /** CPU time of the thread that cleans (both engines clean on the calling thread) and of the whole JVM. */
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private CleanerCase() {
    }

    /** The case's settings, as the parent passes them. */
    record Settings(String engine, Path dir, long records, int keys, int batch, int segmentBytes,
                    int dedupeBytes, long seed, long warmupRecords, Path jfr) {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = parse(args);
        Map<String, Object> result;
        try {
            if (settings.warmupRecords() > 0) {
                CleanerData warmup = new CleanerData(settings.warmupRecords(),
                        (int) Math.min(settings.keys(), Math.max(1, settings.warmupRecords() / 10)), settings.seed() + 1);
                run(settings, warmup, settings.dir().resolve("warmup"), false);
            }
            result = run(settings, new CleanerData(settings.records(), settings.keys(), settings.seed()),
                    settings.dir().resolve("log"), true);
        } catch (Throwable e) {
            System.err.println("CASE FAILED: " + settings.engine() + ": " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        StringBuilder line = new StringBuilder(RESULT);
        result.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
        System.out.println(line.toString().trim());
        System.out.flush();
        System.exit(0); // Kafka's scheduler may leave threads behind
    }

    private static Map<String, Object> run(Settings settings, CleanerData data, Path dir, boolean measured)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> out = new LinkedHashMap<>();
        try (Engine engine = Engine.open(settings.engine(), dir, settings.segmentBytes(), settings.dedupeBytes())) {
            long[] latest;
            long appendStarted = System.nanoTime();
            {
                int[] keyIndexes = data.keyIndexes();
                latest = CleanerData.latestOffsets(keyIndexes, data.keys());
                out.put("checksum", Long.toHexString(append(engine, data, keyIndexes, settings.batch())));
            } // the key draw is garbage before the round
            engine.seal();
            out.put("appendSeconds", (System.nanoTime() - appendStarted) / 1e9);
            if (engine.logEndOffset() != data.records()) {
                throw new IllegalStateException(engine.name() + " log ends at " + engine.logEndOffset() + " after "
                        + data.records() + " records appended from offset 0");
            }
            long bytesBefore = engine.sizeBytes();
            long batchesBefore = engine.batchCount();
            int segmentsBefore = engine.segmentCount();

            Engine.Round round = timedRound(engine, measured ? settings.jfr() : null, out);

            long kept = verify(engine, data, latest);
            out.put("engine", engine.name());
            out.put("records", data.records());
            out.put("keys", data.keys());
            out.put("bytesBefore", bytesBefore);
            out.put("bytesAfter", engine.sizeBytes());
            out.put("batchesBefore", batchesBefore);
            out.put("batchesAfter", engine.batchCount());
            out.put("segmentsBefore", segmentsBefore);
            out.put("segmentsAfter", engine.segmentCount());
            out.put("recordsKept", kept);
            out.put("recordsRemoved", data.records() - kept);
            out.put("removedReported", round.recordsRemoved());
            out.put("bytesRead", round.bytesRead());
            out.put("bytesWritten", round.bytesWritten());
            out.put("keyMapBytes", settings.dedupeBytes());
        } finally {
            BenchData.deleteRecursively(dir);
        }
        if (!measured) {
            System.err.println("warm-up round done: " + out);
        }
        return out;
    }

    /**
     * Runs the engine's round and puts its time, CPU and memory figures into {@code out}; records
     * it with JFR into {@code jfr} when not null.
     */
    private static Engine.Round timedRound(Engine engine, Path jfr, Map<String, Object> out) throws IOException {
        MemoryProbe probe = new MemoryProbe();
        Recording recording = jfr != null ? startRecording() : null;
        probe.start();
        long threadCpu = THREADS.getCurrentThreadCpuTime();
        long threadUser = THREADS.getCurrentThreadUserTime();
        long processCpu = OS.getProcessCpuTime();
        long[] machine = machineTicks();
        long[] sched = schedstat();
        long started = System.nanoTime();
        Engine.Round round = engine.clean();
        long nanos = System.nanoTime() - started;
        threadCpu = THREADS.getCurrentThreadCpuTime() - threadCpu;
        threadUser = THREADS.getCurrentThreadUserTime() - threadUser;
        processCpu = OS.getProcessCpuTime() - processCpu;
        long[] machineAfter = machineTicks();
        long[] schedAfter = schedstat();
        MemoryProbe.Usage memory = probe.stop();
        if (recording != null) {
            recording.stop();
            recording.dump(jfr);
            recording.close();
        }
        out.put("cleanSeconds", nanos / 1e9);
        out.put("threadCpuSeconds", threadCpu / 1e9);
        out.put("threadUserSeconds", threadUser / 1e9);
        out.put("processCpuSeconds", processCpu / 1e9);
        // The round's wall time = on a CPU + waiting in the run queue for one (others' load) + blocked
        // (I/O: reads the page cache does not serve, fsync, unlink; locks). -1 where schedstat is missing.
        boolean haveSched = sched[0] >= 0 && schedAfter[0] >= 0;
        out.put("runQueueSeconds", haveSched ? (schedAfter[1] - sched[1]) / 1e9 : -1);
        out.put("blockedSeconds", haveSched
                ? Math.max(0, nanos - (schedAfter[0] - sched[0]) - (schedAfter[1] - sched[1])) / 1e9 : -1);
        // Others' work on the machine meanwhile, in cores: busy time of all CPUs minus this JVM's.
        double busySeconds = (machineAfter[0] - machine[0]) / TICKS_PER_SECOND;
        out.put("otherCores", machine[1] < 0 ? -1 : Math.max(0, busySeconds - processCpu / 1e9) / (nanos / 1e9));
        out.put("allocatedBytes", memory.allocatedBytes());
        out.put("liveBeforeBytes", memory.liveBeforeBytes());
        out.put("liveMaxBytes", memory.liveMaxBytes());
        out.put("gcCount", memory.gcCount());
        out.put("gcMillis", memory.gcMillis());
        out.put("rssBeforeBytes", memory.rssBeforeBytes());
        out.put("rssPeakBytes", memory.rssPeakBytes());
        out.put("rssPeakReset", memory.rssPeakReset());
        return round;
    }

    /** Appends every record in batches of {@code batch}; returns the data set's checksum. */
    private static long append(Engine engine, CleanerData data, int[] keyIndexes, int batch) throws IOException {
        CRC32C crc = new CRC32C();
        byte[][] keys = new byte[batch][];
        byte[][] values = new byte[batch][];
        int offset = 0;
        while (offset < keyIndexes.length) {
            int count = Math.min(batch, keyIndexes.length - offset);
            for (int i = 0; i < count; i++) {
                int keyIndex = keyIndexes[offset + i];
                keys[i] = data.key(keyIndex).clone();
                values[i] = data.value(offset + i, keyIndex);
                CleanerData.checksum(crc, keys[i], values[i]);
            }
            engine.append(keys, values, count, System.currentTimeMillis());
            offset += count;
        }
        return crc.getValue();
    }

    /**
     * Reads the cleaned log front to back and returns the records in it; throws unless there is
     * exactly one per key drawn, at its latest offset, with its value.
     */
    static long verify(Engine engine, CleanerData data, long[] latest) throws IOException {
        boolean[] seen = new boolean[latest.length];
        List<String> problems = new ArrayList<>();
        long[] count = {0};
        long[] previous = {-1};
        byte[] key = new byte[CleanerData.KEY_BYTES];
        engine.readAll((offset, keyBuffer, valueBuffer) -> {
            count[0]++;
            if (problems.size() >= 10) {
                return;
            }
            if (offset <= previous[0]) {
                problems.add("offset " + offset + " follows " + previous[0]);
            }
            previous[0] = offset;
            if (keyBuffer == null || keyBuffer.remaining() != CleanerData.KEY_BYTES) {
                problems.add("offset " + offset + ": key " + (keyBuffer == null ? "missing" : keyBuffer.remaining()
                        + " bytes") + ", expected " + CleanerData.KEY_BYTES + " bytes");
                return;
            }
            keyBuffer.duplicate().get(key);
            int keyIndex = CleanerData.keyIndex(key);
            if (keyIndex < 0 || keyIndex >= latest.length) {
                problems.add("offset " + offset + ": unknown key " + new String(key, java.nio.charset.StandardCharsets.US_ASCII));
            } else if (seen[keyIndex]) {
                problems.add("offset " + offset + ": key " + keyIndex + " seen twice (latest at " + latest[keyIndex] + ")");
            } else if (latest[keyIndex] != offset) {
                problems.add("offset " + offset + ": key " + keyIndex + " kept, but its latest record is at "
                        + latest[keyIndex]);
            } else if (valueBuffer == null || !valueBuffer.equals(ByteBuffer.wrap(data.value(offset, keyIndex)))) {
                problems.add("offset " + offset + ": key " + keyIndex + " has another value than its latest record's");
            }
            if (keyIndex >= 0 && keyIndex < latest.length) {
                seen[keyIndex] = true;
            }
        });
        long drawn = 0;
        for (int k = 0; k < latest.length; k++) {
            if (latest[k] >= 0) {
                drawn++;
                if (!seen[k] && problems.size() < 10) {
                    problems.add("key " + k + " (latest at " + latest[k] + ") is missing");
                }
            }
        }
        if (!problems.isEmpty() || count[0] != drawn) {
            throw new IllegalStateException(engine.name() + "'s cleaned log is wrong: " + count[0] + " records for "
                    + drawn + " keys; " + problems);
        }
        return count[0];
    }

    /**
     * The calling thread's scheduler statistics, {ns on a CPU, ns waiting in the run queue}
     * ({@code /proc/thread-self/schedstat}, Linux 3.17+), or {-1, -1} where they cannot be read.
     */
    private static long[] schedstat() {
        try {
            String[] f = Files.readString(Paths.get("/proc/thread-self/schedstat")).trim().split("\\s+");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    /** USER_HZ of /proc/stat: 100 on every Linux architecture the JDK runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    /** {busy ticks of all CPUs, 0}, or {0, -1} where /proc/stat cannot be read. */
    private static long[] machineTicks() {
        try {
            String cpu = Files.readAllLines(Paths.get("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            return new long[] {busy, 0};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, -1};
        }
    }

    private static Recording startRecording() throws IOException {
        try {
            Recording recording = new Recording(Configuration.getConfiguration("profile"));
            recording.start();
            return recording;
        } catch (java.text.ParseException e) {
            throw new IOException("JFR's profile settings do not parse", e);
        }
    }

    private static Settings parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            given.put(args[i], args[i + 1]);
        }
        String jfr = given.get("--jfr");
        return new Settings(given.get("--engine"), Paths.get(given.get("--dir")),
                Long.parseLong(given.get("--records")), Integer.parseInt(given.get("--keys")),
                Integer.parseInt(given.get("--batch")), Integer.parseInt(given.get("--segment-bytes")),
                Integer.parseInt(given.get("--dedupe-bytes")), Long.parseLong(given.get("--seed")),
                Long.parseLong(given.get("--warmup-records")), jfr == null ? null : Paths.get(jfr));
    }
}
