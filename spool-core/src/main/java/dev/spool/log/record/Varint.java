package dev.spool.log.record;

import java.nio.ByteBuffer;

/**
 * Zig-zag variable-length integers as Kafka's record format uses them (the protobuf encoding):
 * 7 bits a byte, least significant group first, high bit set on every byte but the last.
 * Decoding is {@link RecordCursor}'s, bounded: a varint longer than 5 (int) or 10 (long) bytes is corrupt.
 */
public final class Varint {
    private Varint() {
    }

    /** Bytes of {@code value} as a zig-zag varint. */
    public static int sizeOfInt(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xFFFFFF80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static int sizeOfLong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xFFFFFFFFFFFFFF80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    /** Writes {@code value} as a zig-zag varint at {@code out}'s position. */
    public static void writeInt(int value, ByteBuffer out) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xFFFFFF80) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    static void writeLong(long value, ByteBuffer out) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xFFFFFFFFFFFFFF80L) != 0L) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }
}
