package dev.spool.log.record;

import java.io.IOException;

/** A record batch's bytes are not a valid Kafka v2 batch: bad length, magic, CRC, or record framing. */
public class CorruptRecordException extends IOException {
    public CorruptRecordException(String message) {
        super(message);
    }
}
