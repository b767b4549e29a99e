package dev.spool.log.sim;

import dev.spool.log.AppendResult;
import dev.spool.log.CorruptLogException;
import dev.spool.log.Durability;
import dev.spool.log.Log;
import dev.spool.log.LogConfig;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.record.BatchBuilder;
import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.record.Record;
import dev.spool.log.tool.LogVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One seeded run: a random workload on a {@link LogManager} over a {@link SimulatedFileIO}, with
 * crashes (armed at a random mutating call, so they land inside operations), injected I/O errors
 * and clean restarts, checked against a model after every reopen.
 *
 * <p>The model: every record ever attempted, by its unique key; per partition the records
 * acknowledged at each offset since the last reopen, marked durable when a strict append
 * acknowledged it, a {@link LogManager#flush()} or clean close covered it, or it survived a crash
 * (after a crash the disk holds only durable bytes). Checks after each reopen: every durable record
 * at or above the highest log start the workload asked for is readable byte for byte at its
 * offset; every record read was attempted, with the same bytes, and sits where it was acknowledged
 * if it was; offsets are dense; a topic whose creation returned exists. A reopen that throws after
 * a crash is a violation ({@link CorruptLogException} above all: a crash alone must never look like
 * corruption).
 */
final class CrashWorkload {
    static final Path DATA_DIR = Path.of("/sim/data");

    /** Figures of one or many runs. */
    static final class Stats {
        long runs;
        long crashPoints;
        long cleanRestarts;
        long faultRestarts;
        long faultsInjected;
        long strictAcks;
        long recordsChecked;
        long diskFullFailures;
        long verifiedClean;
        long liesTold;
        long bitsFlipped;
        long flipsDetected;
        /** Logs whose directory held the reused-files marker at the end of a run: a roll took a deleted segment's file. */
        long logsReusingFiles;
        final Map<SimulatedFileIO.CrashOutcome, Long> crashOutcomes = new TreeMap<>();
        final List<String> violations = new ArrayList<>();

        void add(Stats other) {
            runs += other.runs;
            crashPoints += other.crashPoints;
            cleanRestarts += other.cleanRestarts;
            faultRestarts += other.faultRestarts;
            faultsInjected += other.faultsInjected;
            strictAcks += other.strictAcks;
            recordsChecked += other.recordsChecked;
            diskFullFailures += other.diskFullFailures;
            verifiedClean += other.verifiedClean;
            liesTold += other.liesTold;
            bitsFlipped += other.bitsFlipped;
            flipsDetected += other.flipsDetected;
            logsReusingFiles += other.logsReusingFiles;
            other.crashOutcomes.forEach((k, v) -> crashOutcomes.merge(k, v, Long::sum));
            violations.addAll(other.violations);
        }

        @Override
        public String toString() {
            return "runs=" + runs + " crashPoints=" + crashPoints + " cleanRestarts=" + cleanRestarts
                    + " faultRestarts=" + faultRestarts + " faultsInjected=" + faultsInjected + " strictAcks="
                    + strictAcks + " recordsChecked=" + recordsChecked + " diskFullFailures=" + diskFullFailures + " verifiedClean=" + verifiedClean
                    + " liesTold=" + liesTold + " bitsFlipped=" + bitsFlipped + " flipsDetected=" + flipsDetected
                    + " logsReusingFiles=" + logsReusingFiles + " crashOutcomes=" + crashOutcomes
                    + " violations=" + violations.size();
        }
    }

    private record Rec(String key, byte[] value, long timestamp) {
        boolean sameAs(Record record) {
            return record.timestamp() == timestamp && Arrays.equals(record.valueBytes(), value)
                    && key.equals(new String(record.keyBytes(), StandardCharsets.UTF_8));
        }
    }

    private static final class PartitionModel {
        final TreeMap<Long, Rec> acked = new TreeMap<>();
        final TreeMap<Long, Boolean> durable = new TreeMap<>();
        long startFloor;
    }

    private final long seed;
    private final Random random;
    private final SimulatedFileIO sim;
    private LogConfig logConfig;
    private final Map<String, Rec> attempted = new HashMap<>();
    private final Map<String, List<PartitionModel>> topics = new TreeMap<>();
    private final Stats stats = new Stats();
    private final StepExecutor background = new StepExecutor();
    private LogManager manager;
    private long sequence;
    private long clockMs = 1_700_000_000_000L;

    private int readFlipPercent;

    /** Opt-in lying disk: {@code percent} of forces persist nothing (see {@link SimulatedFileIO#setLyingForcePercent}). */
    CrashWorkload lyingDisk(int percent) {
        sim.setLyingForcePercent(percent);
        return this;
    }

    /**
     * Bit flips on read: while the workload reads a log back to check it, {@code percent} of file
     * reads return one bit flipped. A flip must surface as a corruption exception (the read is then
     * retried) or change nothing; a wrong record returned is a violation.
     */
    CrashWorkload readFlips(int percent, java.util.function.Predicate<Path> files) {
        readFlipPercent = percent;
        sim.setReadFlipFiles(files);
        return this;
    }

    /** Logs that reuse deleted segments' files ({@code WriteConfig.reuseSegmentFiles}): old bytes past their ends. */
    CrashWorkload reusingSegmentFiles() {
        logConfig = logConfig.withWrite(logConfig.write().withReuseSegmentFiles(true));
        return this;
    }

    CrashWorkload(long seed, boolean reorderedWriteback) {
        this(seed);
        sim.setReorderedWriteback(reorderedWriteback);
    }

    CrashWorkload(long seed) {
        this.seed = seed;
        this.random = new Random(seed ^ 0x5DEECE66DL);
        this.sim = new SimulatedFileIO(seed);
        this.logConfig = LogConfig.defaults().withSegmentBytes(1000 + random.nextInt(2000)).withIndexIntervalBytes(
                64 + random.nextInt(256)).withSegmentIndexBytes(240);
    }

    /** Runs {@code cycles} crash cycles; returns the figures (violations included, never thrown). */
    Stats run(int cycles) {
        stats.runs = 1;
        sim.createDurableDirectories(DATA_DIR);
        try {
            manager = open();
            for (int cycle = 0; cycle < cycles && stats.violations.isEmpty(); cycle++) {
                runCycle();
            }
            if (manager != null) {
                manager.close();
            }
        } catch (Violation v) {
            stats.violations.add(v.getMessage());
        } catch (Exception e) {
            stats.violations.add("seed " + seed + ": unexpected " + e);
            e.printStackTrace();
        }
        sim.crashOutcomes().forEach((k, v) -> stats.crashOutcomes.merge(k, v, Long::sum));
        stats.faultsInjected = sim.faultsInjected();
        stats.liesTold = sim.liesTold();
        stats.bitsFlipped = sim.bitsFlipped();
        stats.logsReusingFiles = countReusingFiles();
        return stats;
    }

    private long countReusingFiles() {
        long count = 0;
        try {
            for (Path dir : sim.session().list(DATA_DIR)) {
                if (sim.session().exists(dir.resolve(dev.spool.log.segment.SegmentFiles.REUSED_FILES_MARKER))) {
                    count++;
                }
            }
        } catch (IOException e) {
            stats.violations.add("seed " + seed + ": could not list " + DATA_DIR + ": " + e);
        }
        return count;
    }

    private static final class Violation extends RuntimeException {
        Violation(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Violation violation(String what, Throwable cause) {
        return new Violation("VIOLATION seed " + seed + ": " + what, cause);
    }

    private LogManager open() throws IOException {
        LogManagerConfig config = LogManagerConfig.defaults().withIo(sim.session()).withoutBackgroundTasks()
                .withIoExecutor(background).withLogConfig(logConfig).withClock(() -> clockMs);
        try {
            return LogManager.open(DATA_DIR, config);
        } catch (IOException | RuntimeException e) {
            if (sim.armedCrashFired()) {
                throw e instanceof IOException io ? io : new IOException(e);
            }
            throw reopenViolation(e);
        }
    }

    private Violation reopenViolation(Exception failure) {
        try {
            throw failure;
        } catch (CorruptLogException e) {
            return violation("a crash alone made the log look corrupt: " + e.getMessage(), e);
        } catch (Exception e) {
            return violation("reopen failed: " + e, e);
        }
    }

    private void runCycle() throws IOException {
        int kind = random.nextInt(10);
        boolean diskFull = kind == 2;
        boolean inject = kind < 3;
        if (diskFull) { // a budget of a few more bytes: some appends fit, then the disk is full
            sim.setSpaceBytesMax(sim.usedBytes() + random.nextInt(4000));
        } else if (inject) {
            SimulatedFileIO.Kind fault = random.nextBoolean() ? SimulatedFileIO.Kind.WRITE
                    : SimulatedFileIO.Kind.FORCE;
            sim.failNth(fault, 1 + random.nextInt(20));
        } else {
            sim.crashBeforeMutation(1 + random.nextInt(60));
        }
        int ops = 5 + random.nextInt(30);
        for (int i = 0; i < ops && !sim.armedCrashFired(); i++) {
            try {
                step();
            } catch (RuntimeException e) {
                if (e instanceof Violation || !sim.armedCrashFired()) {
                    throw e;
                }
            } catch (IOException e) {
                if (!sim.armedCrashFired() && !inject) {
                    throw violation("an operation failed with no fault injected: " + e, e);
                }
                if (diskFull && !sim.armedCrashFired()) {
                    if (!mentions(e, "No space left on device")) {
                        throw violation("a full disk failed an operation without saying so: " + e, e);
                    }
                    stats.diskFullFailures++;
                }
                if (!sim.armedCrashFired()) {
                    break; // an injected fault: restart the process without a crash
                }
            }
        }
        boolean crashed = sim.armedCrashFired();
        trace("cycle ends: " + (crashed ? "crashed" : "no crash") + ", kind " + kind);
        sim.disarmCrash();
        sim.clearFaults();
        if (!inject || kind == 1) {
            if (!crashed) {
                sim.crash();
            }
            abandon();
            stats.crashPoints++;
            manager = open();
            checkAfterReopen(true);
        } else {
            try {
                manager.close(); // a failed log refuses writes: a close may fail, the reopen must not lose durable data
                background.discard();
                stats.faultRestarts++;
            } catch (IOException | RuntimeException e) {
                abandon();
                stats.faultRestarts++;
            }
            manager = open();
            checkAfterReopen(false);
        }
    }

    /**
     * After a clean close (no log had failed), {@code spool verify}'s checks find nothing wrong: batches, dense offsets,
     * indexes, and for topics with the hash chain, the chain through every segment and sidecar.
     */
    private void verifyOffline() throws IOException {
        LogVerifier.Report report = new LogVerifier(sim.session(), logConfig).verifyDataDir(DATA_DIR);
        if (!report.isSound()) { // after a clean close not even a warning: nothing is left to recover or rebuild
            throw violation("spool verify after a clean close: " + report.findings().stream().limit(3).toList(), null);
        }
        stats.verifiedClean++;
    }

    /** With {@code -Dspool.sim.trace=true}, what the workload does, step by step (to read a replayed seed). */
    private static final boolean TRACE = Boolean.getBoolean("spool.sim.trace");

    private void trace(String what) {
        if (TRACE) {
            System.out.println("[sim " + seed + "] " + what);
        }
    }

    /** Whether {@code text} is in the message of {@code e}, its causes or what they suppressed. */
    private static boolean mentions(Throwable e, String text) {
        if (e == null) {
            return false;
        }
        if (String.valueOf(e.getMessage()).contains(text) || mentions(e.getCause(), text)) {
            return true;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (mentions(suppressed, text)) {
                return true;
            }
        }
        return false;
    }

    /** Drops a dead manager: its close fails on the dead session but stops its threads. */
    private void abandon() {
        try {
            manager.close();
        } catch (Exception ignored) {
            // the process is dead; only its threads needed stopping
        }
        background.discard();
        manager = null;
    }

    private void step() throws IOException {
        boolean runBackground = random.nextInt(4) != 0; // else background work (a rolled segment's flush) waits
        if (runBackground) {
            background.runPending();
        }
        int op = random.nextInt(100);
        trace("step op=" + op + (runBackground ? "" : " (background pending: " + background.pendingCount() + ")"));
        if (topics.isEmpty() || (op < 5 && topics.size() < 3)) {
            createTopic();
        } else if (op < 45) {
            appendOne();
        } else if (op < 60) {
            appendBurst();
        } else if (op < 68) {
            manager.flush();
            markAllDurable();
        } else if (op < 74) {
            Target rolled = randomLog();
            trace("roll " + rolled.topic + "-" + rolled.partition + " at " + rolled.log.logEndOffset());
            rolled.log.roll();
        } else if (op < 79) {
            advanceStart();
        } else if (op < 82) {
            manager.applyRetention();
        } else if (op < 86) {
            boolean anyFailed = manager.topics().stream().anyMatch(t -> {
                for (int p = 0; p < manager.partitionCount(t); p++) {
                    if (manager.log(t, p).isFailed()) {
                        return true;
                    }
                }
                return false;
            });
            manager.close();
            background.discard();
            markAllDurable();
            if (!anyFailed) { // a failed log is closed unflushed, on purpose: the next open recovers it
                verifyOffline();
            }
            stats.cleanRestarts++;
            manager = open();
            checkAfterReopen(false);
        } else {
            Target target = randomLog();
            check(target.topic, target.partition, target.log, false);
        }
    }

    private void createTopic() throws IOException {
        String name = "t" + topics.size();
        int partitions = 1 + random.nextInt(3);
        TopicConfig config = TopicConfig.defaults(logConfig).withHashChain(random.nextInt(3) == 0);
        manager.createTopic(name, partitions, config);
        List<PartitionModel> models = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            models.add(new PartitionModel());
        }
        topics.put(name, models);
    }

    private record Target(String topic, int partition, Log log, PartitionModel model) {
    }

    private Target randomLog() {
        List<String> names = new ArrayList<>(topics.keySet());
        String topic = names.get(random.nextInt(names.size()));
        int partition = random.nextInt(topics.get(topic).size());
        return new Target(topic, partition, manager.log(topic, partition), topics.get(topic).get(partition));
    }

    private ByteBuffer batches(List<Rec> into) {
        int batchCount = 1 + random.nextInt(2);
        List<ByteBuffer> built = new ArrayList<>();
        int total = 0;
        for (int b = 0; b < batchCount; b++) {
            BatchBuilder builder = new BatchBuilder(4096);
            int records = 1 + random.nextInt(4);
            for (int r = 0; r < records; r++) {
                String key = "k" + (sequence++);
                byte[] value = new byte[random.nextInt(60)];
                random.nextBytes(value);
                Rec rec = new Rec(key, value, clockMs + r);
                attempted.put(key, rec);
                into.add(rec);
                builder.append(rec.timestamp, ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)),
                        ByteBuffer.wrap(value), new dev.spool.log.record.Header[0]);
            }
            ByteBuffer batch = builder.build();
            ByteBuffer copy = ByteBuffer.allocate(batch.remaining()).put(batch).flip();
            built.add(copy);
            total += copy.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        built.forEach(out::put);
        return out.flip();
    }

    private void appendOne() throws IOException {
        Target target = randomLog();
        List<Rec> records = new ArrayList<>();
        ByteBuffer buffer = batches(records);
        Durability durability = random.nextBoolean() ? Durability.STRICT : Durability.NONE;
        AppendResult result = target.log.append(buffer, durability);
        acknowledge(target.model, records, result, durability);
    }

    private void appendBurst() throws IOException {
        int count = 2 + random.nextInt(5);
        List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
        List<List<Rec>> records = new ArrayList<>();
        List<PartitionModel> models = new ArrayList<>();
        List<Durability> durabilities = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Target target = randomLog();
            List<Rec> batch = new ArrayList<>();
            ByteBuffer buffer = batches(batch);
            Durability durability = random.nextInt(3) == 0 ? Durability.NONE : Durability.STRICT;
            futures.add(target.log.appendAsync(buffer, durability));
            records.add(batch);
            models.add(target.model);
            durabilities.add(durability);
        }
        background.runPending(); // the writer's turn: the burst goes to disk as one group per log
        IOException failure = null;
        for (int i = 0; i < count; i++) {
            if (!futures.get(i).isDone()) { // everything queued has run: waiting could only hang
                throw violation("an async append was neither acknowledged nor failed once the writer ran", null);
            }
            try {
                acknowledge(models.get(i), records.get(i), futures.get(i).get(), durabilities.get(i));
            } catch (ExecutionException e) {
                failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void acknowledge(PartitionModel model, List<Rec> records, AppendResult result, Durability durability) {
        if (result.recordCount() != records.size()) {
            throw violation("append of " + records.size() + " records acknowledged " + result.recordCount(), null);
        }
        if (durability == Durability.STRICT && !result.durable()) {
            throw violation("a strict append was acknowledged as not durable", null);
        }
        for (int i = 0; i < records.size(); i++) {
            long offset = result.firstOffset() + i;
            model.acked.put(offset, records.get(i));
            if (result.durable()) {
                model.durable.put(offset, true);
            }
        }
        if (durability == Durability.STRICT) {
            stats.strictAcks++;
        }
    }

    private void markAllDurable() {
        for (List<PartitionModel> models : topics.values()) {
            for (PartitionModel model : models) {
                model.acked.keySet().forEach(offset -> model.durable.put(offset, true));
            }
        }
    }

    private void advanceStart() throws IOException {
        Target target = randomLog();
        long start = target.log.logStartOffset();
        long end = target.log.logEndOffset();
        long to = start + (end > start ? random.nextLong(end - start + 1) : 0);
        target.model.startFloor = Math.max(target.model.startFloor, to);
        trace("advance start of " + target.topic + "-" + target.partition + " to " + to);
        target.log.advanceLogStartOffset(to);
    }

    private void checkAfterReopen(boolean afterCrash) throws IOException {
        for (Map.Entry<String, List<PartitionModel>> topic : new ArrayList<>(topics.entrySet())) {
            if (!manager.topicExists(topic.getKey())) {
                throw violation("topic " + topic.getKey() + " was created (createTopic returned) but is gone", null);
            }
            if (manager.partitionCount(topic.getKey()) != topic.getValue().size()) {
                throw violation("topic " + topic.getKey() + " has " + manager.partitionCount(topic.getKey())
                        + " partitions, created with " + topic.getValue().size(), null);
            }
        }
        for (String name : manager.topics()) {
            if (!topics.containsKey(name)) { // a creation the crash interrupted, durable after all
                List<PartitionModel> models = new ArrayList<>();
                for (int p = 0; p < manager.partitionCount(name); p++) {
                    models.add(new PartitionModel());
                }
                topics.put(name, models);
            }
            for (int p = 0; p < manager.partitionCount(name); p++) {
                check(name, p, manager.log(name, p), afterCrash);
            }
        }
    }

    private List<Record> readChecked(Log log, long offset) throws IOException {
        if (readFlipPercent == 0) {
            return log.read(offset, 1 << 16).records();
        }
        sim.setReadFlipPercent(readFlipPercent);
        try {
            return log.read(offset, 1 << 16).records();
        } catch (CorruptRecordException | CorruptLogException e) {
            stats.flipsDetected++; // detected: read again, as a consumer retries a fetch that failed its CRC
        } finally {
            sim.setReadFlipPercent(0);
        }
        return log.read(offset, 1 << 16).records();
    }

    /**
     * Reads the whole log and checks it against the model. After a reopen the model is replaced by
     * what was read (all of it durable after a crash: the disk then holds only durable bytes).
     */
    private void check(String topic, int partition, Log log, boolean afterCrash) throws IOException {
        PartitionModel model = topics.get(topic).get(partition);
        String where = topic + "-" + partition;
        long start = log.logStartOffset();
        long end = log.logEndOffset();
        TreeMap<Long, Rec> found = new TreeMap<>();
        long next = start;
        while (next < end) {
            List<Record> records = readChecked(log, next);
            if (records.isEmpty()) {
                throw violation(where + ": read at " + next + " returned nothing before the end " + end, null);
            }
            for (Record record : records) {
                if (record.offset() < next) {
                    continue; // the head of a batch that starts below the requested offset
                }
                if (record.offset() != next) {
                    throw violation(where + ": offset " + record.offset() + " where " + next + " was expected", null);
                }
                String key = new String(record.keyBytes(), StandardCharsets.UTF_8);
                Rec sent = attempted.get(key);
                if (sent == null || !sent.sameAs(record)) {
                    throw violation(where + ": offset " + next + " holds a record never appended (key " + key + ")",
                            null);
                }
                Rec acked = model.acked.get(next);
                if (acked != null && acked != sent) {
                    throw violation(where + ": offset " + next + " holds " + key + " but " + acked.key
                            + " was acknowledged there", null);
                }
                found.put(next, sent);
                next++;
                stats.recordsChecked++;
            }
        }
        for (Long offset : model.durable.keySet()) {
            if (offset >= model.startFloor && offset >= start && !found.containsKey(offset)) {
                throw violation(where + ": durable record " + model.acked.get(offset).key + " at offset " + offset
                        + " is gone (log now " + start + ".." + end + ")", null);
            }
            if (offset >= model.startFloor && offset < start) {
                throw violation(where + ": log start " + start + " passed durable offset " + offset
                        + " though only " + model.startFloor + " was asked for", null);
            }
        }
        if (afterCrash) {
            model.acked.clear();
            model.durable.clear();
            model.acked.putAll(found);
            found.keySet().forEach(offset -> model.durable.put(offset, true));
        }
    }
}
