package dev.spool.queue;

/**
 * An item was refused because the buffer was full: at once under {@link WhenFull#FAIL}, or after
 * {@link DiskBufferConfig#blockTimeoutMs()} under {@link WhenFull#BLOCK}. Nothing was written; the
 * caller may retry once the consumer has caught up.
 */
public final class BufferFullException extends RuntimeException {
    public BufferFullException(String message) {
        super(message);
    }
}
