package dev.spool.log.segment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The logger of the segment package. */
final class SegmentLog {
    static final Logger LOG = LoggerFactory.getLogger("dev.spool.log.segment");

    private SegmentLog() {
    }
}
