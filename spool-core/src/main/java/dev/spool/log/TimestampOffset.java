package dev.spool.log;

/** A record found by timestamp: its offset and its own timestamp. */
public record TimestampOffset(long offset, long timestamp) {
}
