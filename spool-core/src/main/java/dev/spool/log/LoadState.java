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

    public static LoadState clean() {
        return new LoadState(true, OptionalLong.empty(), OptionalLong.empty());
    }
}
