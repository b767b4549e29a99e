package dev.spool.kafka.security;

import java.util.Optional;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/** What makes an ACL storable, checked as Kafka's controller checks a new one; and principal parsing. */
public final class AclBindings {
    /** The one name of the CLUSTER resource, as in Kafka. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    private AclBindings() {
    }

    /**
     * Why {@code binding} cannot be stored, or empty when it can: a concrete resource type, pattern
     * type (LITERAL or PREFIXED), operation and permission, a non-empty resource name ({@value #CLUSTER_NAME}
     * for the cluster), a principal of
     * the form {@code Type:name} and a host.
     */
    public static Optional<String> invalid(AclBinding binding) {
        ResourceType type = binding.pattern().resourceType();
        PatternType pattern = binding.pattern().patternType();
        AclOperation operation = binding.entry().operation();
        AclPermissionType permission = binding.entry().permissionType();
        if (type == ResourceType.ANY || type == ResourceType.UNKNOWN) {
            return Optional.of("Invalid resource type " + type + ": expected a concrete type such as TOPIC");
        }
        if (pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
            return Optional.of("Invalid pattern type " + pattern + ": expected LITERAL or PREFIXED");
        }
        if (operation == AclOperation.ANY || operation == AclOperation.UNKNOWN) {
            return Optional.of("Invalid operation " + operation + ": expected a concrete operation such as READ");
        }
        if (permission != AclPermissionType.ALLOW && permission != AclPermissionType.DENY) {
            return Optional.of("Invalid permission type " + permission + ": expected ALLOW or DENY");
        }
        if (binding.pattern().name() == null || binding.pattern().name().isEmpty()) {
            return Optional.of("Invalid resource name: expected a non-empty name");
        }
        if (type == ResourceType.CLUSTER && !binding.pattern().name().equals(CLUSTER_NAME)) {
            return Optional.of("Invalid resource name " + binding.pattern().name() + " for the cluster: the only valid"
                    + " name is " + CLUSTER_NAME);
        }
        if (binding.entry().host() == null || binding.entry().host().isEmpty()) {
            return Optional.of("Invalid host: expected * or a client address");
        }
        try {
            principal(binding.entry().principal());
        } catch (IllegalArgumentException e) {
            return Optional.of("Invalid principal " + binding.entry().principal() + ": expected Type:name"
                    + " such as User:alice");
        }
        return Optional.empty();
    }

    /** {@code User:alice} as a principal; IllegalArgumentException when it is not {@code Type:name}. */
    public static KafkaPrincipal principal(String text) {
        if (text == null) {
            throw new IllegalArgumentException("null principal");
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("Principal " + text + " is not of the form Type:name");
        }
        return new KafkaPrincipal(text.substring(0, colon), text.substring(colon + 1));
    }
}
