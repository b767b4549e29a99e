package dev.spool.log.compaction;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A bounded map from a record key to the offset of its latest record, the cleaner's first pass.
 *
 * <h2>Design</h2>
 * Keys are not stored: each is reduced to its 16-byte MD5 digest, as Kafka's cleaner does, and
 * the digest with an 8-byte offset fills one slot of a flat, open-addressed array of
 * {@code memoryBytes / 24} slots (linear probing). Memory is fixed at construction whatever the
 * keys' sizes. The map accepts entries up to {@link #LOAD_FACTOR} of its slots so probes stay short;
 * {@link #isFull()} tells the cleaner to stop mapping.
 *
 * <p>Collisions: two different keys with the same digest would share an entry, and the older
 * key's latest record would be removed. MD5 is used for its spread, not its security: with 128
 * bits the chance of any collision among a billion keys is about 10^-21, far below the odds of
 * undetected disk corruption, and the digest costs less than the record decoding around it. A
 * shorter hash (8 bytes) would save a third of the memory but make a collision among a few
 * billion keys plausible (about 2^-64 * n^2 / 2), and a collision loses data silently.
 *
 * <p>Not thread-safe: one cleaner thread builds and reads it.
 */
public final class OffsetMap {
    /** Bytes of one slot: the key's digest and the offset. */
    static final int SLOT_BYTES = 24;
    private static final int DIGEST_BYTES = 16;
    /** The share of slots filled before the map reports full, as Kafka's default dedupe load. */
    static final double LOAD_FACTOR = 0.9;

    private final ByteBuffer slots;
    private final int slotCount;
    private final int entriesMax;
    private final MessageDigest md5;
    private final byte[] digest = new byte[DIGEST_BYTES];
    private int entries;

    /** A map in {@code memoryBytes} (at least one slot's worth). */
    public OffsetMap(int memoryBytes) {
        if (memoryBytes < SLOT_BYTES * 2) {
            throw new IllegalArgumentException("Offset map memory " + memoryBytes + " bytes is below the "
                    + SLOT_BYTES * 2 + " bytes of two slots");
        }
        this.slotCount = memoryBytes / SLOT_BYTES;
        this.slots = ByteBuffer.allocate(slotCount * SLOT_BYTES);
        this.entriesMax = Math.max(1, (int) (slotCount * LOAD_FACTOR));
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5, which every JVM provides, is missing", e);
        }
    }

    /** How many keys the map can take. */
    public int capacity() {
        return entriesMax;
    }

    public int size() {
        return entries;
    }

    public boolean isFull() {
        return entries >= entriesMax;
    }

    /** Empties the map for another log. */
    public void clear() {
        java.util.Arrays.fill(slots.array(), (byte) 0);
        entries = 0;
    }

    /**
     * Records {@code offset} as the latest for {@code key} (offsets arrive in increasing order).
     *
     * @throws IllegalStateException when the map is full and the key is new
     */
    public void put(ByteBuffer key, long offset) {
        hash(key);
        int slot = find();
        int at = slot * SLOT_BYTES;
        if (isEmptySlot(at)) {
            if (isFull()) {
                throw new IllegalStateException("Offset map is full at " + entries + " keys");
            }
            slots.put(at, digest);
            entries++;
        }
        // Offsets are stored plus one so that an all-zero slot means empty.
        slots.putLong(at + DIGEST_BYTES, offset + 1);
    }

    /** The latest offset recorded for {@code key}, or -1 when the map has none. */
    public long get(ByteBuffer key) {
        hash(key);
        int at = find() * SLOT_BYTES;
        return slots.getLong(at + DIGEST_BYTES) - 1;
    }

    /** The slot holding the current digest, or the empty slot where it would go. */
    private int find() {
        int slot = Math.floorMod(ByteBuffer.wrap(digest).getInt(), slotCount);
        while (true) {
            int at = slot * SLOT_BYTES;
            if (isEmptySlot(at) || sameDigest(at)) {
                return slot;
            }
            slot = slot + 1 == slotCount ? 0 : slot + 1;
        }
    }

    private boolean sameDigest(int at) {
        return java.util.Arrays.equals(slots.array(), at, at + DIGEST_BYTES, digest, 0, DIGEST_BYTES);
    }

    private boolean isEmptySlot(int at) {
        return slots.getLong(at + DIGEST_BYTES) == 0;
    }

    private void hash(ByteBuffer key) {
        md5.reset();
        md5.update(key.duplicate());
        try {
            md5.digest(digest, 0, DIGEST_BYTES);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("MD5 digest into 16 bytes failed", e);
        }
    }
}
