package dev.spool.log;

/**
 * Where an append landed, and how safe it is.
 *
 * @param firstOffset       offset of the first record appended
 * @param lastOffset        offset of the last record appended
 * @param segmentBaseOffset base offset of the segment that holds the batches
 * @param position          byte position of the first batch in that segment
 * @param sizeBytes         bytes written
 * @param durable           whether an fsync covering these records completed before the acknowledgement
 * @param fsyncMicros       how long that fsync took (shared by its whole group); 0 when not durable
 * @param chainHash         the log's hash chain after the last batch appended (32 bytes of SHA-256): a
 *                          receipt to keep and later check with {@code spool verify --expect-head};
 *                          empty when the log keeps no chain ({@link LogConfig#hashChain()})
 */
public record AppendResult(long firstOffset, long lastOffset, long segmentBaseOffset, long position, int sizeBytes,
                           boolean durable, long fsyncMicros, byte[] chainHash) {

    public AppendResult {
        java.util.Objects.requireNonNull(chainHash, "chainHash (empty when the log keeps no chain)");
    }

    /** The receipt as 64 hex digits, or an empty string when the log keeps no chain. */
    public String chainHashHex() {
        return java.util.HexFormat.of().formatHex(chainHash);
    }

    public long recordCount() {
        return lastOffset - firstOffset + 1;
    }
}
