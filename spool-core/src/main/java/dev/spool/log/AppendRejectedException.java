package dev.spool.log;

/**
 * An append was refused because the log's bytes in flight reached {@link WriteConfig#inFlightBytesMax()}
 * (at once with {@link WriteConfig.WhenFull#FAIL}, or after {@link WriteConfig#blockTimeoutMs()} with
 * {@link WriteConfig.WhenFull#BLOCK}). Nothing was written; the caller may retry later.
 */
public final class AppendRejectedException extends RuntimeException {
    public AppendRejectedException(String message) {
        super(message);
    }
}
