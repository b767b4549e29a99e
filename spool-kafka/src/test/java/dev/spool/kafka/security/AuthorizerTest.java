package dev.spool.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authorizer's own rules: super users, the disabled authorizer, and changes that are durable or not made at all. */
class AuthorizerTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final AclBinding ALICE_READS = new AclBinding(
            new ResourcePattern(ResourceType.TOPIC, "orders", PatternType.LITERAL),
            new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));

    @TempDir
    Path dir;

    private Authorizer open(Set<KafkaPrincipal> superUsers) throws IOException {
        return Authorizer.open(new AuthorizerSettings(true, superUsers), FileIO.real(), dir);
    }

    @Test
    void aDisabledAuthorizerAllowsEverythingAndReadsNoFile() throws IOException {
        Files.createDirectories(AclFile.path(dir).getParent());
        Files.writeString(AclFile.path(dir), "damaged");
        Authorizer disabled = Authorizer.open(AuthorizerSettings.disabled(), FileIO.real(), dir);
        assertThat(disabled.enabled()).isFalse();
        assertThat(disabled.authorize(ALICE, "10.0.0.1", AclOperation.DELETE, ResourceType.TOPIC, "orders")).isTrue();
        assertThatThrownBy(() -> disabled.create(List.of(ALICE_READS))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void superUsersAreAllowedEverythingWhateverTheAcls() throws IOException {
        Authorizer authorizer = open(Set.of(new KafkaPrincipal("User", "admin")));
        authorizer.create(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "*", PatternType.LITERAL),
                new AccessControlEntry("User:*", "*", AclOperation.ALL, AclPermissionType.DENY))));
        assertThat(authorizer.authorize(new KafkaPrincipal("User", "admin"), "h", AclOperation.WRITE,
                ResourceType.TOPIC, "orders")).isTrue();
        assertThat(authorizer.authorize(new KafkaPrincipal("Group", "admin"), "h", AclOperation.WRITE,
                ResourceType.TOPIC, "orders")).as("same name, other type").isFalse();
        assertThat(authorizer.authorize(ALICE, "h", AclOperation.WRITE, ResourceType.TOPIC, "orders")).isFalse();
    }

    @Test
    void aChangeIsOnDiskBeforeItTakesEffectAndAFailedWriteChangesNothing() throws IOException {
        Authorizer authorizer = open(Set.of());
        assertThat(authorizer.create(List.of(ALICE_READS, ALICE_READS))).containsExactly(Optional.empty(),
                Optional.empty());
        assertThat(authorizer.describe(AclBindingFilter.ANY)).containsExactly(ALICE_READS);
        assertThat(AclFile.read(FileIO.real(), dir)).containsExactly(ALICE_READS);
        assertThat(authorizer.authorize(ALICE, "h", AclOperation.READ, ResourceType.TOPIC, "orders")).isTrue();

        // The directory cannot take the new file: the write fails and the ACLs stay as they were.
        Path security = AclFile.path(dir).getParent();
        Files.delete(AclFile.path(dir));
        Files.delete(security);
        Files.writeString(security, "a file where the directory should be");
        AclBinding aliceWrites = new AclBinding(ALICE_READS.pattern(),
                new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW));
        assertThatThrownBy(() -> authorizer.create(List.of(aliceWrites))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> authorizer.delete(List.of(AclBindingFilter.ANY))).isInstanceOf(IOException.class);
        assertThat(authorizer.describe(AclBindingFilter.ANY)).containsExactly(ALICE_READS);
        assertThat(authorizer.authorize(ALICE, "h", AclOperation.WRITE, ResourceType.TOPIC, "orders")).isFalse();
        assertThat(authorizer.authorize(ALICE, "h", AclOperation.READ, ResourceType.TOPIC, "orders")).isTrue();
    }

    @Test
    void eachDeleteFilterReportsWhatItMatched() throws IOException {
        Authorizer authorizer = open(Set.of());
        AclBinding groupAcl = new AclBinding(new ResourcePattern(ResourceType.GROUP, "billing", PatternType.PREFIXED),
                new AccessControlEntry("User:bob", "*", AclOperation.READ, AclPermissionType.ALLOW));
        AclBinding invalid = new AclBinding(new ResourcePattern(ResourceType.TOPIC, "", PatternType.LITERAL),
                new AccessControlEntry("User:bob", "*", AclOperation.READ, AclPermissionType.ALLOW));
        List<Optional<String>> results = authorizer.create(List.of(ALICE_READS, groupAcl, invalid));
        assertThat(results.get(2)).hasValueSatisfying(reason -> assertThat(reason).contains("Invalid resource name"));
        List<List<AclBinding>> deleted = authorizer.delete(List.of(
                new AclBindingFilter(new ResourcePatternFilter(ResourceType.GROUP, null, PatternType.ANY),
                        AccessControlEntryFilter.ANY),
                new AclBindingFilter(ResourcePatternFilter.ANY,
                        new AccessControlEntryFilter("User:bob", null, AclOperation.ANY, AclPermissionType.ANY)),
                new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, "other", PatternType.LITERAL),
                        AccessControlEntryFilter.ANY)));
        assertThat(deleted).containsExactly(List.of(groupAcl), List.of(groupAcl), List.of());
        assertThat(Authorizer.open(new AuthorizerSettings(true, Set.of()), FileIO.real(), dir)
                .describe(AclBindingFilter.ANY)).as("after a reopen").containsExactly(ALICE_READS);
    }
}
