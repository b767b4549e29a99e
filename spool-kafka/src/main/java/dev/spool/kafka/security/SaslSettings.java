package dev.spool.kafka.security;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The SASL mechanisms a server offers on its {@code SASL_PLAINTEXT} and {@code SASL_SSL}
 * listeners (Kafka's {@code sasl.enabled.mechanisms}). Immutable.
 */
public record SaslSettings(Set<String> mechanisms) {
    /** The mechanisms Spool implements, in the order the server lists them. */
    public static final List<String> SUPPORTED = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

    public SaslSettings {
        mechanisms = Set.copyOf(Objects.requireNonNull(mechanisms, "mechanisms"));
        if (mechanisms.isEmpty()) {
            throw new IllegalArgumentException("no SASL mechanism enabled: expected some of " + SUPPORTED);
        }
        for (String mechanism : mechanisms) {
            if (!SUPPORTED.contains(mechanism)) {
                throw new IllegalArgumentException("SASL mechanism '" + mechanism + "' is not supported: expected some of "
                        + SUPPORTED);
            }
        }
    }

    /** PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
    public static SaslSettings defaults() {
        return new SaslSettings(Set.copyOf(SUPPORTED));
    }
}
