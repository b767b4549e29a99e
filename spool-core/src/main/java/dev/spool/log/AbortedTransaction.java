package dev.spool.log;

/**
 * One aborted transaction, as a partition's transaction index ({@code .txnindex}, Kafka's format)
 * records it and a {@code read_committed} fetch reports it: the producer, the offset of its first
 * record in the partition, the offset of its abort marker, and the partition's last stable offset
 * once it was aborted. A reader drops that producer's records from {@code firstOffset} up to the
 * marker.
 */
public record AbortedTransaction(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
