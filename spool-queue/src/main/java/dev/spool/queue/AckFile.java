package dev.spool.queue;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer's acknowledged position, {@value #FILE_NAME} in the buffer's directory: the offset
 * below which every item is acknowledged. Two fixed slots, written in turn in place:
 * <pre>
 *  file:  slot 0 (bytes 0..31) | slot 1 (bytes 32..63)        big-endian
 *
 *  slot   offset  size  field
 *         0       4     magic 0x5350414B ("SPAK")
 *         4       2     version (1)
 *         6       2     reserved, 0
 *         8       8     write count: the slot of a write is count % 2; the valid slot with the larger count wins
 *         16      8     acknowledged offset: every item below it is acknowledged
 *         24      4     CRC-32C of bytes 0..23
 *         28      4     reserved, 0
 * </pre>
 *
 * <h2>Why a file of its own</h2>
 * The log's {@code log-start-offset-checkpoint} holds the same position, but it is written by
 * replacing two files (tmp, fsync, rename, fsync the directory, twice): measured on the
 * benchmark machine, 10 to 26 ms per acknowledgement. This file is one 32-byte positional write,
 * plus one {@code fdatasync} under strict durability, so an acknowledgement is as durable as an
 * enqueue: relaxed survives a process crash (the page cache keeps it), strict survives power loss.
 * The file is created at its full 64 bytes (slot 0 holding the position at creation), so every
 * later write is in place and needs no new space: acknowledging (which frees space) works on a
 * full disk.
 *
 * <p>The slots make a torn write harmless: it damages one slot, whose CRC then fails, and the other
 * still holds the previous position (integrity never rests on a sector being written atomically).
 * Losing the file, or both slots, loses only progress: the log's own checkpoint, behind this one,
 * gives the position, and the items above it are delivered again (at-least-once). The file is only
 * ever ahead of the log's start offset, and on open the buffer moves the log start up to it.
 *
 * <p>Not thread-safe: the buffer's consumer writes it.
 */
final class AckFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AckFile.class);
    static final String FILE_NAME = "consumer-position";
    static final int MAGIC = 0x5350414B;
    static final short VERSION = 1;
    static final int SLOT_BYTES = 32;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int COUNT_OFFSET = 8;
    static final int ACKED_OFFSET = 16;
    static final int CRC_OFFSET = 24;
    /** Bytes the CRC covers: magic through acknowledged offset. */
    static final int CRC_COVERED_BYTES = CRC_OFFSET;

    private final StorageFile file;
    private final ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES);
    private long writeCount;

    private AckFile(StorageFile file, long writeCount) {
        this.file = file;
        this.writeCount = writeCount;
    }

    /** The position held (empty for a new file, or one with no valid slot) and the file open for writing. */
    record Opened(AckFile file, OptionalLong ackedOffset) {
    }

    /**
     * Opens the file in {@code dir}; a new one is written whole (slot 0 holding
     * {@code initialOffset}, slot 1 empty), forced, and its directory synced.
     */
    static Opened open(FileIO io, Path dir, long initialOffset) throws IOException {
        Path path = dir.resolve(FILE_NAME);
        boolean existed = io.exists(path);
        StorageFile file = io.open(path, FileIO.OpenMode.CREATE);
        try {
            if (!existed || file.size() == 0) {
                AckFile created = new AckFile(file, 0);
                created.write(initialOffset, false);
                file.write(ByteBuffer.allocate(SLOT_BYTES), SLOT_BYTES);
                file.force(true);
                io.syncDirectory(dir); // so later fdatasyncs of the file are durable under strict acknowledgement
                return new Opened(created, OptionalLong.empty());
            }
            ByteBuffer bytes = ByteBuffer.allocate(2 * SLOT_BYTES);
            while (bytes.hasRemaining() && file.read(bytes, bytes.position()) > 0) {
                // read both slots, or what there is of them
            }
            bytes.flip();
            long bestCount = -1;
            long bestOffset = -1;
            for (int slotAt = 0; slotAt + SLOT_BYTES <= bytes.limit(); slotAt += SLOT_BYTES) {
                if (valid(bytes, slotAt) && bytes.getLong(slotAt + COUNT_OFFSET) > bestCount) {
                    bestCount = bytes.getLong(slotAt + COUNT_OFFSET);
                    bestOffset = bytes.getLong(slotAt + ACKED_OFFSET);
                }
            }
            if (bestCount < 0) {
                if (bytes.limit() > 0) {
                    LOG.warn("{}: neither slot is valid ({} bytes); the log's own checkpoint gives the consumer "
                            + "position, and items above it are delivered again", path, bytes.limit());
                }
                return new Opened(new AckFile(file, 0), OptionalLong.empty());
            }
            return new Opened(new AckFile(file, bestCount + 1), OptionalLong.of(bestOffset));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Whether the slot at {@code at} has the magic, a known version, a CRC that matches and a sane offset. */
    static boolean valid(ByteBuffer bytes, int at) {
        return bytes.getInt(at + MAGIC_OFFSET) == MAGIC && bytes.getShort(at + VERSION_OFFSET) == VERSION
                && (bytes.getInt(at + CRC_OFFSET) & 0xFFFFFFFFL) == crc(bytes, at)
                && bytes.getLong(at + COUNT_OFFSET) >= 0 && bytes.getLong(at + ACKED_OFFSET) >= 0;
    }

    static long crc(ByteBuffer bytes, int at) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate().position(at).limit(at + CRC_COVERED_BYTES));
        return crc.getValue();
    }

    /** Writes {@code ackedOffset} into the next slot; with {@code force}, fdatasyncs it before returning. */
    void write(long ackedOffset, boolean force) throws IOException {
        ByteBuffer out = slot.clear();
        out.putInt(MAGIC_OFFSET, MAGIC).putShort(VERSION_OFFSET, VERSION).putShort(VERSION_OFFSET + 2, (short) 0)
                .putLong(COUNT_OFFSET, writeCount).putLong(ACKED_OFFSET, ackedOffset)
                .putInt(CRC_OFFSET, (int) crc(out, 0)).putInt(CRC_OFFSET + 4, 0);
        file.write(out.position(0).limit(SLOT_BYTES), (writeCount % 2) * SLOT_BYTES);
        writeCount++;
        if (force) {
            file.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
