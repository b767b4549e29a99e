package dev.spool.log;

/** A topic of that name already exists. */
public final class TopicExistsException extends IllegalArgumentException {
    public TopicExistsException(String topic) {
        super("Topic '" + topic + "' already exists");
    }
}
