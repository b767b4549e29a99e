package dev.spool.log.segment;

import java.io.IOException;
import java.nio.file.Path;

/** A hash-chain sidecar ({@link ChainFile}) that cannot be read as written: bad header, wrong segment. */
public final class CorruptChainException extends IOException {
    private final Path file;
    private final long position;

    public CorruptChainException(Path file, long position, String problem) {
        super("Corrupt hash chain " + file + " at position " + position + ": " + problem);
        this.file = file;
        this.position = position;
    }

    public Path file() {
        return file;
    }

    public long position() {
        return position;
    }
}
