package dev.spool.kafka.network;

import java.io.IOException;

/**
 * TLS material the server cannot use, found when it starts: the message names the file and what
 * is wrong with it (missing, unreadable, wrong password, a key that does not match its certificate).
 */
public final class TlsSetupException extends IOException {
    private static final long serialVersionUID = 1L;

    public TlsSetupException(String message) {
        super(message);
    }

    public TlsSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
