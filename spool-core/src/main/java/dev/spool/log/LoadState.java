package dev.spool.log;

import java.util.OptionalLong;

/**
 * What the log manager knows about a log before opening it.
 *
 * @param cleanShutdown  the data directory's clean-shutdown marker was present
 * @param recoveryPoint  the checkpointed offset below which everything was flushed, if any
 * @param logStartOffset the checkpointed log start offset, if any
 */
public record LoadState(boolean cleanShutdown, OptionalLong recoveryPoint, OptionalLong logStartOffset) {

    /** Nothing known: scan everything, as after a crash with no checkpoint. */
    public static LoadState unknown() {
        return new LoadState(false, OptionalLong.empty(), OptionalLong.empty());
    }

    /**
     * A log written only with strict appends that keeps no checkpoint of its own (a server's
     * internal log): every byte may be unflushed (a recovery point at 0), so recovery scans it all
     * with the rules for unflushed data. A crash during a roll can leave the rolled segment ending
     * in the zeros allocated ahead of its appends; nothing after it was acknowledged (a strict
     * append forces every segment from the rolled one on), so recovery cuts it there instead of
     * refusing the log, as it would a log of unknown history ({@link #unknown()}).
     */
    public static LoadState strictOnly() {
        return new LoadState(false, OptionalLong.of(0), OptionalLong.empty());
    }

    public static LoadState clean() {
        return new LoadState(true, OptionalLong.empty(), OptionalLong.empty());
    }
}
