package dev.spool.kafka.producer;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Hands out producer ids (InitProducerId) that are never reused, across restarts and crashes.
 *
 * <p>Ids are reserved in blocks of {@link #BLOCK_SIZE}: before the first id of a block is handed
 * out, the block's end is made durable in {@link ProducerIdBlockFile}. A restart continues from
 * the stored limit, skipping whatever was left of the last block: ids are plentiful (2^63), a
 * reused id is a silent duplicate or a wrongly fenced producer. Thread-safe.
 */
public final class ProducerIdManager {
    public static final int BLOCK_SIZE = 1000;

    private final FileIO io;
    private final Path dir;
    private long next;
    private long blockEnd;

    private ProducerIdManager(FileIO io, Path dir, long limit) {
        this.io = io;
        this.dir = dir;
        this.next = limit;
        this.blockEnd = limit;
    }

    /** Reads the stored limit in {@code dir}; ids handed out from now on are at or above it. */
    public static ProducerIdManager open(FileIO io, Path dir) throws IOException {
        return new ProducerIdManager(io, dir, ProducerIdBlockFile.read(io, dir));
    }

    /** A producer id never handed out before; reserves a new block durably when needed. */
    public synchronized long nextProducerId() throws IOException {
        if (next >= blockEnd) {
            long end = Math.addExact(next, BLOCK_SIZE);
            ProducerIdBlockFile.write(io, dir, end);
            blockEnd = end;
        }
        return next++;
    }
}
