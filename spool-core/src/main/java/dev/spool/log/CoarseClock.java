package dev.spool.log;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The wall clock a log uses unless it is given another ({@link #SYSTEM}): a log reads its clock on every
 * append (to roll a segment by age), and a read of the system clock costs about 20 ns, an eighth
 * of a one-record append.
 *
 * <p>While the clock is read often, a daemon thread ({@code spool-clock}, one per clock) refreshes
 * a shared copy every millisecond and a read returns that copy: at most a tick behind (more only
 * while the machine is too busy to run the thread), never ahead. Once nobody has read the clock
 * for a second, the thread exits, and the next read takes the time from the source itself and
 * starts the thread again: a log appended to now and then sees the exact time. Thread-safe.
 */
public final class CoarseClock implements LongSupplier {
    /** The system clock ({@link System#currentTimeMillis()}): what a log and a log manager use by default. */
    public static final CoarseClock SYSTEM = new CoarseClock(System::currentTimeMillis, TimeUnit.MILLISECONDS.toNanos(1), 1_000);

    private static final VarHandle READ;

    static {
        try {
            READ = MethodHandles.lookup().findVarHandle(CoarseClock.class, "read", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LongSupplier source;
    private final long tickNanos;
    private final int idleTicksMax;
    private volatile long nowMs;
    private volatile boolean ticking;
    /** Set by readers, cleared by the thread each tick (opaque accesses: only eventual visibility is needed). */
    @SuppressWarnings("unused")
    private boolean read;

    /** A clock over {@code source}, refreshed every {@code tickNanos}, whose thread exits after {@code idleTicksMax} unread ticks. */
    CoarseClock(LongSupplier source, long tickNanos, int idleTicksMax) {
        this.source = source;
        this.tickNanos = tickNanos;
        this.idleTicksMax = idleTicksMax;
    }

    /** Milliseconds since the epoch, at most a tick behind the source while the clock is read often. */
    @Override
    public long getAsLong() {
        if (!ticking) {
            return start();
        }
        if (!(boolean) READ.getOpaque(this)) { // written once a tick at most, not on every read
            READ.setOpaque(this, true);
        }
        return nowMs;
    }

    /** Whether the thread runs (reads return its copy). */
    boolean ticking() {
        return ticking;
    }

    private synchronized long start() {
        long now = source.getAsLong();
        if (!ticking) {
            nowMs = now;
            Thread thread = new Thread(this::tick, "spool-clock");
            thread.setDaemon(true);
            try {
                thread.start();
                ticking = true;
            } catch (OutOfMemoryError noThread) { // no thread to be had: every read takes the source's time
                return now;
            }
        }
        return now;
    }

    private void tick() {
        int idle = 0;
        while (true) {
            LockSupport.parkNanos(tickNanos);
            nowMs = source.getAsLong();
            if ((boolean) READ.getOpaque(this)) {
                READ.setOpaque(this, false);
                idle = 0;
            } else if (++idle >= idleTicksMax) {
                synchronized (this) {
                    ticking = false;
                }
                return;
            }
        }
    }
}
