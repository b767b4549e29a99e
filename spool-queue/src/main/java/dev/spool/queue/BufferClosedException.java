package dev.spool.queue;

/**
 * The buffer is closed, or was closed while the caller waited (a producer blocked on a full
 * buffer, a consumer waiting for an item). What the caller was enqueuing was not written.
 */
public final class BufferClosedException extends IllegalStateException {
    public BufferClosedException(String message) {
        super(message);
    }
}
