package dev.spool.log.record;

import dev.spool.log.record.compression.CompressionCodec;
import java.nio.ByteBuffer;

/**
 * Decompresses the records section of batch after batch into one reused array, for
 * {@link RecordCursor}: it allocates only when a batch expands to more than any before it (and
 * whatever the codec's library needs per batch). An array whose bytes a {@link Record} was given
 * ({@link #handOut}) is left to it, and the next batch gets a new one. Not thread-safe.
 */
final class BatchDecompressor {
    private final int bytesMax;
    private final CompressionCodec[] codecs = new CompressionCodec[CompressionType.values().length];
    private byte[] array;
    private boolean handedOut;
    private RecordSection section = RecordSection.EMPTY;
    private int start;
    private int end;

    BatchDecompressor(int bytesMax) {
        if (bytesMax < 0) {
            throw new IllegalArgumentException("decompressedBytesMax " + bytesMax + " is negative");
        }
        this.bytesMax = bytesMax;
    }

    /**
     * Decompresses the records of the {@code size}-byte batch at {@code at} of {@code batches}
     * (codec {@code compression}); the records are then {@link #section()} from {@link #start()}
     * to {@link #end()}.
     */
    RecordSection decompress(ByteBuffer batches, int at, int size, CompressionType compression)
            throws CorruptRecordException {
        CompressionCodec codec = codecs[compression.id()];
        if (codec == null) {
            codec = CompressionCodec.of(compression);
            codecs[compression.id()] = codec;
        }
        ByteBuffer stored = batches.slice(at + RecordBatch.RECORDS_OFFSET, size - RecordBatch.RECORDS_OFFSET);
        ByteBuffer out = codec.decompress(stored, bytesMax, handedOut ? null : array);
        if (out.array() != array || handedOut) {
            array = out.array();
            handedOut = false;
            section = new RecordSection(ByteBuffer.wrap(array));
        }
        start = out.arrayOffset() + out.position();
        end = start + out.remaining();
        return section;
    }

    RecordSection section() {
        return section;
    }

    int start() {
        return start;
    }

    int end() {
        return end;
    }

    /** The current array's bytes now belong to a {@link Record} too: the next batch must not overwrite them. */
    void handOut() {
        handedOut = true;
    }
}
