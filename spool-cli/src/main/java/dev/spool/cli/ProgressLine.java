package dev.spool.cli;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr for long work, rewritten in place at most twice a second, and only
 * when stderr is a terminal: a person watching sees it move, a log file or a pipe gets nothing.
 * Java cannot ask whether stderr is a terminal, so the launchers tell it
 * ({@value #TERMINAL_PROPERTY}, from the shell's {@code [ -t 2 ]}). Not thread-safe.
 */
final class ProgressLine {
    static final String TERMINAL_PROPERTY = "spool.stderr.terminal";
    private static final long INTERVAL_NANOS = 500_000_000L;

    private final PrintStream err;
    private final boolean enabled;
    private final LongSupplier clockNanos;
    private long lastNanos;
    private boolean shown;

    ProgressLine(PrintStream err, boolean enabled, LongSupplier clockNanos) {
        this.err = err;
        this.enabled = enabled;
        this.clockNanos = clockNanos;
        this.lastNanos = clockNanos.getAsLong();
    }

    /** A progress line for stderr, on when the launcher said stderr is a terminal. */
    static ProgressLine forStderr(PrintStream err) {
        return new ProgressLine(err, Boolean.getBoolean(TERMINAL_PROPERTY), System::nanoTime);
    }

    /** Shows {@code text} if half a second passed since the last line. */
    void update(String text) {
        if (!enabled) {
            return;
        }
        long now = clockNanos.getAsLong();
        if (now - lastNanos < INTERVAL_NANOS) {
            return;
        }
        lastNanos = now;
        err.print("\r" + text + "\033[K");
        err.flush();
        shown = true;
    }

    /** Clears the line, so what follows starts on a clean one. */
    void done() {
        if (shown) {
            err.print("\r\033[K");
            err.flush();
            shown = false;
        }
    }
}
