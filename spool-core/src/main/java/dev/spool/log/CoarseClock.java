package dev.spool.log;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The wall clock a log uses unless it is given another ({@link #SYSTEM}): a log reads its clock
 * on every append (to roll a segment by age), and a read of the system clock costs about 20 ns,
 * an eighth of a one-record append.
 *
 * <p>Read less than about a million times a second, the clock reads its source every time. Read
 * more often than that (counted 2,048 reads at a time: 2,048 within 2 ms), it starts a daemon
 * thread ({@code spool-clock}, one per clock) that refreshes a shared copy every millisecond, and
 * reads return that copy: at most a tick behind (more only while the machine is too busy to run
 * the thread), never ahead. The thread's ticks cost about 2% of a core, as much as a million reads
 * of the source a second, hence the threshold. After a turn of ticks (a second) reads take the
 * source and count again; if they are still that frequent the same thread resumes, else it exits
 * a turn later. Where no thread can be started, every read takes the source. Thread-safe.
 */
public final class CoarseClock implements LongSupplier {
    /** The system clock ({@link System#currentTimeMillis()}): what a log and a log manager use by default. */
    public static final CoarseClock SYSTEM = new CoarseClock(System::currentTimeMillis, TimeUnit.MILLISECONDS.toNanos(1),
            1_000, task -> {
                Thread thread = new Thread(task, "spool-clock");
                thread.setDaemon(true);
                return thread;
            });

    static final int RATE_READS = 2_048;
    static final long RATE_WINDOW_MS = 2;

    private final LongSupplier source;
    private final long tickNanos;
    private final int ticksPerTurn;
    private final ThreadFactory threads;
    private volatile long nowMs;
    private volatile boolean ticking;
    // Reads counted while not ticking, without synchronisation: a lost count only delays the start.
    private int counted;
    private long countedFromMs = Long.MIN_VALUE / 2;
    /** The thread, ticking or waiting between turns; null when there is none. Guarded by this. */
    private Thread thread;
    private int threadsStarted;

    /**
     * A clock over {@code source} whose thread, made by {@code threads}, refreshes it every
     * {@code tickNanos}, {@code ticksPerTurn} times a turn.
     */
    CoarseClock(LongSupplier source, long tickNanos, int ticksPerTurn, ThreadFactory threads) {
        this.source = source;
        this.tickNanos = tickNanos;
        this.ticksPerTurn = ticksPerTurn;
        this.threads = threads;
    }

    /** Milliseconds since the epoch: the source's, or at most a tick behind it while the clock is read very often. */
    @Override
    public long getAsLong() {
        if (ticking) {
            return nowMs;
        }
        long now = source.getAsLong();
        if (++counted >= RATE_READS) {
            if (now - countedFromMs <= RATE_WINDOW_MS) {
                startTicking(now);
            }
            counted = 0;
            countedFromMs = now;
        }
        return now;
    }

    /** Whether reads return the thread's copy. */
    boolean ticking() {
        return ticking;
    }

    /** Whether a thread is ticking or waiting between turns. */
    synchronized boolean threadAlive() {
        return thread != null;
    }

    /** How many threads the clock has started. */
    synchronized int threadsStarted() {
        return threadsStarted;
    }

    private synchronized void startTicking(long now) {
        if (ticking) {
            return;
        }
        nowMs = now;
        ticking = true;
        if (thread != null) {
            notifyAll(); // waiting between turns: it resumes
            return;
        }
        Thread started = threads.newThread(this::tick);
        try {
            started.start();
        } catch (OutOfMemoryError noThread) { // none to be had: reads take the source's time
            ticking = false;
            return;
        }
        thread = started;
        threadsStarted++;
    }

    private void tick() {
        while (true) {
            for (int i = 0; i < ticksPerTurn; i++) {
                LockSupport.parkNanos(tickNanos);
                nowMs = source.getAsLong();
            }
            synchronized (this) {
                ticking = false; // reads take the source again, and count
                boolean interrupted = false;
                try {
                    wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(tickNanos * ticksPerTurn)));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (!ticking || interrupted) { // not resumed within a turn: reads were not that frequent
                    ticking = false;
                    thread = null;
                    return;
                }
            }
        }
    }
}
