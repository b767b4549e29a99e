package dev.spool.bench.buffer;

import dev.spool.bench.BenchData;
import dev.spool.bench.Counters;
import dev.spool.log.Durability;
import dev.spool.queue.DiskBuffer;
import dev.spool.queue.DiskBufferConfig;
import dev.spool.queue.EnqueueResult;
import dev.spool.queue.PayloadReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Enqueue + consume + acknowledge throughput of 1 KiB items, one thread playing producer then
 * consumer: one operation moves {@value #ITEMS_PER_OP} items through the queue (write them all,
 * then read them all in order and acknowledge), so the queue stays near empty and disk use flat.
 * The {@link Counters} report items/s ({@code records}) and payload bytes/s ({@code bytes}).
 *
 * <ul>
 *   <li>{@code diskBuffer}: {@link DiskBuffer#put} per item (the producer waits for each item to be
 *       on disk; strict: one fsync per item, as the others), {@code poll} per item, one cumulative
 *       {@code ack} of the last (the consumer acknowledges a run, the buffer's intended use); the
 *       consumer copies each payload into one array ({@link DiskBuffer#poll(PayloadReader)}), the
 *       work Chronicle's side does;</li>
 *   <li>{@code diskBufferAsync}: the same with {@link DiskBuffer#enqueue}: all writes in flight at
 *       once, so strict appends share fsyncs (group commit);</li>
 *   <li>{@code filePerItem}: the seed's design ({@link FilePerItemQueue}): a file per item, read
 *       back and deleted;</li>
 *   <li>{@code chronicleQueue}: Chronicle Queue as a queue ({@link ChronicleAsQueue}), synced per item
 *       when strict: the counterpart of {@code diskBuffer};</li>
 *   <li>{@code chronicleQueueRun}: the same, but when strict one sync after the 100 items: the
 *       counterpart of {@code diskBufferAsync}, whose 100 writes in flight share fsyncs (as producers
 *       that each wait for their own item do). Chronicle has no group commit of its own; a user who
 *       wants each item durable before it counts, at Chronicle's best, writes a run and syncs it once.</li>
 * </ul>
 * {@code durability}: {@code relaxed} acknowledges after the write (page cache), {@code strict}
 * after an fsync covering the item. Each iteration starts in a fresh directory, deleted after.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch",
        // Chronicle Queue reaches into JDK internals (as spool-bench/compare.sh); Arrow needs java.nio open.
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
public class DiskBufferBenchmark {
    static final int ITEMS_PER_OP = 100;
    static final int ITEM_BYTES = 1024;
    private static final Map<String, String> NO_METADATA = Map.of();

    @Param({"relaxed", "strict"})
    public String durability;

    private byte[][] payloads;
    private byte[] scratch;
    private int scratchLength;
    /** Copies a polled payload into {@link #scratch}; returns the item's sequence. */
    private final PayloadReader<Long> copyToScratch = (sequence, payload, metadata, storedBytes) -> {
        scratchLength = payload.remaining();
        payload.get(payload.position(), scratch, 0, scratchLength);
        return sequence;
    };
    @SuppressWarnings("unchecked")
    private final CompletableFuture<EnqueueResult>[] inFlight = new CompletableFuture[ITEMS_PER_OP];
    private Path dir;
    private DiskBuffer buffer;
    private FilePerItemQueue files;
    private ChronicleAsQueue chronicle;

    @Setup(Level.Trial)
    public void prepare() {
        SplittableRandom random = new SplittableRandom(BenchData.SEED);
        payloads = new byte[ITEMS_PER_OP][];
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            payloads[i] = BenchData.values(1, ITEM_BYTES, random)[0].array();
        }
        scratch = new byte[ITEM_BYTES];
    }

    private boolean strict() {
        return durability.equals("strict");
    }

    /** Opens only the subject the running benchmark method measures. */
    @Setup(Level.Iteration)
    public void open(BenchmarkParams params) throws IOException {
        dir = BenchData.newDir("spool-buffer-");
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        switch (method) {
            case "diskBuffer", "diskBufferAsync" -> buffer = DiskBuffer.open(dir, DiskBufferConfig.defaults("bench")
                    .withDurability(strict() ? Durability.STRICT : Durability.NONE));
            case "filePerItem" -> files = new FilePerItemQueue(dir, strict());
            case "chronicleQueue", "chronicleQueueRun" -> chronicle = new ChronicleAsQueue(dir, strict());
            default -> throw new IllegalStateException("Unknown benchmark method " + method);
        }
    }

    @TearDown(Level.Iteration)
    public void close() throws Exception {
        try {
            BenchData.closeAndDelete(dir, buffer, files, chronicle);
        } finally {
            buffer = null;
            files = null;
            chronicle = null;
        }
    }

    private static void count(Counters counters) {
        counters.records += ITEMS_PER_OP;
        counters.bytes += (long) ITEMS_PER_OP * ITEM_BYTES;
    }

    /**
     * Polls the op's items in order, copying each payload into one array as Chronicle's side does,
     * and acknowledges the last: returns a sum of their sizes for the blackhole.
     */
    private long consumeAndAck(DiskBuffer b) throws IOException {
        long sum = 0;
        long last = -1;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            last = b.poll(copyToScratch).orElseThrow();
            sum += scratchLength;
        }
        b.ack(last);
        return sum + last;
    }

    @Benchmark
    public long diskBuffer(Counters counters) throws Exception {
        DiskBuffer b = buffer;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            b.put(payloads[i], NO_METADATA);
        }
        count(counters);
        return consumeAndAck(b);
    }

    @Benchmark
    public long diskBufferAsync(Counters counters) throws Exception {
        DiskBuffer b = buffer;
        CompletableFuture<EnqueueResult>[] futures = inFlight;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            futures[i] = b.enqueue(payloads[i], NO_METADATA);
        }
        for (CompletableFuture<EnqueueResult> future : futures) {
            future.join();
        }
        count(counters);
        return consumeAndAck(b);
    }

    @Benchmark
    public long filePerItem(Counters counters) throws IOException {
        FilePerItemQueue q = files;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            q.enqueue(payloads[i]);
        }
        long sum = 0;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            sum += q.dequeue().orElseThrow().length;
        }
        count(counters);
        return sum;
    }

    @Benchmark
    public long chronicleQueue(Counters counters) {
        ChronicleAsQueue q = chronicle;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            q.enqueue(payloads[i]);
        }
        long sum = drain(q);
        count(counters);
        return sum;
    }

    @Benchmark
    public long chronicleQueueRun(Counters counters) {
        ChronicleAsQueue q = chronicle;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            q.append(payloads[i]);
        }
        q.sync();
        long sum = drain(q);
        count(counters);
        return sum;
    }

    /** Dequeues the operation's items from Chronicle; the sum of their lengths. */
    private long drain(ChronicleAsQueue q) {
        long sum = 0;
        for (int i = 0; i < ITEMS_PER_OP; i++) {
            int length = q.dequeue(scratch);
            if (length < 0) {
                throw new IllegalStateException("Chronicle lost item " + i);
            }
            sum += length;
        }
        return sum;
    }
}
