package dev.spool.kafka.protocol;

/**
 * A request frame that cannot be understood: an unknown API key, a version kafka-clients cannot
 * decode, or bytes that do not parse. The connection that sent it is closed; nothing else is
 * affected.
 */
public final class MalformedRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedRequestException(String message) {
        super(message);
    }

    public MalformedRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
