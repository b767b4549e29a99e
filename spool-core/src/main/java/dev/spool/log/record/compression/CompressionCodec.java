package dev.spool.log.record.compression;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import java.nio.ByteBuffer;

/**
 * One of Kafka's batch codecs, applied to the records section of a v2 batch (everything after the
 * 61-byte header) as one block. The stream framings are Kafka's, so that Kafka's own classes read
 * what we compress and we read what they compress:
 * <ul>
 *   <li>{@link CompressionType#GZIP}: RFC 1952, as the JDK's GZIP streams write it ({@link GzipCodec});</li>
 *   <li>{@link CompressionType#SNAPPY}: snappy-java's stream framing, 16-byte header then
 *       length-prefixed raw snappy chunks of 32 KiB input ({@link SnappyCodec});</li>
 *   <li>{@link CompressionType#LZ4}: the LZ4 frame format as Kafka's {@code Lz4BlockOutputStream}
 *       writes it: 64 KiB independent blocks, no checksums ({@link Lz4Codec});</li>
 *   <li>{@link CompressionType#ZSTD}: one zstd frame ({@link ZstdCodec}).</li>
 * </ul>
 *
 * <p>Compression is bounded by the caller's target: a codec that cannot fit the compressed form in
 * the target's remaining bytes gives up and returns -1, which is how {@code BatchBuilder} keeps the
 * compressed form only when it is smaller. Decompression is bounded by {@code decompressedBytesMax}:
 * no size claimed by the input is trusted or allocated before it is checked against that limit, and
 * output beyond it is refused, so a decompression bomb costs at most the limit in memory.
 *
 * <p>Thread-safety: {@link #compress} reuses per-instance state (deflater, zstd context, scratch
 * arrays, all freed when the instance becomes unreachable) and is confined to one thread, like the
 * builder that owns the instance;
 * {@link #decompress} uses only local state (and the caller's {@code reuse} array) and is safe from any thread.
 */
public interface CompressionCodec {

    CompressionType type();

    /** The level this instance compresses at, in the codec's own scale (as Kafka's {@code compression.*.level}). */
    int level();

    /**
     * Compresses {@code source}'s remaining bytes into {@code target} from its position. Returns the
     * number of bytes written, or -1 when the compressed form does not fit in {@code target.remaining()}
     * (then {@code target}'s contents past its position are unspecified). Neither buffer's position or
     * limit is moved. {@code source} and {@code target} must be heap buffers.
     */
    int compress(ByteBuffer source, ByteBuffer target);

    /**
     * Decompresses all of {@code source}'s remaining bytes (position untouched) into a new heap
     * buffer positioned at 0 with the decompressed bytes as its remaining content.
     *
     * @throws CorruptRecordException when the input is truncated or not valid for this codec, or
     *                                claims or expands to more than {@code decompressedBytesMax} bytes
     */
    default ByteBuffer decompress(ByteBuffer source, int decompressedBytesMax) throws CorruptRecordException {
        return decompress(source, decompressedBytesMax, null);
    }

    /**
     * As {@link #decompress(ByteBuffer, int)}, writing into {@code reuse} when it is given and no
     * larger than {@code decompressedBytesMax} (its old content is overwritten): the result is a
     * buffer over {@code reuse}, or over a new, larger array when the output did not fit, which the
     * caller keeps for its next call. So a reader that decompresses batch after batch allocates only
     * when a batch is larger than any before it.
     */
    ByteBuffer decompress(ByteBuffer source, int decompressedBytesMax, byte[] reuse) throws CorruptRecordException;

    /** A codec of {@code type} at its default level (Kafka's default for that codec). */
    static CompressionCodec of(CompressionType type) {
        return switch (type) {
            case GZIP -> new GzipCodec(GzipCodec.LEVEL_DEFAULT);
            case SNAPPY -> new SnappyCodec();
            case LZ4 -> new Lz4Codec(Lz4Codec.LEVEL_DEFAULT);
            case ZSTD -> new ZstdCodec(ZstdCodec.LEVEL_DEFAULT);
            case NONE -> throw new IllegalArgumentException("NONE is not a compression codec");
        };
    }

    /**
     * A codec of {@code type} at {@code level}, with the ranges Kafka accepts: gzip 1–9 (or -1 for
     * the default), lz4 1–17, zstd the library's range (negative levels are zstd's fast modes);
     * snappy has no levels and takes only 0. Throws {@link IllegalArgumentException} otherwise.
     */
    static CompressionCodec of(CompressionType type, int level) {
        return switch (type) {
            case GZIP -> new GzipCodec(level);
            case SNAPPY -> {
                if (level != 0) {
                    throw new IllegalArgumentException("snappy has no compression levels; got " + level);
                }
                yield new SnappyCodec();
            }
            case LZ4 -> new Lz4Codec(level);
            case ZSTD -> new ZstdCodec(level);
            case NONE -> throw new IllegalArgumentException("NONE is not a compression codec");
        };
    }
}
