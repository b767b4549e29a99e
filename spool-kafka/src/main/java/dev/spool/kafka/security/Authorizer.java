package dev.spool.kafka.security;

import dev.spool.kafka.network.Session;
import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a client may do an operation on a resource, from the server's ACLs and its super
 * users, as Kafka's standard authorizer decides; and owns those ACLs: CreateAcls and DeleteAcls
 * change them, each change written durably ({@link AclFile}) before it takes effect or is answered.
 *
 * <p>A disabled authorizer allows everything and holds no ACLs; handlers ask {@link #enabled()}
 * first, so a server without one does no work per request. Super users are allowed everything
 * without a look at the ACLs.
 *
 * <p>Thread-safe. Checks read an immutable {@link AclIndex} through one volatile field and never
 * lock; changes are serialized on this object, write the file, then publish the new index.
 */
public final class Authorizer {
    private static final Logger LOG = LoggerFactory.getLogger(Authorizer.class);
    private static final Authorizer DISABLED = new Authorizer(AuthorizerSettings.disabled(), null, null,
            AclIndex.empty());

    private final AuthorizerSettings settings;
    private final FileIO io;
    private final Path dataDir;
    private volatile AclIndex index;

    private Authorizer(AuthorizerSettings settings, FileIO io, Path dataDir, AclIndex index) {
        this.settings = settings;
        this.io = io;
        this.dataDir = dataDir;
        this.index = index;
    }

    /**
     * The authorizer {@code settings} ask for; when enabled, with the ACLs stored in
     * {@code dataDir}. Fails naming the file when the ACL file is damaged.
     */
    public static Authorizer open(AuthorizerSettings settings, FileIO io, Path dataDir) throws IOException {
        if (!settings.enabled()) {
            return DISABLED;
        }
        List<AclBinding> stored = AclFile.read(io, dataDir);
        LOG.info("Authorizer on: {} ACLs from {}, super users {}", stored.size(), AclFile.path(dataDir),
                settings.superUsers());
        return new Authorizer(settings, io, dataDir, AclIndex.of(stored));
    }

    /** An authorizer that allows everything (no ACLs are checked or kept). */
    public static Authorizer disabled() {
        return DISABLED;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Whether {@code who} is a super user (compared by type and name, as Kafka does). */
    public boolean isSuperUser(KafkaPrincipal who) {
        for (KafkaPrincipal superUser : settings.superUsers()) {
            if (superUser.getName().equals(who.getName())
                    && superUser.getPrincipalType().equals(who.getPrincipalType())) {
                return true;
            }
        }
        return false;
    }

    /** Whether the client of {@code session} may do {@code operation} on the {@code type} resource {@code name}. */
    public boolean authorize(Session session, AclOperation operation, ResourceType type, String name) {
        return authorize(session.principal(), session.clientHost(), operation, type, name);
    }

    public boolean authorize(KafkaPrincipal who, String clientHost, AclOperation operation, ResourceType type,
                             String name) {
        if (!settings.enabled() || isSuperUser(who)) {
            return true;
        }
        return index.allows(who, clientHost, operation, type, name);
    }

    /** Whether the client may do {@code operation} on some resource of {@code type} (see {@link AclIndex#allowsAny}). */
    public boolean authorizeAny(Session session, AclOperation operation, ResourceType type) {
        KafkaPrincipal who = session.principal();
        if (!settings.enabled() || isSuperUser(who)) {
            return true;
        }
        return index.allowsAny(who, session.clientHost(), operation, type);
    }

    /**
     * Adds {@code bindings} (an ACL already held is kept once). Returns, per binding, why it was
     * refused, or empty when it is stored. Throws when the file could not be written; then nothing
     * changed.
     */
    public synchronized List<Optional<String>> create(List<AclBinding> bindings) throws IOException {
        requireEnabled();
        List<Optional<String>> results = new ArrayList<>(bindings.size());
        List<AclBinding> valid = new ArrayList<>();
        for (AclBinding binding : bindings) {
            Optional<String> invalid = AclBindings.invalid(binding);
            results.add(invalid);
            if (invalid.isEmpty()) {
                valid.add(binding);
            }
        }
        AclIndex current = index;
        if (!current.bindings().containsAll(valid)) {
            AclIndex next = current.with(valid);
            AclFile.write(io, dataDir, next.bindings());
            index = next;
            LOG.info("Created ACLs {}", valid);
        }
        return results;
    }

    /** Every ACL that {@code filter} matches. */
    public List<AclBinding> describe(AclBindingFilter filter) {
        List<AclBinding> out = new ArrayList<>();
        for (AclBinding binding : index.bindings()) {
            if (filter.matches(binding)) {
                out.add(binding);
            }
        }
        return out;
    }

    /**
     * Removes every ACL that one of {@code filters} matches; returns, per filter, the ACLs it
     * removed. Throws when the file could not be written; then nothing changed.
     */
    public synchronized List<List<AclBinding>> delete(List<AclBindingFilter> filters) throws IOException {
        requireEnabled();
        List<List<AclBinding>> matched = new ArrayList<>(filters.size());
        Set<AclBinding> removed = new LinkedHashSet<>();
        for (AclBindingFilter filter : filters) {
            List<AclBinding> matches = describe(filter);
            matched.add(matches);
            removed.addAll(matches);
        }
        if (!removed.isEmpty()) {
            AclIndex next = index.without(removed);
            AclFile.write(io, dataDir, next.bindings());
            index = next;
            LOG.info("Deleted ACLs {}", removed);
        }
        return matched;
    }

    private void requireEnabled() {
        if (!settings.enabled()) {
            throw new IllegalStateException("The authorizer is disabled: no ACLs are kept");
        }
    }
}
