package dev.spool.compat;

/** One of the two servers every cell runs against: {@code kafka} or {@code spool}, at {@code host:port}. */
public record Target(String name, String bootstrap) {
    @Override
    public String toString() {
        return name;
    }
}
