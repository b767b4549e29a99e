package dev.spool.kafka.producer;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The codec of {@code kafka-producer-ids}, the one file that keeps producer ids from ever being
 * handed out twice, across restarts and crashes.
 *
 * <h2>Layout (18 bytes, big-endian)</h2>
 * <pre>
 *  offset  size  field
 *       0     4  magic 0x53504944 ("SPID")
 *       4     2  version = 1
 *       6     8  idLimit: every producer id below it may have been handed out; the next start
 *                hands out ids from here on
 *      14     4  CRC-32C of bytes 0..13
 * </pre>
 * Written as a new file ({@code .tmp}), forced, renamed over the old one, then the directory is
 * forced, so a crash leaves the old limit or the new one, never a torn file. A file
 * that fails its checks is not guessed around, since a wrong limit could reissue ids and let a
 * retried batch of one producer pass as another's: the server hands out no producer id until the
 * file is repaired ({@link ProducerIdManager}), and serves everything else.
 */
public final class ProducerIdBlockFile {
    public static final String FILE_NAME = "kafka-producer-ids";
    static final int MAGIC = 0x53504944;
    static final short VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int ID_LIMIT_OFFSET = 6;
    static final int CRC_OFFSET = 14;
    static final int SIZE_BYTES = 18;

    private ProducerIdBlockFile() {
    }

    /** The stored limit, or 0 when the file does not exist (a new data directory). */
    public static long read(FileIO io, Path dir) throws IOException {
        Path path = dir.resolve(FILE_NAME);
        if (!io.exists(path)) {
            return 0L;
        }
        ByteBuffer bytes = ByteBuffer.allocate(SIZE_BYTES).order(ByteOrder.BIG_ENDIAN);
        try (StorageFile file = io.open(path, FileIO.OpenMode.READ)) {
            long size = file.size();
            if (size != SIZE_BYTES) {
                throw new IOException("Producer id file " + path + " is " + size + " bytes, expected " + SIZE_BYTES);
            }
            file.readFully(bytes, 0);
        }
        bytes.flip();
        return decode(bytes, path);
    }

    static long decode(ByteBuffer bytes, Path path) throws IOException {
        int magic = bytes.getInt(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new IOException("Producer id file " + path + " has magic 0x" + Integer.toHexString(magic)
                    + ", expected 0x" + Integer.toHexString(MAGIC));
        }
        short version = bytes.getShort(VERSION_OFFSET);
        if (version != VERSION) {
            throw new IOException("Producer id file " + path + " has version " + version + ", expected " + VERSION);
        }
        long stored = Integer.toUnsignedLong(bytes.getInt(CRC_OFFSET));
        long computed = crc(bytes);
        if (stored != computed) {
            throw new IOException("Producer id file " + path + " fails its CRC: stored 0x" + Long.toHexString(stored)
                    + ", computed 0x" + Long.toHexString(computed));
        }
        long limit = bytes.getLong(ID_LIMIT_OFFSET);
        if (limit < 0) {
            throw new IOException("Producer id file " + path + " holds a negative limit " + limit);
        }
        return limit;
    }

    static ByteBuffer encode(long idLimit) {
        ByteBuffer bytes = ByteBuffer.allocate(SIZE_BYTES).order(ByteOrder.BIG_ENDIAN);
        bytes.putInt(MAGIC_OFFSET, MAGIC).putShort(VERSION_OFFSET, VERSION).putLong(ID_LIMIT_OFFSET, idLimit);
        bytes.putInt(CRC_OFFSET, (int) crc(bytes));
        return bytes;
    }

    private static long crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.duplicate().position(0).limit(CRC_OFFSET));
        return crc.getValue();
    }

    /** Durably replaces the file with one holding {@code idLimit}. */
    public static void write(FileIO io, Path dir, long idLimit) throws IOException {
        Path path = dir.resolve(FILE_NAME);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        io.deleteIfExists(tmp);
        try (StorageFile file = io.open(tmp, FileIO.OpenMode.CREATE_NEW)) {
            file.write(encode(idLimit), 0);
            file.force(true);
        }
        io.rename(tmp, path);
        io.syncDirectory(dir);
    }
}
