package dev.spool.log.record;

/**
 * The codec named by bits 0–2 of a batch's attributes, with the ids Kafka assigns. The codecs
 * themselves are in {@code dev.spool.log.record.compression}.
 */
public enum CompressionType {
    NONE(0), GZIP(1), SNAPPY(2), LZ4(3), ZSTD(4);

    private final int id;

    CompressionType(int id) {
        this.id = id;
    }

    /** The value of attribute bits 0–2. */
    public int id() {
        return id;
    }

    /** The codec for attribute bits 0–2; throws {@link IllegalArgumentException} for 5–7. */
    public static CompressionType forId(int id) {
        return switch (id) {
            case 0 -> NONE;
            case 1 -> GZIP;
            case 2 -> SNAPPY;
            case 3 -> LZ4;
            case 4 -> ZSTD;
            default -> throw new IllegalArgumentException("Unknown compression codec id " + id);
        };
    }
}
