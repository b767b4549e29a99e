package dev.spool.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

/** The indexed matcher against a plain reference written from Kafka's rules, over seeded random ACL sets. */
class AclIndexTest {
    private static final ResourceType[] TYPES = {ResourceType.TOPIC, ResourceType.GROUP};
    private static final String[] NAMES = {"a", "ab", "abc", "b", "ba", "*"};
    private static final String[] PRINCIPALS = {"User:alice", "User:bob", "User:*", "Group:alice"};
    private static final String[] HOSTS = {"*", "10.0.0.1", "10.0.0.2"};
    private static final AclOperation[] OPERATIONS = {AclOperation.ALL, AclOperation.READ, AclOperation.WRITE,
        AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS,
        AclOperation.ALTER_CONFIGS, AclOperation.CREATE};
    private static final KafkaPrincipal[] WHO = {new KafkaPrincipal("User", "alice"), new KafkaPrincipal("User", "bob"),
        new KafkaPrincipal("Group", "alice"), new KafkaPrincipal("User", "carol")};

    @Test
    void matchesTheReferenceOnRandomAclSets() {
        long seed = 20261205L;
        Random random = new Random(seed);
        int allowed = 0;
        int denied = 0;
        for (int round = 0; round < 300; round++) {
            List<AclBinding> bindings = new ArrayList<>();
            int count = random.nextInt(12);
            for (int i = 0; i < count; i++) {
                bindings.add(new AclBinding(
                        new ResourcePattern(pick(random, TYPES), pick(random, NAMES),
                                random.nextBoolean() ? PatternType.LITERAL : PatternType.PREFIXED),
                        new AccessControlEntry(pick(random, PRINCIPALS), pick(random, HOSTS), pick(random, OPERATIONS),
                                random.nextInt(4) == 0 ? AclPermissionType.DENY : AclPermissionType.ALLOW)));
            }
            AclIndex index = AclIndex.of(bindings);
            for (int q = 0; q < 200; q++) {
                KafkaPrincipal who = pick(random, WHO);
                String host = random.nextBoolean() ? "10.0.0.1" : "10.0.0.2";
                AclOperation operation = pick(random, OPERATIONS);
                ResourceType type = pick(random, TYPES);
                String name = pick(random, NAMES).replace("*", "c") + (random.nextBoolean() ? "" : "x");
                boolean expected = reference(bindings, who, host, operation, type, name);
                assertThat(index.allows(who, host, operation, type, name))
                        .as("seed %d round %d: %s from %s %s %s %s over %s", seed, round, who, host, operation, type,
                                name, bindings)
                        .isEqualTo(expected);
                if (expected) {
                    allowed++;
                } else {
                    denied++;
                }
            }
        }
        assertThat(allowed).as("the random sets allow some checks").isGreaterThan(1000);
        assertThat(denied).as("and deny some").isGreaterThan(1000);
    }

    /** Kafka's rules, one ACL at a time, no index. */
    private static boolean reference(List<AclBinding> bindings, KafkaPrincipal who, String host,
                                     AclOperation operation, ResourceType type, String name) {
        boolean allow = false;
        for (AclBinding binding : bindings) {
            ResourcePattern pattern = binding.pattern();
            AccessControlEntry entry = binding.entry();
            boolean resource = pattern.resourceType() == type && (pattern.patternType() == PatternType.LITERAL
                    ? pattern.name().equals(name) || pattern.name().equals("*") : name.startsWith(pattern.name()));
            boolean principal = entry.principal().equals(who.toString())
                    || entry.principal().equals("User:*"); // Kafka: User:* matches a principal of any type
            boolean fromHost = entry.host().equals("*") || entry.host().equals(host);
            if (!resource || !principal || !fromHost) {
                continue;
            }
            if (entry.permissionType() == AclPermissionType.DENY) {
                if (entry.operation() == AclOperation.ALL || entry.operation() == operation) {
                    return false;
                }
            } else if (entry.operation() == AclOperation.ALL || entry.operation() == operation
                    || operation == AclOperation.DESCRIBE && List.of(AclOperation.READ, AclOperation.WRITE,
                            AclOperation.DELETE, AclOperation.ALTER).contains(entry.operation())
                    || operation == AclOperation.DESCRIBE_CONFIGS && entry.operation() == AclOperation.ALTER_CONFIGS) {
                allow = true;
            }
        }
        return allow;
    }

    @Test
    void writeOnSomeTopicCountsUnlessADenyCoversIt() {
        KafkaPrincipal alice = new KafkaPrincipal("User", "alice");
        AclBinding allowPrefix = binding(PatternType.PREFIXED, "orders-", AclOperation.WRITE, AclPermissionType.ALLOW);
        assertThat(AclIndex.of(List.of(allowPrefix)).allowsAny(alice, "h", AclOperation.WRITE, ResourceType.TOPIC))
                .isTrue();
        assertThat(AclIndex.of(List.of(allowPrefix,
                binding(PatternType.PREFIXED, "orders", AclOperation.WRITE, AclPermissionType.DENY)))
                .allowsAny(alice, "h", AclOperation.WRITE, ResourceType.TOPIC)).as("a shorter DENY prefix").isFalse();
        assertThat(AclIndex.of(List.of(allowPrefix,
                binding(PatternType.LITERAL, "orders-1", AclOperation.WRITE, AclPermissionType.DENY)))
                .allowsAny(alice, "h", AclOperation.WRITE, ResourceType.TOPIC)).as("one denied topic").isTrue();
        assertThat(AclIndex.of(List.of(allowPrefix,
                binding(PatternType.LITERAL, "*", AclOperation.ALL, AclPermissionType.DENY)))
                .allowsAny(alice, "h", AclOperation.WRITE, ResourceType.TOPIC)).as("DENY ALL on *").isFalse();
        assertThat(AclIndex.of(List.of(binding(PatternType.LITERAL, "t", AclOperation.READ, AclPermissionType.ALLOW)))
                .allowsAny(alice, "h", AclOperation.WRITE, ResourceType.TOPIC)).as("READ only").isFalse();
    }

    private static AclBinding binding(PatternType patternType, String name, AclOperation operation,
                                      AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, name, patternType),
                new AccessControlEntry("User:alice", "*", operation, permission));
    }

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}
