package dev.spool.log.segment;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One step of the hash chain: {@code next = SHA-256(previous || batch bytes)}, computed in place
 * with a reused {@link MessageDigest} and no copy of the batch (the digest reads the buffer).
 * Not thread-safe: one per writer, scanner or verifier.
 */
public final class HashChain {
    public static final int HASH_BYTES = 32;
    /** The anchor of a log's first segment: nothing came before it. */
    private static final byte[] GENESIS = new byte[HASH_BYTES];

    private final MessageDigest digest;

    public HashChain() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    public static byte[] genesis() {
        return GENESIS.clone();
    }

    /**
     * Replaces {@code hash} (the previous link) with the link after the batch in
     * {@code batch[position, limit)}. The buffer's position is not moved.
     */
    public void step(byte[] hash, ByteBuffer batch) {
        digest.update(hash, 0, HASH_BYTES);
        digest.update(batch.duplicate());
        link(hash);
    }

    /** As {@link #step(byte[], ByteBuffer)} for a batch whose bytes are {@code pieces} in order. */
    public void step(byte[] hash, ByteBuffer[] pieces) {
        digest.update(hash, 0, HASH_BYTES);
        for (ByteBuffer piece : pieces) {
            digest.update(piece.duplicate());
        }
        link(hash);
    }

    /** Ends the digest begun by a step: its hash replaces {@code hash}. */
    private void link(byte[] hash) {
        try {
            digest.digest(hash, 0, HASH_BYTES);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * As {@link #step}, but hashing the batch as if its base offset were {@code baseOffset}: how
     * verification checks whether a renumbered batch is one the chain recorded at another offset.
     */
    public void stepWithBaseOffset(byte[] hash, ByteBuffer batch, long baseOffset) {
        digest.update(hash, 0, HASH_BYTES);
        digest.update(ByteBuffer.allocate(8).putLong(0, baseOffset));
        ByteBuffer rest = batch.duplicate();
        rest.position(rest.position() + 8);
        digest.update(rest);
        link(hash);
    }

    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    /** Parses a 64-digit hex hash (a receipt); throws IllegalArgumentException otherwise. */
    public static byte[] parseHex(String hex) {
        String s = hex.strip();
        if (s.length() != HASH_BYTES * 2) {
            throw new IllegalArgumentException("A chain hash is " + HASH_BYTES * 2 + " hex digits, got "
                    + s.length());
        }
        return HexFormat.of().parseHex(s);
    }
}
