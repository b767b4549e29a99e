package dev.spool.log;

import dev.spool.log.segment.Segment;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** A description of one segment, for tools: offsets {@code [baseOffset, nextOffset)}, size, newest timestamp. */
public record SegmentInfo(long baseOffset, long nextOffset, long sizeBytes, long maxTimestamp) {
    /** The descriptions of {@code segments}, in their order. */
    static List<SegmentInfo> of(Collection<Segment> segments) throws IOException {
        List<SegmentInfo> out = new ArrayList<>(segments.size());
        for (Segment segment : segments) {
            out.add(new SegmentInfo(segment.baseOffset(), segment.nextOffset(), segment.sizeBytes(),
                    segment.maxTimestamp()));
        }
        return out;
    }
}
