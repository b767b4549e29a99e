package dev.spool.bench.cleaner;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The records both engines are given, identical in every child JVM: record {@code i} (also its
 * offset, as both logs start empty at 0) has the key chosen for it by a seeded random draw over
 * {@code keys} distinct keys, and a value that is a pure function of {@code i} and its key, so that
 * the check after cleaning can rebuild the expected latest value of each key without storing it.
 *
 * <p>Keys are 16 ASCII bytes, {@code key-} and a 12-digit number. Values are JSON-like text of
 * 90 to 114 bytes (102 on average): the key, the sequence number, a timestamp, a state word, a
 * score and a padding string whose length varies with the record. No tombstones: every record has
 * a value, so neither engine's delete-retention logic takes part.
 *
 * <p>Not thread-safe: one instance per generating thread.
 */
final class CleanerData {
    static final int KEY_BYTES = 16;
    private static final String[] STATES = {"active", "paused", "closed", "pending"};
    private static final long EPOCH_MS = 1_764_892_800_000L; // 2025-12-05T00:00:00Z, fixed so values do not depend on the clock
    private static final byte[] PAD = "abcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII);

    private final long records;
    private final int keys;
    private final long seed;
    private final byte[] key = new byte[KEY_BYTES];
    private final StringBuilder text = new StringBuilder(128);

    CleanerData(long records, int keys, long seed) {
        if (records < 1 || keys < 1) {
            throw new IllegalArgumentException("records " + records + " and keys " + keys + ": expected both >= 1");
        }
        this.records = records;
        this.keys = keys;
        this.seed = seed;
    }

    long records() {
        return records;
    }

    int keys() {
        return keys;
    }

    /** The key index of each record, drawn with the seed (one int per record). */
    int[] keyIndexes() {
        if (records > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("records " + records + " exceeds what one array holds");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] out = new int[(int) records];
        for (int i = 0; i < out.length; i++) {
            out[i] = random.nextInt(keys);
        }
        return out;
    }

    /**
     * The offset of each key's latest record, or -1 for a key never drawn (possible when
     * {@code records} is not much above {@code keys}).
     */
    static long[] latestOffsets(int[] keyIndexes, int keys) {
        long[] latest = new long[keys];
        Arrays.fill(latest, -1L);
        for (int i = 0; i < keyIndexes.length; i++) {
            latest[keyIndexes[i]] = i;
        }
        return latest;
    }

    /** The 16 key bytes of {@code keyIndex}, in a buffer this instance reuses. */
    byte[] key(int keyIndex) {
        key[0] = 'k';
        key[1] = 'e';
        key[2] = 'y';
        key[3] = '-';
        long n = keyIndex;
        for (int at = KEY_BYTES - 1; at >= 4; at--) {
            key[at] = (byte) ('0' + n % 10);
            n /= 10;
        }
        return key;
    }

    /** The key index written in {@code key} (16 bytes as {@link #key} makes them), or -1 if it is not one. */
    static int keyIndex(byte[] key) {
        if (key.length != KEY_BYTES || key[0] != 'k' || key[1] != 'e' || key[2] != 'y' || key[3] != '-') {
            return -1;
        }
        long n = 0;
        for (int at = 4; at < KEY_BYTES; at++) {
            int digit = key[at] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            n = n * 10 + digit;
        }
        return n > Integer.MAX_VALUE ? -1 : (int) n;
    }

    /** The value of record {@code offset}, whose key is {@code keyIndex}. */
    byte[] value(long offset, int keyIndex) {
        long mix = mix(seed ^ offset);
        text.setLength(0);
        text.append("{\"id\":\"");
        for (byte b : key(keyIndex)) {
            text.append((char) b);
        }
        text.append("\",\"seq\":").append(offset)
                .append(",\"ts\":").append(EPOCH_MS + offset)
                .append(",\"state\":\"").append(STATES[(int) (mix & 3)])
                .append("\",\"score\":").append((mix >>> 2) % 10_000)
                .append(",\"note\":\"");
        int padBytes = (int) ((mix >>> 20) % 25);
        for (int i = 0; i < padBytes; i++) {
            text.append((char) PAD[(int) Math.floorMod((mix >>> (i % 40)) + i, (long) PAD.length)]);
        }
        text.append("\"}");
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** SplitMix64's finalizer: a well-spread 64-bit function of {@code z}. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Adds a record's key and value to a checksum of the whole data set (the same in every child, or the run fails). */
    static void checksum(CRC32C crc, byte[] key, byte[] value) {
        crc.update(key);
        crc.update(value);
    }
}
