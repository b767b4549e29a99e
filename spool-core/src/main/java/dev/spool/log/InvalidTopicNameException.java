package dev.spool.log;

/** A topic name breaks Kafka's naming rules; nothing was created. */
public final class InvalidTopicNameException extends IllegalArgumentException {
    public InvalidTopicNameException(String message) {
        super(message);
    }
}
