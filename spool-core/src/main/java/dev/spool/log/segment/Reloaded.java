package dev.spool.log.segment;

import java.util.List;

/** The segments and offsets recovery found in the directory, for {@link SegmentSet#reload}. */
public record Reloaded(List<Segment> segments, long logStartOffset, long logEndOffset, long recoveryPoint) {
}
