package dev.spool.compat.security;

import java.util.Map;

/**
 * One of the two servers the secure cells run against ({@code kafka} or {@code spool}): its
 * PLAINTEXT listener, which the harness uses to set a cell up and check it, and the address of
 * each secure listener by security protocol. Immutable.
 */
public record SecureTarget(String name, String plaintext, Map<String, String> listeners) {
    public SecureTarget {
        listeners = Map.copyOf(listeners);
    }

    /** {@code host:port} of the listener {@code access} goes through. */
    public String bootstrap(Access access) {
        String address = listeners.get(access.protocol());
        if (address == null) {
            throw new IllegalArgumentException(name + " has no " + access.protocol() + " listener, only "
                    + listeners.keySet());
        }
        return address;
    }

    @Override
    public String toString() {
        return name;
    }
}
