package dev.spool.log.record.compression;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.xerial.snappy.Snappy;

/**
 * snappy, codec id 2, in snappy-java's stream framing ({@code SnappyOutputStream}), which is what
 * Kafka's Java clients write:
 * <pre>
 *  offset  size  field
 *       0     8  magic  82 'S' 'N' 'A' 'P' 'P' 'Y' 00
 *       8     4  version = 1              (big-endian)
 *      12     4  compatible version = 1   (big-endian)
 *      16     …  chunks: length (4, big-endian) then that many bytes of raw snappy,
 *                each chunk the compression of at most 32 KiB of input
 * </pre>
 * The framing has no checksum; the batch CRC covers the compressed bytes. As snappy-java's
 * {@code SnappyInputStream} (Kafka's reader) does, decompression also accepts a second header in
 * place of a chunk length (concatenated streams) and input without the header, read as one raw
 * snappy block (what librdkafka producers write). Unlike that stream, a raw block's claimed size and
 * every chunk's claimed size are checked against the limit before anything is allocated, and bytes
 * that are not a whole chunk are refused as truncated rather than ignored.
 */
final class SnappyCodec implements CompressionCodec {
    static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    static final int HEADER_BYTES = 16;
    static final int VERSION = 1;
    /** snappy-java's default block size: input bytes per chunk. */
    static final int CHUNK_INPUT_BYTES = 32 * 1024;
    /** The first four bytes of the magic read as a big-endian int: a header where a chunk length would be. */
    private static final int MAGIC_HEAD = 0x82534E41;

    private byte[] scratch;

    @Override
    public CompressionType type() {
        return CompressionType.SNAPPY;
    }

    @Override
    public int level() {
        return 0;
    }

    @Override
    public int compress(ByteBuffer source, ByteBuffer target) {
        ArrayRegion in = ArrayRegion.of(source);
        ArrayRegion out = ArrayRegion.target(target);
        if (out.length() < HEADER_BYTES) {
            return -1;
        }
        if (scratch == null) {
            scratch = new byte[Snappy.maxCompressedLength(CHUNK_INPUT_BYTES)];
        }
        byte[] dest = out.array();
        System.arraycopy(MAGIC, 0, dest, out.offset(), MAGIC.length);
        putIntBigEndian(dest, out.offset() + 8, VERSION);
        putIntBigEndian(dest, out.offset() + 12, VERSION);
        int at = out.offset() + HEADER_BYTES;
        for (int read = 0; read < in.length(); read += CHUNK_INPUT_BYTES) {
            int chunk = Math.min(CHUNK_INPUT_BYTES, in.length() - read);
            int compressed;
            try {
                compressed = Snappy.compress(in.array(), in.offset() + read, chunk, scratch, 0);
            } catch (IOException e) {
                throw new IllegalStateException("snappy failed to compress " + chunk + " bytes", e);
            }
            if (4 + compressed > out.end() - at) {
                return -1;
            }
            putIntBigEndian(dest, at, compressed);
            System.arraycopy(scratch, 0, dest, at + 4, compressed);
            at += 4 + compressed;
        }
        return at - out.offset();
    }

    @Override
    public ByteBuffer decompress(ByteBuffer source, int decompressedBytesMax, byte[] reuse)
            throws CorruptRecordException {
        ArrayRegion in = ArrayRegion.of(source);
        DecompressedBytes out = new DecompressedBytes(CompressionType.SNAPPY, in.length(), decompressedBytesMax, reuse);
        if (!hasHeaderAt(in, in.offset())) {
            // No stream header: one raw snappy block, as SnappyInputStream falls back to.
            decompressChunk(in.array(), in.offset(), in.length(), out, "raw block");
            return out.toBuffer();
        }
        int at = in.offset() + HEADER_BYTES;
        while (at < in.end()) {
            if (in.end() - at < 4) {
                throw truncated(at - in.offset(), 4, in.end() - at, "chunk length");
            }
            int length = getIntBigEndian(in.array(), at);
            if (length == MAGIC_HEAD) {
                if (!hasHeaderAt(in, at)) {
                    throw new CorruptRecordException("SNAPPY-compressed records have a broken stream header at byte "
                            + (at - in.offset()));
                }
                at += HEADER_BYTES;
                continue;
            }
            if (length < 0 || length > in.end() - at - 4) {
                throw length < 0
                        ? new CorruptRecordException("SNAPPY-compressed records have a chunk of negative length "
                                + length + " at byte " + (at - in.offset()))
                        : truncated(at - in.offset(), length, in.end() - at - 4, "chunk");
            }
            decompressChunk(in.array(), at + 4, length, out, "chunk at byte " + (at - in.offset()));
            at += 4 + length;
        }
        return out.toBuffer();
    }

    private static void decompressChunk(byte[] array, int offset, int length, DecompressedBytes out, String what)
            throws CorruptRecordException {
        try {
            if (!Snappy.isValidCompressedBuffer(array, offset, length)) {
                throw new CorruptRecordException("SNAPPY-compressed records are not valid snappy: the " + what
                        + " (" + length + " bytes) does not decode");
            }
            // The varint preamble claims the chunk's size; check the claim before making room for it.
            int claimed = Snappy.uncompressedLength(array, offset, length);
            out.reserve(claimed, true);
            int produced = Snappy.uncompress(array, offset, length, out.array(), out.size());
            if (produced != claimed) {
                throw new CorruptRecordException("SNAPPY-compressed records: the " + what + " claims " + claimed
                        + " bytes but decodes to " + produced);
            }
            out.advance(produced);
        } catch (CorruptRecordException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptRecordException("SNAPPY-compressed records are not valid snappy: the " + what
                    + " (" + length + " bytes) does not decode: " + e.getMessage(), e);
        }
    }

    private static boolean hasHeaderAt(ArrayRegion in, int at) {
        return in.end() - at >= HEADER_BYTES
                && Arrays.equals(in.array(), at, at + MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    private static CorruptRecordException truncated(int at, int expected, int available, String what) {
        return new CorruptRecordException("SNAPPY-compressed records are truncated: " + what + " at byte " + at
                + " needs " + expected + " bytes, " + available + " remain");
    }

    private static void putIntBigEndian(byte[] array, int at, int value) {
        array[at] = (byte) (value >>> 24);
        array[at + 1] = (byte) (value >>> 16);
        array[at + 2] = (byte) (value >>> 8);
        array[at + 3] = (byte) value;
    }

    private static int getIntBigEndian(byte[] array, int at) {
        return (array[at] & 0xff) << 24 | (array[at + 1] & 0xff) << 16 | (array[at + 2] & 0xff) << 8 | (array[at + 3] & 0xff);
    }
}
