package dev.spool.kafka.producer;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands out producer ids (InitProducerId) that are never reused, across restarts and crashes.
 *
 * <p>Ids are reserved in blocks of {@link #BLOCK_SIZE}: before the first id of a block is handed
 * out, the block's end is made durable in {@link ProducerIdBlockFile}. A restart continues from
 * the stored limit, skipping whatever was left of the last block: ids are plentiful (2^63), a
 * reused id is a silent duplicate or a wrongly fenced producer. Thread-safe.
 *
 * <p>A stored file that does not decode leaves the manager {@linkplain #failure() failed}: it
 * hands out no id at all (so none can be reissued), and everything else the server does goes on;
 * the failure is logged once, as an error naming the file.
 */
public final class ProducerIdManager {
    public static final int BLOCK_SIZE = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(ProducerIdManager.class);

    private final FileIO io;
    private final Path dir;
    private final Optional<String> failure;
    private long next;
    private long blockEnd;

    private ProducerIdManager(FileIO io, Path dir, long limit, Optional<String> failure) {
        this.io = io;
        this.dir = dir;
        this.next = limit;
        this.blockEnd = limit;
        this.failure = failure;
    }

    /**
     * Reads the stored limit in {@code dir}; ids handed out from now on are at or above it. A
     * damaged file gives a failed manager (see the class notes) rather than an exception.
     */
    public static ProducerIdManager open(FileIO io, Path dir) {
        try {
            return new ProducerIdManager(io, dir, ProducerIdBlockFile.read(io, dir), Optional.empty());
        } catch (IOException e) {
            String failure = e.getMessage() + "; InitProducerId is refused until the file is repaired";
            LOG.error("{}", failure);
            return new ProducerIdManager(io, dir, 0, Optional.of(failure));
        }
    }

    /** Why no id can be handed out (the stored file is damaged), if so. */
    public Optional<String> failure() {
        return failure;
    }

    /**
     * Whether {@code producerId} may have been handed out, now or before a restart: every id below
     * the next one (ids from earlier runs lie below the stored limit this run starts at).
     */
    public synchronized boolean issued(long producerId) {
        return producerId >= 0 && producerId < next;
    }

    /**
     * A producer id never handed out before; reserves a new block durably when needed.
     *
     * @throws IOException when the manager is {@linkplain #failure() failed}, or the new block cannot be stored
     */
    public synchronized long nextProducerId() throws IOException {
        if (failure.isPresent()) {
            throw new IOException(failure.get());
        }
        if (next >= blockEnd) {
            long end = Math.addExact(next, BLOCK_SIZE);
            ProducerIdBlockFile.write(io, dir, end);
            blockEnd = end;
        }
        return next++;
    }
}
