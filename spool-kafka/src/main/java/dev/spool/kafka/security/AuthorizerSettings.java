package dev.spool.kafka.security;

import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Whether requests are authorized against ACLs, and who may do everything regardless (Kafka's
 * {@code authorizer.class.name} and {@code super.users}). Immutable.
 *
 * @param enabled    requests are checked against the ACLs; without an ACL that allows it, an operation is denied
 * @param superUsers principals allowed every operation without ACLs
 */
public record AuthorizerSettings(boolean enabled, Set<KafkaPrincipal> superUsers) {

    public AuthorizerSettings {
        superUsers = Set.copyOf(Objects.requireNonNull(superUsers, "superUsers"));
    }

    /** No authorizer: every client may do everything (Kafka's default). */
    public static AuthorizerSettings disabled() {
        return new AuthorizerSettings(false, Set.of());
    }
}
