package dev.spool.kafka.security;

import java.util.Objects;
import java.util.Set;

/**
 * The SASL mechanisms a server offers on its {@code SASL_PLAINTEXT} and {@code SASL_SSL}
 * listeners (Kafka's {@code sasl.enabled.mechanisms}). Immutable.
 */
public record SaslSettings(Set<String> mechanisms) {

    public SaslSettings {
        mechanisms = Set.copyOf(Objects.requireNonNull(mechanisms, "mechanisms"));
    }

    /** PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
    public static SaslSettings defaults() {
        return new SaslSettings(Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"));
    }
}
