package dev.spool.log;

/**
 * What happens to a log's old records, Kafka's {@code cleanup.policy}: {@link #DELETE} trims the
 * oldest segments by time and size ({@link LogConfig#retentionMs()}, {@link LogConfig#retentionBytes()}),
 * {@link #COMPACT} keeps the latest record of each key ({@link CompactionConfig}) and is never
 * trimmed by retention, {@link #COMPACT_DELETE} does both. A compacting log refuses records
 * without a key, as Kafka's broker does. Named by Kafka's values in {@link #toString()}.
 */
public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact"),
    COMPACT_DELETE("compact,delete");

    private final String kafkaName;

    CleanupPolicy(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    /** Whether retention by time and size applies. */
    public boolean deletes() {
        return this != COMPACT;
    }

    /** Whether the log is compacted, and so takes only records with a key. */
    public boolean compacts() {
        return this != DELETE;
    }

    /** The policy of {@link TopicSetting#CLEANUP_POLICY}'s bits ({@link TopicSetting#CLEANUP_DELETE}, {@link TopicSetting#CLEANUP_COMPACT}). */
    public static CleanupPolicy ofBits(long bits) {
        boolean delete = (bits & TopicSetting.CLEANUP_DELETE) != 0;
        boolean compact = (bits & TopicSetting.CLEANUP_COMPACT) != 0;
        if (bits != (bits & (TopicSetting.CLEANUP_DELETE | TopicSetting.CLEANUP_COMPACT)) || !(delete || compact)) {
            throw new IllegalArgumentException("Cleanup policy bits " + bits + ": expected 1 (delete), 2 (compact) or 3");
        }
        return delete && compact ? COMPACT_DELETE : compact ? COMPACT : DELETE;
    }

    /** The bits of {@link TopicSetting#CLEANUP_POLICY} for this policy. */
    public long bits() {
        return (deletes() ? TopicSetting.CLEANUP_DELETE : 0) | (compacts() ? TopicSetting.CLEANUP_COMPACT : 0);
    }

    /** Kafka's value: {@code delete}, {@code compact} or {@code compact,delete}. */
    @Override
    public String toString() {
        return kafkaName;
    }
}
