package dev.spool.log;

/** A description of one segment, for tools: offsets {@code [baseOffset, nextOffset)}, size, newest timestamp. */
public record SegmentInfo(long baseOffset, long nextOffset, long sizeBytes, long maxTimestamp) {
}
