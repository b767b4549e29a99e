package dev.spool.log.record.compression;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * lz4, codec id 3, in the LZ4 frame format (v1.5.1) as Kafka's {@code Lz4BlockOutputStream} writes
 * it for magic 1 and 2. All multi-byte fields little-endian:
 * <pre>
 *  offset  size  field
 *       0     4  magic 0x184D2204
 *       4     1  FLG  bits 7-6 version = 01, 5 block independence = 1, 4 block checksum,
 *                     3 content size, 2 content checksum, 1 reserved, 0 dictionary id (both 0)
 *       5     1  BD   bits 6-4 block maximum size: 4 = 64 KiB … 7 = 4 MiB; other bits 0
 *      (6     8  content size, only when FLG bit 3 is set)
 *       6     1  HC   (xxHash32 of FLG .. end of descriptor, seed 0) >> 8, low byte
 *       7     …  blocks: size (4; high bit set = stored uncompressed), data, (block checksum,
 *                xxHash32 of the data as stored, when FLG bit 4), then an end mark of size 0
 *                and (content checksum, xxHash32 of all decompressed bytes, when FLG bit 2)
 * </pre>
 * We write what Kafka writes: FLG 0x60 (independent blocks, no checksums, no content size), BD 0x40
 * (64 KiB blocks), a block stored uncompressed when compressing does not shrink it, and the level
 * mapping of Kafka: the default level 9 uses lz4's fast compressor, any other level its
 * high-compression one. So for equal input our frame is byte for byte Kafka's.
 *
 * <p>Magic 0 batches (which we never read) had a broken HC that included the magic; for v2 the HC
 * is the standard one and we check it, as Kafka does. Kafka refuses dependent blocks and a
 * dictionary id, and so do we. Where we are stricter than Kafka's reader: a content checksum, when
 * the producer wrote one, is verified (Kafka skips it), and bytes after the frame are refused (Kafka
 * ignores them). A block is never allowed to decode to more than the frame's block maximum size,
 * and the content size field, when present, is checked against the limit before anything else.
 */
final class Lz4Codec implements CompressionCodec {
    static final int MAGIC = 0x184D2204;
    /** Kafka's default lz4 level; it selects the fast compressor. */
    static final int LEVEL_DEFAULT = 9;
    static final int LEVEL_MIN = 1;
    static final int LEVEL_MAX = 17;
    private static final int BLOCK_UNCOMPRESSED_MASK = 0x80000000;
    private static final int FLG_VERSION_1 = 0x40;
    private static final int FLG_BLOCK_INDEPENDENCE = 0x20;
    private static final int FLG_BLOCK_CHECKSUM = 0x10;
    private static final int FLG_CONTENT_SIZE = 0x08;
    private static final int FLG_CONTENT_CHECKSUM = 0x04;
    private static final int FLG_RESERVED_AND_DICTIONARY_ID = 0x03;
    /** Block maximum size code 4: 64 KiB, Kafka's {@code BLOCKSIZE_64KB}. */
    private static final int BLOCK_SIZE_CODE = 4;
    private static final int BLOCK_BYTES = blockBytesMax(BLOCK_SIZE_CODE);

    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();
    private static final XXHash32 XXHASH = XXHashFactory.fastestInstance().hash32();

    private final int level;
    private final LZ4Compressor compressor;
    private byte[] scratch;

    Lz4Codec(int level) {
        if (level < LEVEL_MIN || level > LEVEL_MAX) {
            throw new IllegalArgumentException("lz4 level must be " + LEVEL_MIN + ".." + LEVEL_MAX + "; got " + level);
        }
        this.level = level;
        this.compressor = level == LEVEL_DEFAULT
                ? LZ4Factory.fastestInstance().fastCompressor()
                : LZ4Factory.fastestInstance().highCompressor(level);
    }

    @Override
    public CompressionType type() {
        return CompressionType.LZ4;
    }

    @Override
    public int level() {
        return level;
    }

    private static int blockBytesMax(int code) {
        return 1 << (2 * code + 8);
    }

    @Override
    public int compress(ByteBuffer source, ByteBuffer target) {
        ArrayRegion in = ArrayRegion.of(source);
        ArrayRegion out = ArrayRegion.target(target);
        if (out.length() < 7 + 4) {
            return -1;
        }
        if (scratch == null) {
            scratch = new byte[compressor.maxCompressedLength(BLOCK_BYTES)];
        }
        byte[] dest = out.array();
        int at = out.offset();
        putIntLittleEndian(dest, at, MAGIC);
        dest[at + 4] = (byte) (FLG_VERSION_1 | FLG_BLOCK_INDEPENDENCE);
        dest[at + 5] = (byte) (BLOCK_SIZE_CODE << 4);
        dest[at + 6] = headerChecksum(dest, at + 4, 2);
        at += 7;
        for (int read = 0; read < in.length(); read += BLOCK_BYTES) {
            int block = Math.min(BLOCK_BYTES, in.length() - read);
            int compressed = compressor.compress(in.array(), in.offset() + read, block, scratch, 0, scratch.length);
            boolean stored = compressed >= block;
            int size = stored ? block : compressed;
            if (4 + size > out.end() - at - 4) { // leave room for the end mark
                return -1;
            }
            putIntLittleEndian(dest, at, stored ? size | BLOCK_UNCOMPRESSED_MASK : size);
            System.arraycopy(stored ? in.array() : scratch, stored ? in.offset() + read : 0, dest, at + 4, size);
            at += 4 + size;
        }
        putIntLittleEndian(dest, at, 0);
        return at + 4 - out.offset();
    }

    @Override
    public ByteBuffer decompress(ByteBuffer source, int decompressedBytesMax, byte[] reuse)
            throws CorruptRecordException {
        ArrayRegion in = ArrayRegion.of(source);
        byte[] bytes = in.array();
        int end = in.end();
        DecompressedBytes out = new DecompressedBytes(CompressionType.LZ4, in.length(), decompressedBytesMax, reuse);
        FrameHeader header = readFrameHeader(in, decompressedBytesMax, out);
        int at = readBlocks(in, in.offset() + header.bytes(), header, out);
        if (header.contentChecksum()) {
            if (end - at < 4) {
                throw truncated(at - in.offset(), "content checksum");
            }
            if (XXHASH.hash(out.array(), 0, out.size(), 0) != getIntLittleEndian(bytes, at)) {
                throw corrupt("content checksum mismatch over " + out.size() + " decompressed bytes");
            }
            at += 4;
        }
        if (at != end) {
            throw corrupt((end - at) + " bytes follow the end of the frame");
        }
        return out.toBuffer();
    }

    /**
     * What the frame header says about the blocks that follow it: the FLG byte, the block maximum
     * size from BD, and the header's length (magic, descriptor and HC) in bytes.
     */
    private record FrameHeader(int flg, int blockBytesMax, int bytes) {
        boolean blockChecksum() {
            return (flg & FLG_BLOCK_CHECKSUM) != 0;
        }

        boolean contentChecksum() {
            return (flg & FLG_CONTENT_CHECKSUM) != 0;
        }
    }

    /**
     * Checks the magic, FLG, BD, the content size against the limit (when present) and HC, in that
     * order, so a frame that claims too much is refused before any block is read.
     */
    private static FrameHeader readFrameHeader(ArrayRegion in, int decompressedBytesMax, DecompressedBytes out)
            throws CorruptRecordException {
        byte[] bytes = in.array();
        int at = in.offset();
        if (in.length() < 7) {
            throw corrupt("the frame is " + in.length() + " bytes, shorter than the 7-byte frame header");
        }
        if (getIntLittleEndian(bytes, at) != MAGIC) {
            throw corrupt("the frame starts with 0x" + Integer.toHexString(getIntLittleEndian(bytes, at))
                    + ", not the LZ4 frame magic 0x184d2204");
        }
        int flg = bytes[at + 4] & 0xff;
        int bd = bytes[at + 5] & 0xff;
        if ((flg & 0xc0) != FLG_VERSION_1 || (flg & FLG_BLOCK_INDEPENDENCE) == 0
                || (flg & FLG_RESERVED_AND_DICTIONARY_ID) != 0) {
            throw corrupt("unsupported frame flags 0x" + Integer.toHexString(flg)
                    + " (need version 01, independent blocks, no dictionary id)");
        }
        int blockCode = (bd >>> 4) & 0x07;
        if ((bd & 0x8f) != 0 || blockCode < 4) {
            throw corrupt("invalid block descriptor 0x" + Integer.toHexString(bd));
        }
        int descriptorBytes = 2;
        if ((flg & FLG_CONTENT_SIZE) != 0) {
            if (in.length() < 15) {
                throw corrupt("the frame header is truncated: " + in.length() + " bytes, 15 needed with a content size");
            }
            long contentSize = getLongLittleEndian(bytes, at + 6);
            if (contentSize < 0 || contentSize > decompressedBytesMax) {
                throw out.claimsTooMuch(contentSize < 0 ? Long.MAX_VALUE : contentSize);
            }
            descriptorBytes += 8;
        }
        if (bytes[at + 4 + descriptorBytes] != headerChecksum(bytes, at + 4, descriptorBytes)) {
            throw corrupt("frame descriptor checksum mismatch");
        }
        return new FrameHeader(flg, blockBytesMax(blockCode), 4 + descriptorBytes + 1);
    }

    /**
     * Decodes the blocks from {@code at} up to and including the end mark into {@code out}, each
     * checked against the frame's block maximum and, when the frame has them, its block checksum.
     *
     * @return the position just after the end mark
     */
    private static int readBlocks(ArrayRegion in, int at, FrameHeader header, DecompressedBytes out)
            throws CorruptRecordException {
        byte[] bytes = in.array();
        int end = in.end();
        int blockBytesMax = header.blockBytesMax();
        boolean blockChecksum = header.blockChecksum();
        while (true) {
            if (end - at < 4) {
                throw truncated(at - in.offset(), "block size");
            }
            int sizeField = getIntLittleEndian(bytes, at);
            at += 4;
            if (sizeField == 0) {
                return at;
            }
            boolean stored = (sizeField & BLOCK_UNCOMPRESSED_MASK) != 0;
            int size = sizeField & ~BLOCK_UNCOMPRESSED_MASK;
            if (size > blockBytesMax) {
                throw corrupt("block at byte " + (at - 4 - in.offset()) + " is " + size
                        + " bytes, above the frame's block maximum of " + blockBytesMax);
            }
            if (end - at < size + (blockChecksum ? 4 : 0)) {
                throw truncated(at - 4 - in.offset(), "block of " + size + " bytes");
            }
            if (blockChecksum && XXHASH.hash(bytes, at, size, 0) != getIntLittleEndian(bytes, at + size)) {
                throw corrupt("block checksum mismatch at byte " + (at - 4 - in.offset()));
            }
            if (stored) {
                out.reserve(size, false);
                System.arraycopy(bytes, at, out.array(), out.size(), size);
                out.advance(size);
            } else {
                decompressBlock(bytes, at, size, blockBytesMax, out);
            }
            at += size + (blockChecksum ? 4 : 0);
        }
    }

    /**
     * A compressed block decodes to at most the frame's block maximum; room for that is made only
     * while the limit allows it, and near the limit the block is decoded with the remaining budget
     * as its bound, then re-tried with the full block bound only to tell "too big" from "garbage".
     */
    private static void decompressBlock(byte[] bytes, int at, int size, int blockBytesMax, DecompressedBytes out)
            throws CorruptRecordException {
        int room = Math.min(blockBytesMax, out.budget());
        out.reserve(room, false);
        try {
            out.advance(DECOMPRESSOR.decompress(bytes, at, size, out.array(), out.size(), room));
        } catch (LZ4Exception e) {
            if (room < blockBytesMax && decodesWithin(bytes, at, size, blockBytesMax)) {
                throw out.expandsTooMuch();
            }
            throw new CorruptRecordException("LZ4-compressed records are not valid lz4: a block of " + size
                    + " compressed bytes does not decode: " + e.getMessage(), e);
        }
    }

    private static boolean decodesWithin(byte[] bytes, int at, int size, int blockBytesMax) {
        try {
            DECOMPRESSOR.decompress(bytes, at, size, new byte[blockBytesMax], 0, blockBytesMax);
            return true;
        } catch (LZ4Exception e) {
            return false;
        }
    }

    private static byte headerChecksum(byte[] bytes, int at, int length) {
        return (byte) ((XXHASH.hash(bytes, at, length, 0) >> 8) & 0xff);
    }

    private static CorruptRecordException corrupt(String what) {
        return new CorruptRecordException("LZ4-compressed records are not a valid LZ4 frame: " + what);
    }

    private static CorruptRecordException truncated(int at, String what) {
        return new CorruptRecordException("LZ4-compressed records are truncated: the " + what + " at byte " + at
                + " runs past the end of the frame");
    }

    private static void putIntLittleEndian(byte[] array, int at, int value) {
        array[at] = (byte) value;
        array[at + 1] = (byte) (value >>> 8);
        array[at + 2] = (byte) (value >>> 16);
        array[at + 3] = (byte) (value >>> 24);
    }

    private static int getIntLittleEndian(byte[] array, int at) {
        return (array[at] & 0xff) | (array[at + 1] & 0xff) << 8 | (array[at + 2] & 0xff) << 16 | (array[at + 3] & 0xff) << 24;
    }

    private static long getLongLittleEndian(byte[] array, int at) {
        return (getIntLittleEndian(array, at) & 0xffffffffL) | (long) getIntLittleEndian(array, at + 4) << 32;
    }
}
