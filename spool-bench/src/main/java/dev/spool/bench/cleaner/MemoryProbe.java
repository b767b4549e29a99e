package dev.spool.bench.cleaner;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * What one cleaning round costs in memory, measured in the JVM that runs it, over the window from
 * {@link #start} to {@link #stop}:
 * <ul>
 * <li>allocated: heap bytes allocated by all threads (HotSpot's per-thread allocation counters,
 *     {@code com.sun.management.ThreadMXBean}); exact, and independent of heap and GC sizing;</li>
 * <li>live heap: the heap in use after each garbage collection in the window, at most (from the GC
 *     notifications), against the heap in use after a full GC just before the window; -1 when no
 *     collection ran in the window;</li>
 * <li>peak RSS: the process's resident set high-water mark ({@code VmHWM} of {@code /proc/self/status}),
 *     reset at the start of the window by writing 5 to {@code /proc/self/clear_refs}. With
 *     {@code -Xms = -Xmx} and {@code -XX:+AlwaysPreTouch} the whole heap is resident from the start,
 *     so what moves this figure is memory outside the heap (direct buffers, mapped index files,
 *     thread stacks, code).</li>
 * </ul>
 * Not thread-safe: the thread that runs the round uses it.
 */
final class MemoryProbe {
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final Set<String> heapPools = new HashSet<>();
    private final AtomicLong liveMax = new AtomicLong(-1);
    private final AtomicInteger notified = new AtomicInteger();
    private volatile boolean open;
    private final NotificationListener listener = this::onGc;
    private Map<Long, Long> allocatedBefore;
    private long gcCountBefore;
    private long gcMillisBefore;
    private long liveBefore;
    private long rssBefore;
    private boolean hwmReset;
    /** Collections before the listener was registered, which it never hears of. */
    private final long gcCountUnheard;

    /** The memory figures of one window. */
    record Usage(long allocatedBytes, long liveBeforeBytes, long liveMaxBytes, long gcCount, long gcMillis,
                 long rssBeforeBytes, long rssPeakBytes, boolean rssPeakReset) {
    }

    MemoryProbe() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean collector : collectors) {
            ((NotificationEmitter) collector).addNotificationListener(listener, null, null);
        }
        gcCountUnheard = gcCount();
    }

    void start() {
        System.gc();
        awaitNotifications();
        liveBefore = heapUsed();
        liveMax.set(-1);
        gcCountBefore = gcCount();
        gcMillisBefore = gcMillis();
        hwmReset = resetHighWaterMark();
        rssBefore = procStatusBytes("VmRSS:");
        allocatedBefore = allocatedByThread();
        open = true;
    }

    Usage stop() {
        Map<Long, Long> allocatedAfter = allocatedByThread();
        long rssPeak = procStatusBytes("VmHWM:");
        long gcs = gcCount() - gcCountBefore;
        long gcMillis = gcMillis() - gcMillisBefore;
        awaitNotifications();
        open = false;
        long allocated = 0;
        for (Map.Entry<Long, Long> entry : allocatedAfter.entrySet()) {
            allocated += entry.getValue() - allocatedBefore.getOrDefault(entry.getKey(), 0L);
        }
        return new Usage(allocated, liveBefore, liveMax.get(), gcs, gcMillis, rssBefore, rssPeak, hwmReset);
    }

    /**
     * The notifications come on a JVM service thread after each collection: waits (two seconds at
     * most) until every collection so far was notified, so that a window holds exactly its own.
     */
    private void awaitNotifications() {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (notified.get() + gcCountUnheard < gcCount() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private void onGc(Notification notification, Object handback) {
        if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        notified.incrementAndGet();
        if (!open) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) notification.getUserData());
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        liveMax.accumulateAndGet(used, Math::max);
    }

    private Map<Long, Long> allocatedByThread() {
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, Long> out = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                out.put(ids[i], bytes[i]);
            }
        }
        return out;
    }

    private long heapUsed() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }

    private long gcCount() {
        long count = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            count += Math.max(0, collector.getCollectionCount());
        }
        return count;
    }

    private long gcMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            millis += Math.max(0, collector.getCollectionTime());
        }
        return millis;
    }

    /** Resets the kernel's resident-set high-water mark of this process (Linux 4.0+); false where it cannot. */
    private static boolean resetHighWaterMark() {
        try {
            Files.writeString(Paths.get("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** A {@code kB} line of {@code /proc/self/status} in bytes, or -1 where there is none. */
    private static long procStatusBytes(String field) {
        Path status = Paths.get("/proc/self/status");
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
