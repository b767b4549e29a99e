package dev.spool.log.record.compression;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;

/**
 * zstd, codec id 4: the records section is one zstd frame (RFC 8878). We compress in one call with
 * a reused context, so our frames carry the content size in their header; Kafka's streaming writer
 * leaves it out. Both are plain zstd frames and both sides read either.
 *
 * <p>Decompression streams through zstd-jni with the output bounded by the limit. Two more bounds
 * keep a hostile frame cheap: a declared content size above the limit is refused before decoding,
 * and the window (the decoder's own native buffer, declared by the frame) may be at most
 * 2^{@value #WINDOW_LOG_MAX} bytes, zstd's default limit, which is also what Kafka's reader allows,
 * so every frame a Kafka broker accepts is accepted here.
 */
final class ZstdCodec implements CompressionCodec {
    /** Kafka's default zstd level. */
    static final int LEVEL_DEFAULT = 3;
    /** zstd's {@code ZSTD_WINDOWLOG_LIMIT_DEFAULT}: 128 MiB of window at most. */
    static final int WINDOW_LOG_MAX = 27;
    private static final long CONTENT_SIZE_UNKNOWN = -1L;
    /**
     * zstd-jni's contexts hold native memory and have no finalizer or cleaner of their own; a
     * builder has no close(), so the context is freed when its codec becomes unreachable.
     */
    private static final Cleaner CLEANER = Cleaner.create();

    private final int level;
    private ZstdCompressCtx context;

    ZstdCodec(int level) {
        if (level < Zstd.minCompressionLevel() || level > Zstd.maxCompressionLevel()) {
            throw new IllegalArgumentException("zstd level must be " + Zstd.minCompressionLevel() + ".."
                    + Zstd.maxCompressionLevel() + "; got " + level);
        }
        this.level = level;
    }

    @Override
    public CompressionType type() {
        return CompressionType.ZSTD;
    }

    @Override
    public int level() {
        return level;
    }

    @Override
    public int compress(ByteBuffer source, ByteBuffer target) {
        ArrayRegion in = ArrayRegion.of(source);
        ArrayRegion out = ArrayRegion.target(target);
        if (context == null) {
            ZstdCompressCtx created = new ZstdCompressCtx().setLevel(level).setContentSize(true).setChecksum(false);
            CLEANER.register(this, created::close); // the action holds the context, never this codec
            context = created;
        }
        try {
            return context.compressByteArray(out.array(), out.offset(), out.length(), in.array(), in.offset(),
                    in.length());
        } catch (ZstdException e) {
            if (e.getErrorCode() == Zstd.errDstSizeTooSmall()) {
                return -1;
            }
            throw new IllegalStateException("zstd failed to compress " + in.length() + " bytes: " + e.getMessage(), e);
        }
    }

    @Override
    public ByteBuffer decompress(ByteBuffer source, int decompressedBytesMax, byte[] reuse)
            throws CorruptRecordException {
        ArrayRegion in = ArrayRegion.of(source);
        DecompressedBytes out = new DecompressedBytes(CompressionType.ZSTD, in.length(), decompressedBytesMax, reuse);
        long declared = in.length() == 0 ? 0 : Zstd.getFrameContentSize(in.array(), in.offset(), in.length());
        if (declared != CONTENT_SIZE_UNKNOWN && declared > decompressedBytesMax) {
            throw out.claimsTooMuch(declared);
        }
        try (ZstdInputStreamNoFinalizer zstd = new ZstdInputStreamNoFinalizer(in.stream())) {
            zstd.setLongMax(WINDOW_LOG_MAX);
            out.readFully(zstd);
        } catch (CorruptRecordException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            throw new CorruptRecordException("ZSTD-compressed records " + (message.contains("runcated")
                    ? "are truncated" : "are not a valid zstd frame") + " after " + out.size() + " decompressed bytes ("
                    + in.length() + " compressed bytes): " + message, e);
        }
        if (out.size() == 0 && in.length() == 0) {
            throw new CorruptRecordException("ZSTD-compressed records are empty: no zstd frame");
        }
        return out.toBuffer();
    }
}
