package dev.spool.kafka.security;

/**
 * The certificate and key a server presents on its {@code SSL} and {@code SASL_SSL} listeners.
 * Immutable.
 */
public record TlsSettings() {

    /** No TLS material: a server with a TLS listener refuses to start. */
    public static TlsSettings none() {
        return new TlsSettings();
    }
}
