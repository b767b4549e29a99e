package dev.spool.bench.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * How busy the machine was with other work during a measurement: CPU time of the whole machine
 * ({@code /proc/stat}) minus that of the benchmark's own JVM and the broker's, in cores. The
 * machine is shared, so this is printed beside each turn to tell a slow server from a busy
 * neighbour. Linux only; elsewhere (or when {@code /proc} cannot be read) it reports NaN.
 * Kernel work done on the benchmark's behalf outside its threads (page writeback, part of the
 * loopback network) counts as other work too, so a small figure is normal.
 */
final class CpuUsage {
    /** USER_HZ: the unit of /proc's CPU times on every Linux architecture the JVM runs on. */
    private static final double TICKS_PER_SECOND = 100;

    private final long machineBusyTicks;
    private final long ownTicks;
    private final long nanoTime;
    private final long brokerPid;

    private CpuUsage(long machineBusyTicks, long ownTicks, long nanoTime, long brokerPid) {
        this.machineBusyTicks = machineBusyTicks;
        this.ownTicks = ownTicks;
        this.nanoTime = nanoTime;
        this.brokerPid = brokerPid;
    }

    /** A reading now; {@code brokerPid} is the child whose CPU counts as the benchmark's own. */
    static CpuUsage now(long brokerPid) {
        try {
            return new CpuUsage(machineBusyTicks(), processTicks(ProcessHandle.current().pid())
                    + processTicks(brokerPid), System.nanoTime(), brokerPid);
        } catch (IOException | RuntimeException e) {
            return new CpuUsage(-1, -1, System.nanoTime(), brokerPid);
        }
    }

    /** Cores' worth of CPU used by everything else since {@code this} reading, or NaN if unknown. */
    double otherCoresSince() {
        CpuUsage later = now(brokerPid);
        if (machineBusyTicks < 0 || later.machineBusyTicks < 0) {
            return Double.NaN;
        }
        double seconds = (later.nanoTime - nanoTime) / 1e9;
        long others = (later.machineBusyTicks - machineBusyTicks) - (later.ownTicks - ownTicks);
        return Math.max(0, others / TICKS_PER_SECOND / seconds);
    }

    /** CPU seconds (user plus system) {@code pid} has used so far, or NaN if unknown. */
    static double processSeconds(long pid) {
        try {
            return processTicks(pid) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** All CPUs' busy time: the first line of /proc/stat less idle and iowait. */
    private static long machineBusyTicks() throws IOException {
        String line = Files.readAllLines(Paths.get("/proc/stat"), StandardCharsets.US_ASCII).get(0);
        String[] fields = line.trim().split("\\s+");
        if (!fields[0].equals("cpu") || fields.length < 8) {
            throw new IOException("Unexpected /proc/stat: " + line);
        }
        long busy = 0;
        for (int i = 1; i < Math.min(fields.length, 9); i++) { // user nice system idle iowait irq softirq steal
            if (i != 4 && i != 5) {
                busy += Long.parseLong(fields[i]);
            }
        }
        return busy;
    }

    /** A process's user plus system time (fields 14 and 15 of /proc/PID/stat). */
    private static long processTicks(long pid) throws IOException {
        Path stat = Paths.get("/proc", Long.toString(pid), "stat");
        String text = Files.readString(stat, StandardCharsets.US_ASCII);
        String[] fields = text.substring(text.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
