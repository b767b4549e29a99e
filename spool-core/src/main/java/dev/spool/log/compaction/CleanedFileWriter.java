package dev.spool.log.compaction;

import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes a cleaned file's batches through one buffer, so a round over a log of many small kept
 * runs makes one write per {@link #BUFFER_BYTES} instead of one per batch (a cleaned log of
 * scattered survivors is mostly batches of a record or two). Bytes are counted against the I/O
 * limit as they are written. The buffer is the cleaner's, reused from file to file. Not
 * thread-safe.
 */
final class CleanedFileWriter implements BatchRewriter.Sink {
    static final int BUFFER_BYTES = 512 << 10;

    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    private final Throttle throttle;
    private StorageFile file;
    private long position;

    CleanedFileWriter(Throttle throttle) {
        this.throttle = throttle;
    }

    /** Starts writing {@code out} from its start. */
    CleanedFileWriter start(StorageFile out) {
        file = out;
        position = 0;
        buffer.clear();
        return this;
    }

    @Override
    public void write(ByteBuffer batch) throws IOException {
        if (batch.remaining() > buffer.remaining()) {
            flush();
        }
        if (batch.remaining() > buffer.capacity()) {
            writeOut(batch.duplicate());
            return;
        }
        buffer.put(batch.duplicate());
    }

    /** Writes what is buffered; returns the file's length so far. */
    long finish() throws IOException {
        flush();
        return position;
    }

    private void flush() throws IOException {
        buffer.flip();
        if (buffer.hasRemaining()) {
            writeOut(buffer);
        }
        buffer.clear();
    }

    private void writeOut(ByteBuffer bytes) throws IOException {
        int size = bytes.remaining();
        throttle.acquire(size);
        file.write(bytes, position);
        position += size;
    }
}
