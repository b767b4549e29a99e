package dev.spool.queue;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The disk refused to write an item: it is full, or failed. The item was not stored (the
 * incomplete bytes of the write are cut when the buffer reopens its log) and the caller may send
 * it again; every item acknowledged before is safe. The buffer reopens its log on the next
 * enqueue and writes again once the disk takes writes; under {@link WhenFull#BLOCK} a producer
 * waits for that (up to {@link DiskBufferConfig#blockTimeoutMs()}) instead of getting this error.
 */
public final class BufferWriteException extends IOException {
    private final Path dir;

    public BufferWriteException(Path dir, int storedBytes, String when, Throwable cause) {
        super("Disk buffer " + dir + " could not write an item of " + storedBytes + " bytes" + when + ": "
                + cause.getMessage() + ". The item was not stored; items acknowledged before are safe", cause);
        this.dir = dir;
    }

    /** The buffer's directory. */
    public Path dir() {
        return dir;
    }
}
