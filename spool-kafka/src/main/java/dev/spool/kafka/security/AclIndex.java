package dev.spool.kafka.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * An immutable set of ACLs indexed for the check every request makes: which ACLs apply to one
 * resource, and whether they allow an operation by one principal from one host.
 *
 * <p>Kafka's rules, kept exactly:
 * <ul>
 *   <li>An ACL applies to a resource when its pattern is LITERAL with the resource's name, LITERAL
 *       {@code *} (any resource of the type), or PREFIXED with a prefix of the name.</li>
 *   <li>Its principal matches the client's (type and name) or is {@code User:*} (any client, whatever its
 *       principal type, as in Kafka); its host is
 *       {@code *} or the client's address.</li>
 *   <li>A matching DENY for the operation (or ALL) denies, whatever allows. A matching ALLOW for the
 *       operation, for ALL, or for an operation that implies it (READ, WRITE, DELETE and ALTER imply
 *       DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS) allows. Implication applies to ALLOW only:
 *       denying READ does not deny DESCRIBE.</li>
 *   <li>Nothing matching: denied (Kafka's {@code allow.everyone.if.no.acl.found=false}).</li>
 * </ul>
 *
 * <p>Cost of a check: one hash lookup for the literal name, one for {@code *}, and, only when
 * PREFIXED ACLs of the type exist, one lookup per distinct prefix length not longer than the name.
 * Each lookup yields a small array walked without allocation. A change builds a new index
 * ({@link #with}, {@link #without}); the authorizer publishes it with one volatile write, so
 * checks never lock.
 */
final class AclIndex {
    static final String WILDCARD = ResourcePattern.WILDCARD_RESOURCE;
    static final String WILDCARD_HOST = "*";
    private static final Entry[] NONE = new Entry[0];

    /** One ACL with its principal split once, so a check compares strings only. */
    private record Entry(AclBinding binding, String principalType, String principalName, boolean anyPrincipal,
                         String host, AclOperation operation, boolean allow) {
        static Entry of(AclBinding binding) {
            AccessControlEntry ace = binding.entry();
            KafkaPrincipal principal = AclBindings.principal(ace.principal());
            return new Entry(binding, principal.getPrincipalType(), principal.getName(),
                    principal.getPrincipalType().equals(KafkaPrincipal.USER_TYPE) && principal.getName().equals("*"),
                    ace.host(), ace.operation(), ace.permissionType() == AclPermissionType.ALLOW);
        }

        boolean appliesTo(KafkaPrincipal who, String clientHost) {
            return (anyPrincipal || principalName.equals(who.getName()) && principalType.equals(who.getPrincipalType()))
                    && (host.equals(WILDCARD_HOST) || host.equals(clientHost));
        }
    }

    /** The ACLs of one resource type. */
    private record TypeIndex(Map<String, Entry[]> literal, Map<String, Entry[]> prefixed, int[] prefixLengths) {
    }

    private final Set<AclBinding> bindings;
    private final Map<ResourceType, TypeIndex> byType;

    private AclIndex(Set<AclBinding> bindings) {
        this.bindings = bindings;
        this.byType = new EnumMap<>(ResourceType.class);
        Map<ResourceType, Map<String, List<Entry>>> literal = new EnumMap<>(ResourceType.class);
        Map<ResourceType, Map<String, List<Entry>>> prefixed = new EnumMap<>(ResourceType.class);
        for (AclBinding binding : bindings) {
            ResourcePattern pattern = binding.pattern();
            Map<ResourceType, Map<String, List<Entry>>> target =
                    pattern.patternType() == PatternType.PREFIXED ? prefixed : literal;
            target.computeIfAbsent(pattern.resourceType(), type -> new HashMap<>())
                    .computeIfAbsent(pattern.name(), name -> new ArrayList<>()).add(Entry.of(binding));
        }
        Set<ResourceType> types = new LinkedHashSet<>(literal.keySet());
        types.addAll(prefixed.keySet());
        for (ResourceType type : types) {
            Map<String, Entry[]> prefixedArrays = arrays(prefixed.get(type));
            TreeSet<Integer> lengths = new TreeSet<>();
            prefixedArrays.keySet().forEach(name -> lengths.add(name.length()));
            byType.put(type, new TypeIndex(arrays(literal.get(type)), prefixedArrays,
                    lengths.stream().mapToInt(Integer::intValue).toArray()));
        }
    }

    private static Map<String, Entry[]> arrays(Map<String, List<Entry>> lists) {
        Map<String, Entry[]> out = new HashMap<>();
        if (lists != null) {
            lists.forEach((name, list) -> out.put(name, list.toArray(NONE)));
        }
        return out;
    }

    static AclIndex of(Collection<AclBinding> bindings) {
        return new AclIndex(Set.copyOf(bindings));
    }

    static AclIndex empty() {
        return of(List.of());
    }

    /** Every ACL held. */
    Set<AclBinding> bindings() {
        return bindings;
    }

    AclIndex with(Collection<AclBinding> added) {
        Set<AclBinding> next = new LinkedHashSet<>(bindings);
        next.addAll(added);
        return of(next);
    }

    AclIndex without(Collection<AclBinding> removed) {
        Set<AclBinding> next = new LinkedHashSet<>(bindings);
        next.removeAll(removed);
        return of(next);
    }

    /** Whether {@code who} from {@code clientHost} may do {@code operation} on the named resource. */
    boolean allows(KafkaPrincipal who, String clientHost, AclOperation operation, ResourceType type, String name) {
        TypeIndex index = byType.get(type);
        if (index == null) {
            return false;
        }
        int verdict = verdict(index.literal.get(name), who, clientHost, operation, NO_MATCH);
        verdict = verdict(index.literal.get(WILDCARD), who, clientHost, operation, verdict);
        int[] lengths = index.prefixLengths;
        for (int i = 0; i < lengths.length && lengths[i] <= name.length() && verdict != DENIED; i++) {
            verdict = verdict(index.prefixed.get(name.substring(0, lengths[i])), who, clientHost, operation, verdict);
        }
        return verdict == ALLOWED;
    }

    private static final int NO_MATCH = 0;
    private static final int ALLOWED = 1;
    private static final int DENIED = 2;

    /** Folds {@code entries} into {@code verdict}: a DENY wins over everything, an ALLOW over no match. */
    private static int verdict(Entry[] entries, KafkaPrincipal who, String clientHost, AclOperation operation,
                               int verdict) {
        if (entries == null || verdict == DENIED) {
            return verdict;
        }
        for (Entry entry : entries) {
            if (!entry.appliesTo(who, clientHost)) {
                continue;
            }
            if (!entry.allow) {
                if (entry.operation == AclOperation.ALL || entry.operation == operation) {
                    return DENIED;
                }
            } else if (verdict == NO_MATCH && implies(entry.operation, operation)) {
                verdict = ALLOWED;
            }
        }
        return verdict;
    }

    /** Whether an ALLOW of {@code granted} allows {@code wanted}. */
    static boolean implies(AclOperation granted, AclOperation wanted) {
        if (granted == AclOperation.ALL || granted == wanted) {
            return true;
        }
        return switch (wanted) {
            case DESCRIBE -> granted == AclOperation.READ || granted == AclOperation.WRITE
                    || granted == AclOperation.DELETE || granted == AclOperation.ALTER;
            case DESCRIBE_CONFIGS -> granted == AclOperation.ALTER_CONFIGS;
            default -> false;
        };
    }

    /**
     * Whether some resource of {@code type} exists on which {@code who} may do {@code operation}: an
     * ALLOW for it that no DENY of the same principal and host covers wholly (a DENY on {@code *},
     * on the same literal name, or on a prefix of the allowed name). Kafka's rule for an idempotent
     * producer without IDEMPOTENT_WRITE on the cluster: WRITE on any topic.
     */
    boolean allowsAny(KafkaPrincipal who, String clientHost, AclOperation operation, ResourceType type) {
        TypeIndex index = byType.get(type);
        if (index == null) {
            return false;
        }
        List<Entry> allows = new ArrayList<>();
        List<Entry> denies = new ArrayList<>();
        for (Map<String, Entry[]> map : List.of(index.literal, index.prefixed)) {
            for (Entry[] entries : map.values()) {
                for (Entry entry : entries) {
                    if (!entry.appliesTo(who, clientHost)) {
                        continue;
                    }
                    if (entry.allow && implies(entry.operation, operation)) {
                        allows.add(entry);
                    } else if (!entry.allow && (entry.operation == AclOperation.ALL || entry.operation == operation)) {
                        denies.add(entry);
                    }
                }
            }
        }
        for (Entry allow : allows) {
            if (denies.stream().noneMatch(deny -> covers(deny.binding.pattern(), allow.binding.pattern()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean covers(ResourcePattern deny, ResourcePattern allow) {
        if (deny.patternType() == PatternType.LITERAL) {
            return deny.name().equals(WILDCARD)
                    || allow.patternType() == PatternType.LITERAL && deny.name().equals(allow.name());
        }
        return allow.name().startsWith(deny.name());
    }
}
