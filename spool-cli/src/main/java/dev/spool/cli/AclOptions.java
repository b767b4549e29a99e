package dev.spool.cli;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.security.AclBindings;
import dev.spool.kafka.security.AuthorizerSettings;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spool serve}'s authorization options: whether requests are checked against ACLs (Kafka's
 * {@code authorizer.class.name}) and who may do everything regardless (Kafka's {@code super.users},
 * in its syntax). With the authorizer on, a client without an ACL that allows an operation is
 * denied it; the ACLs are managed with CreateAcls/DeleteAcls ({@code kafka-acls}) and kept in the
 * data directory.
 */
final class AclOptions {
    @Option(names = "--authorizer", paramLabel = "on|off", defaultValue = "off",
            description = "Check every request against the ACLs; without one that allows it, an operation is "
                    + "denied (Kafka's authorizer.class.name; default: ${DEFAULT-VALUE}).")
    String authorizer;

    @Option(names = "--super-users", paramLabel = "PRINCIPALS",
            description = "Principals allowed everything without ACLs, separated by ';', e.g. "
                    + "'User:admin;User:alice' (Kafka's super.users).")
    String superUsers;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** {@code config} with the authorizer these options ask for. */
    KafkaServerConfig applyTo(KafkaServerConfig config) {
        return config.withSecurity(config.security().withAuthorizer(settings()));
    }

    AuthorizerSettings settings() {
        boolean enabled = switch (authorizer) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new ParameterException(spec.commandLine(),
                    "--authorizer is '" + authorizer + "', expected on or off");
        };
        Set<KafkaPrincipal> principals = new LinkedHashSet<>();
        if (superUsers != null) {
            for (String part : superUsers.split(";")) {
                String principal = part.trim();
                if (principal.isEmpty()) {
                    continue;
                }
                try {
                    principals.add(AclBindings.principal(principal));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--super-users has '" + principal
                            + "', expected Type:name such as User:alice (several separated by ';')");
                }
            }
        }
        if (!enabled && !principals.isEmpty()) {
            throw new ParameterException(spec.commandLine(),
                    "--super-users needs --authorizer on: without an authorizer every client may do everything");
        }
        return new AuthorizerSettings(enabled, principals);
    }
}
