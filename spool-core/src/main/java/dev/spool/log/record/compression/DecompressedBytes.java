package dev.spool.log.record.compression;

import dev.spool.log.record.CompressionType;
import dev.spool.log.record.CorruptRecordException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The growing output of one decompression, never larger than its limit. Capacity starts from a
 * guess based on the compressed size and doubles, capped at {@code bytesMax}, so memory follows
 * the bytes actually produced, never a size field read from the input.
 */
final class DecompressedBytes {
    private static final int CAPACITY_MIN = 4096;
    /** A first guess of the expansion; JSON-like records compress about 4–10 times. */
    private static final int EXPANSION_GUESS = 4;

    private final CompressionType type;
    private final int bytesMax;
    private byte[] bytes;
    private int size;

    /**
     * Output starting in {@code reuse} when it is given and within the limit (then it is
     * overwritten), else in a new array sized by the guess.
     */
    DecompressedBytes(CompressionType type, int compressedBytes, int bytesMax, byte[] reuse) {
        if (bytesMax < 0) {
            throw new IllegalArgumentException("decompressedBytesMax " + bytesMax + " is negative");
        }
        this.type = type;
        this.bytesMax = bytesMax;
        // An array past the limit is never used: reads fill the array, and the limit is checked where it is full.
        this.bytes = reuse != null && reuse.length > 0 && reuse.length <= bytesMax ? reuse
                : new byte[(int) Math.min(bytesMax, Math.max(CAPACITY_MIN, (long) compressedBytes * EXPANSION_GUESS))];
    }

    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    /** Bytes that may still be produced before the limit is reached. */
    int budget() {
        return bytesMax - size;
    }

    /**
     * Makes room for {@code more} bytes at {@link #size()}, refusing first when that would pass the
     * limit; {@code claimed} says whether the count comes from a size field (a claim) or from output.
     */
    void reserve(long more, boolean claimed) throws CorruptRecordException {
        if (more > budget()) {
            throw claimed ? claimsTooMuch(size + more) : expandsTooMuch();
        }
        int needed = size + (int) more;
        if (needed > bytes.length) {
            long grown = Math.max(needed, Math.min(bytesMax, 2L * bytes.length));
            bytes = java.util.Arrays.copyOf(bytes, (int) grown);
        }
    }

    /** Records that {@code produced} bytes were written at {@link #size()} into the reserved room. */
    void advance(int produced) {
        if (produced < 0 || produced > bytes.length - size) {
            throw new IllegalStateException("Produced " + produced + " bytes with room for " + (bytes.length - size));
        }
        size += produced;
    }

    /**
     * Reads {@code in} to its end. Reading stops, with an exception, as soon as the output would pass
     * the limit: one byte past it is asked for so that "exactly the limit" and "more" are told apart.
     */
    void readFully(InputStream in) throws IOException {
        while (true) {
            if (size == bytes.length) {
                if (size == bytesMax) {
                    if (in.read() != -1) {
                        throw expandsTooMuch();
                    }
                    return;
                }
                reserve(Math.min(bytes.length, budget()), false);
            }
            int read = in.read(bytes, size, bytes.length - size);
            if (read == -1) {
                return;
            }
            size += read;
        }
    }

    ByteBuffer toBuffer() {
        return ByteBuffer.wrap(bytes, 0, size).slice();
    }

    CorruptRecordException expandsTooMuch() {
        return new CorruptRecordException(type + "-compressed records expand to more than the maximum of "
                + bytesMax + " decompressed bytes");
    }

    CorruptRecordException claimsTooMuch(long claimed) {
        return new CorruptRecordException(type + "-compressed records claim " + claimed
                + " decompressed bytes, more than the maximum of " + bytesMax);
    }
}
