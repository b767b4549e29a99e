package dev.spool.kafka.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spool.kafka.txn.TransactionCoordinator.Answer;
import dev.spool.kafka.txn.TransactionMetadata.PartitionRef;
import dev.spool.log.sim.SimulatedFileIO;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * The transaction coordinator across crashes: a {@link TransactionStore} over the simulated disk
 * (compacted every few records), a coordinator over it whose markers land when the workload says,
 * and a seeded workload of transactional producers (InitProducerId, AddPartitions with now and
 * then the group's offsets, EndTxn commit and abort, a new instance fencing the old one, timeouts,
 * failed markers retried by the periodic check), the requests of different ids interleaved. The
 * disk crashes at a random mutating call; then the store is reopened and recovered, and the
 * promises checked:
 * <ul>
 *   <li>the store opens;</li>
 *   <li>after recovery no transaction is open or prepared, and every transaction that was prepared
 *       got the prepared outcome's marker on each of its partitions (and its offsets outcome);</li>
 *   <li>a transaction whose EndTxn was answered NONE has that outcome's marker on every partition
 *       it was answered for, and no transaction has markers of both outcomes;</li>
 *   <li>an epoch InitProducerId answered with is never answered again, nor lowered by recovery.</li>
 * </ul>
 * Each transaction writes to a topic of its own ({@code id.n}), so a marker names its transaction.
 * Every request runs on the workload's thread (the coordinator's steps are queued and run in a
 * seeded order; the log's I/O runs in line), so a seed replays the same run, up to the order in
 * which recovery and the periodic check visit the ids ({@code TransactionStore.all()} is a
 * {@code Map.copyOf}, whose iteration order changes from one JVM to the next).
 *
 * <p>20 seeds by default; {@code -Dspool.sim.soak=N} runs N seeds from 0, {@code -Dspool.sim.seed=S}
 * replays one.
 */
class TransactionCoordinatorCrashTest {
    private static final Path DIR = Path.of("/sim/data").resolve(TransactionStore.DIR_NAME);
    private static final int CI_RUNS = 20;
    private static final int CYCLES_PER_RUN = 8;
    private static final int STEPS_PER_CYCLE = 120;
    private static final int CLIENTS = 4;
    private static final TransactionCoordinator.Config CONFIG = new TransactionCoordinator.Config(60_000,
            TimeUnit.DAYS.toMillis(1), TimeUnit.DAYS.toMillis(7)); // the periodic check only when the workload says

    /** Figures of the runs, and what went wrong. */
    static final class Stats {
        long crashesFired;
        long recoveries;
        long preparedCompleted;
        long openAborted;
        long commitsChecked;
        long abortsChecked;
        long epochsChecked;
        long compactions;
        final List<String> violations = new ArrayList<>();
    }

    @Test
    void everyAnswerSurvivesCrashesAndRecoveryLeavesNoTransactionUnfinished() throws Exception {
        String only = System.getProperty("spool.sim.seed");
        long runs = only != null ? 1 : Long.getLong("spool.sim.soak", CI_RUNS);
        long first = only != null ? Long.parseLong(only) : 0;
        Stats stats = new Stats();
        long startNs = System.nanoTime();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            for (long seed = first; seed < first + runs; seed++) { // a seed stops at its first violation
                new Run(seed, stats, timer).run();
            }
        } finally {
            timer.shutdownNow();
        }
        System.out.println("Transaction coordinator crash simulation: runs=" + runs + " crashesFired="
                + stats.crashesFired + " recoveries=" + stats.recoveries + " preparedCompleted="
                + stats.preparedCompleted + " openAborted=" + stats.openAborted + " commitsChecked="
                + stats.commitsChecked + " abortsChecked=" + stats.abortsChecked + " epochsChecked="
                + stats.epochsChecked + " compactions=" + stats.compactions + " violations="
                + stats.violations.size() + " timeMs="
                + (System.nanoTime() - startNs) / 1_000_000);
        assertEquals(List.of(), stats.violations.stream().limit(5).toList(), "replay one with -Dspool.sim.seed=S");
        if (only == null) {
            assertTrue(stats.crashesFired > runs * 3, "few crashes fired: " + stats.crashesFired);
            assertTrue(stats.commitsChecked > runs * 10, "few commits checked: " + stats.commitsChecked);
            assertTrue(stats.preparedCompleted > 0 && stats.openAborted > 0 && stats.compactions > 0,
                    "recovery never completed a prepared transaction, aborted an open one or compacted");
        }
    }

    /**
     * A transaction log created by the first open survives a power loss once a write to it was
     * acknowledged: {@link TransactionStore#open} syncs the data directory after creating
     * {@code __transaction_state} (finding 24: without it, the new directory's entry, and with it
     * every acknowledged state, could vanish).
     */
    @Test
    void aNewTransactionLogSurvivesAPowerLoss() throws Exception {
        SimulatedFileIO sim = new SimulatedFileIO(1);
        sim.createDurableDirectories(DIR.getParent());
        TransactionStore store = TransactionStore.open(sim.session(), DIR, () -> 1_000L, Runnable::run,
                new SimpleMeterRegistry(), 1000);
        store.write(new TransactionMetadata("t", 7, (short) 3, 30_000, TransactionState.EMPTY, new TreeSet<>(), -1L,
                1_000L)).get(); // acknowledged: on disk, by the store's promise
        sim.crash();
        TransactionStore reopened = TransactionStore.open(sim.session(), DIR, () -> 2_000L, Runnable::run,
                new SimpleMeterRegistry(), 1000);
        try {
            assertEquals(7, reopened.get("t").map(TransactionMetadata::producerId).orElse(-1L),
                    "the acknowledged state of t after a power loss");
        } finally {
            reopened.close();
        }
    }

    /**
     * Seed 15 (finding 25): the periodic check's compaction rolls the log, the crash fires before
     * the force of the rolled segment, and the rolled segment is left ending in the zeros allocated
     * ahead of its appends, with the new segment after it. The store opens its log as one written
     * only with strict appends ({@code LoadState.strictOnly()}), so recovery cuts the zeros (row
     * T2) instead of refusing the log (row X1), which kept the server from starting.
     */
    @Test
    void seed15OpensAfterEveryCrash() throws Exception {
        Stats stats = new Stats();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            new Run(15, stats, timer).run();
        } finally {
            timer.shutdownNow();
        }
        assertEquals(List.of(), stats.violations);
    }

    /** The coordinator's steps, queued and run in a seeded order; in line while {@link #direct}. */
    private static final class Steps implements Executor {
        private final List<Runnable> pending = new ArrayList<>();
        boolean direct;

        @Override
        public void execute(Runnable task) {
            if (direct) {
                task.run();
            } else {
                pending.add(task);
            }
        }

        void runOne(Random random) {
            if (!pending.isEmpty()) {
                pending.remove(random.nextInt(pending.size())).run();
            }
        }
    }

    /** A marker (or an offsets outcome, {@code partition} null) the coordinator asked for, not yet written. */
    private record Pending(PartitionRef partition, long producerId, short epoch, boolean commit,
                           CompletableFuture<Void> done) {
    }

    /** A transaction whose EndTxn was answered NONE, with the partitions its AddPartitions were answered for. */
    private record Ended(String id, long producerId, short epoch, Set<PartitionRef> partitions, boolean commit) {
    }

    /** One seeded run. */
    private static final class Run {
        private final long seed;
        private final Stats stats;
        private final ScheduledExecutorService timer;
        private final Random random;
        private final SimulatedFileIO sim;
        private final Steps steps = new Steps();
        private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
        /** The durable producer id allocator: it survives the crashes. */
        private final AtomicLong producerIds = new AtomicLong(1000);
        private final long compactionRecordsMin;
        private final Client[] clients = new Client[CLIENTS];
        private final List<Pending> pending = new ArrayList<>();
        /** Every marker written, by partition: the outcomes. */
        private final Map<PartitionRef, List<Boolean>> marks = new HashMap<>();
        /** Offsets outcomes written: producerId/epoch/commit. */
        private final Set<String> offsetsOutcomes = new HashSet<>();
        /** What recovery wrote (markers as partition/producerId/epoch/outcome, offsets as offsets/...). */
        private final Set<String> recoveryWrites = new HashSet<>();
        private final List<Ended> ended = new ArrayList<>();
        /** Per transactional id and producer id, the highest epoch InitProducerId answered with. */
        private final Map<String, Map<Long, Short>> epochs = new HashMap<>();
        private boolean recovering;
        private int failMarkersPercent;
        private TransactionStore store;
        private TransactionCoordinator coordinator;
        private final int violationsBefore;

        Run(long seed, Stats stats, ScheduledExecutorService timer) {
            this.seed = seed;
            this.stats = stats;
            this.violationsBefore = stats.violations.size();
            this.timer = timer;
            this.random = new Random(seed ^ 0x7C0DL);
            this.sim = new SimulatedFileIO(seed);
            this.compactionRecordsMin = 4 + random.nextInt(30);
            for (int i = 0; i < CLIENTS; i++) {
                clients[i] = new Client("t" + i, 1_000 + random.nextInt(20_000));
            }
        }

        /** Whether this run has found no violation yet. */
        private boolean sound() {
            return stats.violations.size() == violationsBefore;
        }

        void run() {
            // The store's directory exists on the disk as installed: TransactionStore.open does not
            // yet make a directory it creates durable (aNewTransactionLogSurvivesAPowerLoss).
            sim.createDurableDirectories(DIR);
            for (int cycle = 0; cycle < CYCLES_PER_RUN && sound(); cycle++) {
                if (!reopen(cycle)) {
                    return;
                }
                failMarkersPercent = random.nextInt(4) == 0 ? 20 : 0;
                sim.crashBeforeMutation(1 + random.nextInt(150));
                try {
                    for (int i = 0; i < STEPS_PER_CYCLE && sound(); i++) {
                        step();
                    }
                } catch (IOException | RuntimeException e) {
                    if (!sim.armedCrashFired()) {
                        e.printStackTrace();
                        stats.violations.add("seed " + seed + ", cycle " + cycle + ": " + e);
                        return;
                    }
                }
                if (sim.armedCrashFired()) {
                    stats.crashesFired++;
                }
                sim.disarmCrash();
                steps.pending.clear(); // the process died with its queued steps and unwritten markers
                pending.clear();
                sim.crash(); // a power loss now, if the armed crash did not come
                for (Client client : clients) {
                    client.restart();
                }
            }
            if (sound() && reopen(CYCLES_PER_RUN)) {
                try {
                    coordinator.close();
                } catch (IOException e) {
                    stats.violations.add("seed " + seed + ": the store did not close: " + e);
                }
            }
        }

        private void step() throws IOException {
            clock.addAndGet(1 + random.nextInt(300));
            int choice = random.nextInt(100);
            if (choice < 35) {
                clients[random.nextInt(CLIENTS)].request();
            } else if (choice < 70) {
                steps.runOne(random);
            } else if (choice < 90) {
                writeOneMarker();
            } else if (choice < 95) {
                coordinator.check(); // timeouts, prepared transactions whose markers failed, compaction
            } else if (store.maybeCompact()) {
                stats.compactions++;
            }
        }

        private void writeOneMarker() {
            if (pending.isEmpty()) {
                return;
            }
            Pending marker = pending.remove(random.nextInt(pending.size()));
            if (random.nextInt(100) < failMarkersPercent) {
                marker.done().completeExceptionally(new IOException("No space left on device"));
                return;
            }
            record(marker);
            marker.done().complete(null);
        }

        private void record(Pending marker) {
            String key = marker.producerId() + "/" + marker.epoch() + "/" + marker.commit();
            if (marker.partition() == null) {
                offsetsOutcomes.add(key);
            } else {
                marks.computeIfAbsent(marker.partition(), p -> new ArrayList<>()).add(marker.commit());
            }
            if (recovering) {
                recoveryWrites.add((marker.partition() == null ? "offsets" : marker.partition()) + "/" + key);
            }
        }

        private CompletableFuture<Void> marker(PartitionRef partition, long producerId, short epoch, boolean commit) {
            Pending marker = new Pending(partition, producerId, epoch, commit, new CompletableFuture<>());
            if (recovering) { // recovery's markers land at once: it waits for them
                record(marker);
                return CompletableFuture.completedFuture(null);
            }
            pending.add(marker);
            return marker.done();
        }

        /** Opens the store after a crash, recovers, and checks the promises; false (and a violation) when broken. */
        private boolean reopen(int cycle) {
            try {
                store = TransactionStore.open(sim.session(), DIR, clock::get, Runnable::run, new SimpleMeterRegistry(),
                        compactionRecordsMin);
            } catch (IOException | RuntimeException e) {
                String violation = "seed " + seed + ", cycle " + cycle + ": the transaction log did not open: " + e;
                stats.violations.add(violation);
                return false;
            }
            Map<String, TransactionMetadata> before = store.all();
            steps.direct = true;
            recovering = true;
            recoveryWrites.clear();
            coordinator = new TransactionCoordinator(store, (p, id, epoch, commit, coordinatorEpoch) ->
                    marker(p, id, epoch, commit), (id, epoch, commit) -> marker(null, id, epoch, commit),
                    producerIds::incrementAndGet, clock::get, steps, timer, CONFIG);
            coordinator.recover(10_000);
            recovering = false;
            steps.direct = false;
            stats.recoveries++;
            List<String> problems = new ArrayList<>();
            checkRecovered(before, problems);
            checkAnswers(problems);
            if (!problems.isEmpty()) {
                problems.add("the recovered log held " + before.values());
            }
            problems.forEach(p -> stats.violations.add("seed " + seed + ", cycle " + cycle + ": " + p));
            return problems.isEmpty();
        }

        /** No transaction left open or prepared; each prepared one got its outcome on every partition. */
        private void checkRecovered(Map<String, TransactionMetadata> before, List<String> problems) {
            store.all().forEach((id, state) -> {
                if (!state.state().isIdle()) {
                    problems.add(id + " is " + state.state() + " after recovery: " + state);
                }
            });
            before.forEach((id, state) -> {
                if (!state.state().isPreparing() && state.state() != TransactionState.ONGOING) {
                    return;
                }
                boolean commit = state.state() == TransactionState.PREPARE_COMMIT;
                short epoch = state.state() == TransactionState.ONGOING ? (short) (state.producerEpoch() + 1)
                        : state.producerEpoch(); // an open one is aborted under the next epoch (fenced)
                for (PartitionRef partition : state.partitions()) {
                    String target = partition.equals(TransactionCoordinator.GROUP_OFFSETS) ? "offsets" : partition
                            .toString();
                    String expected = target + "/" + state.producerId() + "/" + epoch + "/" + commit;
                    if (!recoveryWrites.contains(expected)) {
                        problems.add("recovery of " + state + " did not write " + expected + "; wrote "
                                + recoveryWrites);
                    }
                }
                if (state.state() == TransactionState.ONGOING) {
                    stats.openAborted++;
                } else {
                    stats.preparedCompleted++;
                }
            });
        }

        /** The answers given before the crash hold. */
        private void checkAnswers(List<String> problems) {
            marks.forEach((partition, outcomes) -> {
                if (outcomes.contains(true) && outcomes.contains(false)) {
                    problems.add("the transaction of " + partition + " got commit and abort markers: " + outcomes);
                }
            });
            for (Ended end : ended) {
                for (PartitionRef partition : end.partitions()) {
                    if (partition.equals(TransactionCoordinator.GROUP_OFFSETS)) {
                        String key = end.producerId() + "/" + end.epoch() + "/" + end.commit();
                        if (!offsetsOutcomes.contains(key)) {
                            problems.add("answered EndTxn " + end + " but its offsets outcome was never written");
                        }
                    } else if (!List.of(end.commit()).equals(marks.getOrDefault(partition, List.of()).stream()
                            .distinct().toList())) {
                        problems.add("answered EndTxn " + end + " but " + partition + " got the markers "
                                + marks.get(partition));
                    }
                }
                if (end.commit()) {
                    stats.commitsChecked++;
                } else {
                    stats.abortsChecked++;
                }
            }
            epochs.forEach((id, byProducer) -> byProducer.forEach((producerId, epoch) -> {
                TransactionMetadata state = store.get(id).orElse(null);
                if (state == null) {
                    problems.add(id + " answered epoch " + epoch + " of producer " + producerId
                            + " but is gone after recovery");
                } else if (state.producerId() == producerId && state.producerEpoch() < epoch) {
                    problems.add(id + " answered epoch " + epoch + " of producer " + producerId
                            + " but recovered " + state);
                }
                stats.epochsChecked++;
            }));
        }

        /** A transactional producer: one request at a time; a crash makes it a new instance. */
        private final class Client {
            private final String id;
            private final int timeoutMs;
            private long producerId = -1;
            private short epoch = -1;
            /** This producer's transactions so far: the topic of the current one is {@code id.transaction}. */
            private int transaction;
            private final Set<PartitionRef> added = new TreeSet<>();
            private boolean needsInit = true;
            private boolean busy;
            /** Bumped by a crash: an answer of the dead process's request does not reach the new instance. */
            private int incarnation;

            Client(String id, int timeoutMs) {
                this.id = id;
                this.timeoutMs = timeoutMs;
            }

            void restart() {
                incarnation++;
                busy = false;
                abandon();
            }

            /** Gives up the current transaction (its fate is the coordinator's): the next one has a new topic. */
            private void abandon() {
                needsInit = true;
                transaction++;
                added.clear();
            }

            void request() {
                if (busy) {
                    return;
                }
                busy = true;
                int choice = random.nextInt(100);
                if (needsInit || choice < 3) {
                    if (!added.isEmpty()) {
                        abandon(); // a new instance: the open transaction is aborted, this one fenced
                    }
                    answer(coordinator.initProducerId(id, timeoutMs, -1, (short) -1), this::initialized);
                } else if (added.isEmpty() || choice < 40) {
                    List<PartitionRef> partitions = new ArrayList<>();
                    partitions.add(new PartitionRef(id + "." + transaction, random.nextInt(3)));
                    if (random.nextInt(5) == 0) {
                        partitions.add(TransactionCoordinator.GROUP_OFFSETS);
                    }
                    answer(coordinator.addPartitions(id, producerId, epoch, partitions), a -> {
                        added.addAll(partitions);
                    });
                } else {
                    boolean commit = choice < 75;
                    Ended end = new Ended(id, producerId, epoch, Set.copyOf(added), commit);
                    answer(coordinator.endTxn(id, producerId, epoch, commit), a -> {
                        ended.add(end);
                        added.clear();
                        transaction++;
                    });
                }
            }

            private void initialized(Answer answer) {
                Map<Long, Short> byProducer = epochs.computeIfAbsent(id, i -> new HashMap<>());
                Short previous = byProducer.get(answer.producerId());
                if (previous != null && answer.producerEpoch() <= previous) {
                    stats.violations.add("seed " + seed + ": " + id + " was answered epoch " + answer.producerEpoch()
                            + " of producer " + answer.producerId() + " after epoch " + previous);
                }
                byProducer.put(answer.producerId(), answer.producerEpoch());
                producerId = answer.producerId();
                epoch = answer.producerEpoch();
                needsInit = false;
            }

            /** On NONE runs {@code onNone}; CONCURRENT_TRANSACTIONS is retried later; any other error abandons. */
            private void answer(CompletableFuture<Answer> future, java.util.function.Consumer<Answer> onNone) {
                int asked = incarnation;
                future.whenComplete((answer, error) -> {
                    if (asked != incarnation) {
                        return;
                    }
                    busy = false;
                    if (error != null) {
                        stats.violations.add("seed " + seed + ": " + id + "'s request failed instead of answering: "
                                + error);
                    } else if (answer.error() == Errors.NONE) {
                        onNone.accept(answer);
                    } else if (answer.error() != Errors.CONCURRENT_TRANSACTIONS) {
                        abandon();
                    }
                });
            }
        }
    }
}
