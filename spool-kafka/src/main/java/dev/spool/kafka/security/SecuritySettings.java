package dev.spool.kafka.security;

import java.util.Objects;

/**
 * How a server secures its listeners: TLS material for the {@code SSL} and {@code SASL_SSL}
 * listeners, the SASL mechanisms offered on the {@code SASL_*} ones, and whether requests are
 * authorized against ACLs. Immutable.
 */
public record SecuritySettings(TlsSettings tls, SaslSettings sasl, AuthorizerSettings authorizer) {

    public SecuritySettings {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(sasl, "sasl");
        Objects.requireNonNull(authorizer, "authorizer");
    }

    /** No TLS material, the default SASL mechanisms, no authorizer: what a plaintext loopback server needs. */
    public static SecuritySettings defaults() {
        return new SecuritySettings(TlsSettings.none(), SaslSettings.defaults(), AuthorizerSettings.disabled());
    }

    public SecuritySettings withTls(TlsSettings next) {
        return new SecuritySettings(next, sasl, authorizer);
    }

    public SecuritySettings withSasl(SaslSettings next) {
        return new SecuritySettings(tls, next, authorizer);
    }

    public SecuritySettings withAuthorizer(AuthorizerSettings next) {
        return new SecuritySettings(tls, sasl, next);
    }
}
