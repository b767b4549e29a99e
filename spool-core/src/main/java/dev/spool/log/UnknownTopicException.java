package dev.spool.log;

/** No such topic, or no such partition of it. */
public final class UnknownTopicException extends IllegalArgumentException {
    public UnknownTopicException(String message) {
        super(message);
    }
}
