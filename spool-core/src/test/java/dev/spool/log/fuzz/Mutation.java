package dev.spool.log.fuzz;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * One edit of a valid file, as a mutation fuzzer makes them: flip a bit, overwrite a byte, cut or
 * extend the file, copy a range over another (a misdirected or spliced write), zero a range (a
 * lost sector), or write an "interesting" number (0, -1, the extremes, the input's own length and
 * its neighbours) as a big-endian int or a zig-zag varint, which is how length and count fields
 * get their hostile values. One kind knows the record batch format: it writes an interesting
 * number into a chosen header field of a chosen batch of a segment (found by walking the batch
 * lengths), so that header damage is not left to the odds of a random position. Where the edit lands is a fraction of the input's length, so the
 * same mutation scales to any input and jqwik can shrink it.
 *
 * @param kind  what to do
 * @param where where, as a fraction of the input's length in {@code [0, 1)}
 * @param span  how much (bytes cut, copied, zeroed, added), as a fraction in {@code [0, 1)}
 * @param value the bit, byte or interesting number to use (taken modulo what the kind needs)
 */
record Mutation(Kind kind, double where, double span, int value) {

    /** The edits. */
    enum Kind {
        FLIP_BIT, SET_BYTE, TRUNCATE, EXTEND_RANDOM, EXTEND_ZEROS, COPY_RANGE, DELETE_RANGE, ZERO_RANGE,
        INTERESTING_INT, INTERESTING_VARINT, BATCH_HEADER_FIELD
    }

    /** The fields of a batch header, as {offset, width}: RecordBatch's layout. */
    private static final int[][] HEADER_FIELDS = {{0, 8}, {8, 4}, {12, 4}, {16, 1}, {17, 4}, {21, 2}, {23, 4},
            {27, 8}, {35, 8}, {43, 8}, {51, 2}, {53, 4}, {57, 4}};

    /** Numbers that break length and count checks: signs, extremes, powers of two and off-by-ones. */
    private static final long[] INTERESTING = {0, 1, -1, 2, 6, 7, 12, 48, 49, 60, 61, 0x7f, 0x80, 0xff, 0x100,
            0x7fff, 0x8000, 0xffff, 1 << 16, 1 << 20, (1 << 20) + 12, 1 << 24, 1 << 30, Integer.MAX_VALUE,
            Integer.MIN_VALUE, Integer.MAX_VALUE - 11, Integer.MAX_VALUE - 12, -12, -13, -61, -100};

    /** One to {@code max} edits. */
    static Arbitrary<List<Mutation>> lists(int max) {
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.of(Kind.class),
                Arbitraries.doubles().between(0, 1).filter(d -> d < 1),
                Arbitraries.doubles().between(0, 1).filter(d -> d < 1),
                Arbitraries.integers()).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(max);
    }

    static byte[] applyAll(byte[] input, List<Mutation> mutations) {
        byte[] out = input;
        for (Mutation mutation : mutations) {
            out = mutation.apply(out);
        }
        return out;
    }

    /** The edited copy; the input is not changed. */
    byte[] apply(byte[] input) {
        int length = input.length;
        int at = (int) (where * length);
        int amount = (int) (span * Math.max(1, length)) + 1;
        byte[] out = input.clone();
        switch (kind) {
            case FLIP_BIT -> {
                if (length > 0) {
                    out[at] ^= (byte) (1 << Math.floorMod(value, 8));
                }
            }
            case SET_BYTE -> {
                if (length > 0) {
                    out[at] = (byte) value;
                }
            }
            case TRUNCATE -> out = Arrays.copyOf(input, at);
            case EXTEND_RANDOM -> {
                out = Arrays.copyOf(input, length + Math.min(amount, 4096));
                java.util.SplittableRandom random = new java.util.SplittableRandom(value);
                for (int i = length; i < out.length; i++) {
                    out[i] = (byte) random.nextInt(256);
                }
            }
            case EXTEND_ZEROS -> out = Arrays.copyOf(input, length + Math.min(amount, 4096));
            case COPY_RANGE -> {
                if (length > 0) {
                    int from = Math.floorMod(value, length);
                    int count = Math.min(amount, Math.min(length - from, length - at));
                    System.arraycopy(input, from, out, at, count);
                }
            }
            case DELETE_RANGE -> {
                int count = Math.min(amount, length - at);
                out = new byte[length - count];
                System.arraycopy(input, 0, out, 0, at);
                System.arraycopy(input, at + count, out, at, length - at - count);
            }
            case ZERO_RANGE -> Arrays.fill(out, at, Math.min(length, at + amount), (byte) 0);
            case INTERESTING_INT -> {
                if (length >= 4) {
                    int position = Math.min(at, length - 4);
                    ByteBuffer.wrap(out).putInt(position, (int) interesting(length));
                }
            }
            case BATCH_HEADER_FIELD -> {
                java.util.List<Integer> starts = batchStarts(input);
                int[] field = HEADER_FIELDS[(int) (span * HEADER_FIELDS.length)];
                int position = starts.isEmpty() ? at : starts.get((int) (where * starts.size())) + field[0];
                long number = interesting(length);
                for (int i = 0; i < field[1] && position + i < length; i++) {
                    out[position + i] = (byte) (number >> (8 * (field[1] - 1 - i)));
                }
            }
            case INTERESTING_VARINT -> {
                byte[] varint = zigZagVarint(interesting(length));
                int position = Math.min(at, Math.max(0, length - varint.length));
                System.arraycopy(varint, 0, out, position, Math.min(varint.length, length - position));
            }
        }
        return out;
    }

    /** Where each whole batch starts, walking the length fields from byte 0 while they are sane. */
    private static java.util.List<Integer> batchStarts(byte[] bytes) {
        java.util.List<Integer> starts = new java.util.ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        for (int at = 0; bytes.length - at >= 61; ) {
            int length = buffer.getInt(at + 8);
            if (length < 49 || (long) at + 12 + length > bytes.length) {
                break;
            }
            starts.add(at);
            at += 12 + length;
        }
        return starts;
    }

    private long interesting(int length) {
        int pick = Math.floorMod(value, INTERESTING.length + 3);
        return pick < INTERESTING.length ? INTERESTING[pick] : length + (pick - INTERESTING.length) - 1;
    }

    private static byte[] zigZagVarint(long value) {
        long v = (value << 1) ^ (value >> 63);
        ByteBuffer out = ByteBuffer.allocate(10);
        while ((v & ~0x7FL) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
        return Arrays.copyOf(out.array(), out.position());
    }
}
