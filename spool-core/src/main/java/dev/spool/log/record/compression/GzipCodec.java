package dev.spool.log.record.compression;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/**
 * gzip (RFC 1952), codec id 1. Compression drives a reused {@link Deflater} straight into the
 * target and writes the 10-byte header and 8-byte trailer itself, as {@code GZIPOutputStream} does
 * (no name, no extra fields); decompression uses the JDK's {@link GZIPInputStream}, which is what
 * Kafka reads with, so the two accept the same inputs: concatenated members are read on, and bytes
 * after the last member that do not start another member are ignored.
 */
final class GzipCodec implements CompressionCodec {
    /** Kafka's default: zlib's own default, level 6. */
    static final int LEVEL_DEFAULT = Deflater.DEFAULT_COMPRESSION;
    private static final int HEADER_BYTES = 10;
    private static final int TRAILER_BYTES = 8;
    /** Magic 1f 8b, method 8 (deflate), no flags, no mtime, no extra flags, OS 255 (unknown). */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final int level;
    private Deflater deflater;
    private final CRC32 crc = new CRC32();

    GzipCodec(int level) {
        if ((level < Deflater.BEST_SPEED || level > Deflater.BEST_COMPRESSION) && level != Deflater.DEFAULT_COMPRESSION) {
            throw new IllegalArgumentException("gzip level must be 1..9 or -1 (default); got " + level);
        }
        this.level = level;
    }

    @Override
    public CompressionType type() {
        return CompressionType.GZIP;
    }

    @Override
    public int level() {
        return level;
    }

    @Override
    public int compress(ByteBuffer source, ByteBuffer target) {
        int capacity = target.remaining();
        if (capacity < HEADER_BYTES + TRAILER_BYTES) {
            return -1;
        }
        if (deflater == null) {
            // nowrap: raw deflate, the gzip header and trailer are ours. Ended by its cleaner with this codec.
            deflater = new Deflater(level, true);
        }
        deflater.reset();
        deflater.setInput(source.duplicate());
        deflater.finish();
        ByteBuffer out = target.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        out.put(HEADER);
        out.limit(out.limit() - TRAILER_BYTES);
        while (!deflater.finished()) {
            if (!out.hasRemaining()) {
                return -1;
            }
            deflater.deflate(out);
        }
        out.limit(out.limit() + TRAILER_BYTES);
        crc.reset();
        crc.update(source.duplicate());
        out.putInt((int) crc.getValue());
        out.putInt(source.remaining()); // ISIZE: input size modulo 2^32
        return out.position() - target.position();
    }

    @Override
    public ByteBuffer decompress(ByteBuffer source, int decompressedBytesMax, byte[] reuse)
            throws CorruptRecordException {
        ArrayRegion in = ArrayRegion.of(source);
        DecompressedBytes out = new DecompressedBytes(CompressionType.GZIP, in.length(), decompressedBytesMax, reuse);
        try (GZIPInputStream gzip = new GZIPInputStream(in.stream(), 8192)) {
            out.readFully(gzip);
        } catch (CorruptRecordException e) {
            throw e;
        } catch (EOFException e) {
            throw new CorruptRecordException("GZIP-compressed records are truncated after " + out.size()
                    + " decompressed bytes (" + in.length() + " compressed bytes): "
                    + (e.getMessage() == null ? "unexpected end of input" : e.getMessage()), e);
        } catch (IOException e) {
            throw new CorruptRecordException("GZIP-compressed records are not valid gzip after " + out.size()
                    + " decompressed bytes: " + e.getMessage(), e);
        }
        return out.toBuffer();
    }
}
