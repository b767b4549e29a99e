package dev.spool.log.record;

/** Bit 3 of a batch's attributes: who set the timestamps. */
public enum TimestampType {
    /** The producer's clock (Kafka's default). */
    CREATE_TIME,
    /** The broker's clock when the batch was appended. */
    LOG_APPEND_TIME
}
