package dev.spool.log.segment;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One step of the hash chain, computed in place with a reused {@link MessageDigest} and no copy of
 * the batch (the digest reads the buffer). Two formats, named by the sidecar's version
 * ({@link ChainFile}):
 * <ul>
 *   <li>version 1: {@code next = SHA-256(previous || batch bytes)};</li>
 *   <li>version 2: for a batch of more than {@value #WHOLE_BATCH_BYTES_MAX} bytes,
 *       {@code next = SHA-256(previous || batch bytes [0, 21) || content)}, where
 *       {@code content = SHA-256(batch bytes [21, end))}; a smaller batch is linked whole, as in
 *       version 1.</li>
 * </ul>
 * The first 21 bytes of a batch are what the log sets or checks as it places it (base offset,
 * length, partition leader epoch, magic, CRC); the rest is what its CRC covers, fixed once the
 * producer built it. So in version 2 the costly digest of a large batch, over its content, is
 * taken on the caller's thread before the append reaches the writer ({@link #content}), and the
 * writer only links it to the chain: two blocks of SHA-256 whatever the batch's size
 * ({@link #link}). For a small batch a second digest would cost more than it takes off the writer:
 * one-record batches appended 15-20% slower split than whole (measured with
 * {@code AppendBenchmark.encodeAndAppend}, 100 B and 1 KiB values). Which way a batch is linked
 * follows from its length, which the link covers. Both formats bind every stored byte of every
 * batch and its order; a log keeps the version it was created with.
 *
 * <p>Not thread-safe: one per writer, scanner or verifier; {@link #forThisThread()} for callers.
 */
public final class HashChain {
    public static final int HASH_BYTES = 32;
    /** The batch bytes a version 2 link hashes directly: base offset, length, leader epoch, magic, CRC. */
    public static final int LINKED_HEADER_BYTES = 21;
    /** In version 2 a batch of at most this many bytes is linked whole (class comment). Part of the format. */
    public static final int WHOLE_BATCH_BYTES_MAX = 4096;
    /** The anchor of a log's first segment: nothing came before it. */
    private static final byte[] GENESIS = new byte[HASH_BYTES];
    private static final ThreadLocal<HashChain> PER_THREAD = ThreadLocal.withInitial(HashChain::new);

    private final MessageDigest digest;
    /** A version 2 step's content digest. */
    private final byte[] scratch = new byte[HASH_BYTES];

    public HashChain() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    /** This thread's instance (callers digesting the content of their own appends). */
    public static HashChain forThisThread() {
        return PER_THREAD.get();
    }

    public static byte[] genesis() {
        return GENESIS.clone();
    }

    /**
     * Replaces {@code hash} (the previous link) with the link after the batch in
     * {@code batch[position, limit)}, in the format of {@code version}. The buffer's position is
     * not moved.
     */
    public void step(short version, byte[] hash, ByteBuffer batch) {
        if (ChainFile.checkVersion(version) == ChainFile.VERSION_1 || linkedWhole(batch.remaining())) {
            digest.update(hash, 0, HASH_BYTES);
            digest.update(batch.duplicate());
            finish(hash, 0);
            return;
        }
        content(batch, scratch, 0);
        link(hash, batch, scratch, 0);
    }

    /** As {@link #step(short, byte[], ByteBuffer)} for a batch whose bytes are {@code pieces} in order. */
    public void step(short version, byte[] hash, ByteBuffer[] pieces) {
        long bytes = 0;
        for (ByteBuffer piece : pieces) {
            bytes += piece.remaining();
        }
        if (ChainFile.checkVersion(version) == ChainFile.VERSION_1 || linkedWhole(bytes)) {
            digest.update(hash, 0, HASH_BYTES);
            for (ByteBuffer piece : pieces) {
                digest.update(piece.duplicate());
            }
            finish(hash, 0);
            return;
        }
        content(pieces, scratch, 0);
        link(hash, pieces[0], scratch, 0);
    }

    /** Whether version 2 links a batch of {@code batchBytes} bytes whole rather than by its content digest. */
    public static boolean linkedWhole(long batchBytes) {
        return batchBytes <= WHOLE_BATCH_BYTES_MAX;
    }

    /**
     * Writes the version 2 content digest of the batch in {@code batch[position, limit)} (its bytes
     * from {@link #LINKED_HEADER_BYTES} on) into {@code out[at, at + 32)}. The buffer's position
     * is not moved.
     */
    public void content(ByteBuffer batch, byte[] out, int at) {
        ByteBuffer rest = batch.duplicate();
        rest.position(rest.position() + LINKED_HEADER_BYTES);
        digest.update(rest);
        finish(out, at);
    }

    /** As {@link #content(ByteBuffer, byte[], int)} for a batch in {@code pieces}, its header whole in the first. */
    public void content(ByteBuffer[] pieces, byte[] out, int at) {
        for (int i = 0; i < pieces.length; i++) {
            ByteBuffer piece = pieces[i].duplicate();
            if (i == 0) {
                piece.position(piece.position() + LINKED_HEADER_BYTES);
            }
            digest.update(piece);
        }
        finish(out, at);
    }

    /**
     * The version 2 link: replaces {@code hash} with {@code SHA-256(hash || batch's first 21 bytes ||
     * content[at, at + 32))}, where {@code batch} starts at its position and {@code content} is
     * the batch's {@linkplain #content content digest}.
     */
    public void link(byte[] hash, ByteBuffer batch, byte[] content, int at) {
        digest.update(hash, 0, HASH_BYTES);
        ByteBuffer header = batch.duplicate();
        header.limit(header.position() + LINKED_HEADER_BYTES);
        digest.update(header);
        digest.update(content, at, HASH_BYTES);
        finish(hash, 0);
    }

    /** Ends the digest begun by a step: its hash goes to {@code out[at, at + 32)}. */
    private void finish(byte[] out, int at) {
        try {
            digest.digest(out, at, HASH_BYTES);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * As {@link #step}, but hashing the batch as if its base offset were {@code baseOffset}: how
     * verification checks whether a renumbered batch is one the chain recorded at another offset.
     */
    public void stepWithBaseOffset(short version, byte[] hash, ByteBuffer batch, long baseOffset) {
        ByteBuffer rest = batch.duplicate();
        rest.position(rest.position() + Long.BYTES);
        if (ChainFile.checkVersion(version) == ChainFile.VERSION_1 || linkedWhole(batch.remaining())) {
            digest.update(hash, 0, HASH_BYTES);
            digest.update(ByteBuffer.allocate(Long.BYTES).putLong(0, baseOffset));
            digest.update(rest);
            finish(hash, 0);
            return;
        }
        ByteBuffer header = ByteBuffer.allocate(LINKED_HEADER_BYTES).putLong(baseOffset)
                .put(rest.limit(rest.position() + LINKED_HEADER_BYTES - Long.BYTES)).flip();
        content(batch, scratch, 0);
        link(hash, header, scratch, 0);
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
