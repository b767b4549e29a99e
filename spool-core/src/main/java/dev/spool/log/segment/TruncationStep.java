package dev.spool.log.segment;

import java.io.IOException;

/** What a truncation does, under the set's locks, once the log end has come down. */
public interface TruncationStep {
    void cut(Segment last, long newEnd) throws IOException;
}
