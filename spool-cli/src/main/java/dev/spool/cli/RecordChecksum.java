package dev.spool.cli;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The checksum {@code spool topics checksum} prints for one partition: SHA-256 over its records'
 * keys and values in offset order, and nothing else. Offsets, timestamps and headers are left out
 * on purpose: a copy of a topic on another cluster (MirrorMaker 2, a replay) holds the same
 * records under other offsets, and the question after a migration is whether the data arrived.
 *
 * <h2>What is hashed, per record</h2>
 * <pre>
 *   key   : int32 length, big-endian (-1 for a null key), then the key's bytes
 *   value : int32 length, big-endian (-1 for a null value: a tombstone), then the value's bytes
 * </pre>
 * The lengths keep {@code ("ab", "c")} apart from {@code ("a", "bc")}. A topic's checksum is
 * SHA-256 over its partitions' checksums in partition order. Any Kafka-protocol server and a
 * data directory read directly give the same figures for the same records. Not thread-safe.
 */
final class RecordChecksum {
    /** Hex digits printed: 128 of SHA-256's bits, plenty to tell two copies apart. */
    static final int HEX_DIGITS = 32;

    private final MessageDigest digest = sha256();
    private final ByteBuffer length = ByteBuffer.allocate(4);
    private long records;

    void add(ByteBuffer key, ByteBuffer value) {
        field(key);
        field(value);
        records++;
    }

    void add(byte[] key, byte[] value) {
        add(key == null ? null : ByteBuffer.wrap(key), value == null ? null : ByteBuffer.wrap(value));
    }

    long records() {
        return records;
    }

    /** The digest so far, as printed. */
    String hex() {
        return text(digestCopy());
    }

    byte[] digestCopy() {
        try {
            return ((MessageDigest) digest.clone()).digest();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }

    /** SHA-256 over the partitions' digests, in partition order. */
    static String ofTopic(Iterable<RecordChecksum> partitions) {
        MessageDigest topic = sha256();
        for (RecordChecksum partition : partitions) {
            topic.update(partition.digestCopy());
        }
        return text(topic.digest());
    }

    private void field(ByteBuffer bytes) {
        length.clear().putInt(bytes == null ? -1 : bytes.remaining()).flip();
        digest.update(length);
        if (bytes != null) {
            digest.update(bytes.duplicate());
        }
    }

    private static String text(byte[] digest) {
        return HexFormat.of().formatHex(digest).substring(0, HEX_DIGITS);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    }
}
