package dev.spool.log.record;

import java.io.IOException;

/**
 * A record batch's bytes are not a valid Kafka v2 batch: bad length, magic, CRC, record framing,
 * or a compressed records section that is truncated, garbled or expands past the allowed size.
 */
public class CorruptRecordException extends IOException {
    public CorruptRecordException(String message) {
        super(message);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
