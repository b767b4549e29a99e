package dev.spool.log.tool;

import dev.spool.log.segment.HashChain;

/**
 * A hash-chain hash as text: 64 hex digits, the form in which {@code spool verify} prints a chain
 * head and takes a receipt back ({@code --expect-head}). The chain's own code decides the form;
 * this class passes it on to tools. Stateless and thread-safe.
 */
public final class ChainHashText {
    /** The digits of one hash: two per byte. */
    public static final int DIGITS = HashChain.HASH_BYTES * 2;

    private ChainHashText() {
    }

    /** The hash in lowercase hex. */
    public static String format(byte[] hash) {
        return HashChain.hex(hash);
    }

    /**
     * The hash that {@code text} spells, surrounding white space ignored.
     *
     * @throws IllegalArgumentException when the text is not {@value #DIGITS} hex digits, naming
     *                                  what it got
     */
    public static byte[] parse(String text) {
        return HashChain.parseHex(text);
    }
}
