package dev.spool.log.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The read-only mappings behind {@link StorageFile#view}: the file in 64 MiB chunks, each mapped
 * the first time a view falls in it and kept for the next, so a view is a slice of a mapping that
 * exists (no system call, no copy) and the page faults of a chunk are paid once. A chunk mapped
 * while the file was shorter is mapped again, longer, when a view reaches past it; a view that
 * crosses a chunk boundary gets {@code null}, for the caller to copy instead.
 *
 * <p>Mappings are never unmapped here: the JDK unmaps one when the collector finds it and every
 * view of it unreachable, so a view can never outlive its memory. The price is that a deleted
 * file's space comes back only then (see {@link StorageFile#view}). {@link #dropFrom} forgets the
 * chunks a truncation cut, so that no later view reaches past the file's end.
 *
 * <p>Thread-safe: lookups read a published array; mapping is serialised.
 */
final class ReadMaps {
    static final int CHUNK_SHIFT = 26;
    static final long CHUNK_BYTES = 1L << CHUNK_SHIFT;
    private static final MappedByteBuffer[] NONE = new MappedByteBuffer[0];

    private final FileChannel channel;
    private volatile MappedByteBuffer[] chunks = NONE;

    ReadMaps(FileChannel channel) {
        this.channel = channel;
    }

    /**
     * A read-only, big-endian view of {@code [position, position + length)}, or {@code null} when
     * the range crosses a chunk boundary.
     *
     * @throws EOFException when the range reaches past the file's end
     */
    ByteBuffer view(long position, int length) throws IOException {
        int chunk = (int) (position >>> CHUNK_SHIFT);
        if (length <= 0 || ((position + length - 1) >>> CHUNK_SHIFT) != chunk) {
            return null;
        }
        int from = (int) (position & (CHUNK_BYTES - 1));
        MappedByteBuffer[] known = chunks;
        MappedByteBuffer map = chunk < known.length ? known[chunk] : null;
        if (map == null || map.capacity() < from + length) {
            map = map(chunk, from + length);
        }
        return map.slice(from, length);
    }

    private synchronized MappedByteBuffer map(int chunk, int needed) throws IOException {
        MappedByteBuffer[] known = chunks;
        MappedByteBuffer map = chunk < known.length ? known[chunk] : null;
        if (map != null && map.capacity() >= needed) {
            return map; // another reader mapped it meanwhile
        }
        long start = (long) chunk << CHUNK_SHIFT;
        long bytes = Math.min(CHUNK_BYTES, channel.size() - start);
        if (bytes < needed) {
            throw new EOFException("The file ends at " + (start + Math.max(bytes, 0)) + ", before "
                    + (start + needed));
        }
        map = channel.map(FileChannel.MapMode.READ_ONLY, start, bytes);
        MappedByteBuffer[] grown = Arrays.copyOf(known, Math.max(known.length, chunk + 1));
        grown[chunk] = map;
        chunks = grown;
        return map;
    }

    /** Forgets every chunk that reaches past {@code size} bytes (after a truncation to it). */
    synchronized void dropFrom(long size) {
        MappedByteBuffer[] known = chunks.clone();
        for (int i = 0; i < known.length; i++) {
            if (known[i] != null && ((long) i << CHUNK_SHIFT) + known[i].capacity() > size) {
                known[i] = null;
            }
        }
        chunks = known;
    }

    /** Forgets every chunk (the file is closing); views handed out keep theirs. */
    void clear() {
        chunks = NONE;
    }
}
