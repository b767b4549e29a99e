package dev.spool.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spool.kafka.KafkaServer;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.security.AclFile;
import dev.spool.kafka.security.AuthorizerSettings;
import dev.spool.kafka.security.SecuritySettings;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.io.FileIO;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's {@code kafka-acls} ({@code org.apache.kafka.tools.AclCommand} of Kafka 4.4, run in a child
 * JVM as its script runs it) against a Spool server with the authorizer on: {@code --add} grants a
 * producer what it was denied, {@code --list} shows the ACLs, {@code --remove --force} takes them
 * away again. The client is {@code User:ANONYMOUS} (a plaintext listener); the ACL file is seeded
 * with ALTER on the cluster for it, as an operator grants an administrator the right to manage ACLs.
 */
@Timeout(180)
class AclCommandTest {
    private static final String ACLS = "org.apache.kafka.tools.AclCommand";

    @TempDir
    Path dir;

    @Test
    void kafkaAclsAddsListsAndRemovesAclsThatTakeEffect() throws Exception {
        AclFile.write(FileIO.real(), dir, List.of(new AclBinding(
                new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                new AccessControlEntry("User:ANONYMOUS", "*", AclOperation.ALTER, AclPermissionType.ALLOW))));
        KafkaServerConfig config = KafkaServerConfig.defaults().withListen("127.0.0.1", 0)
                .withSecurity(SecuritySettings.defaults().withAuthorizer(new AuthorizerSettings(true, Set.of())));
        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks());
             KafkaServer server = KafkaServer.start(config, manager)) {
            manager.createTopic("orders", 1);
            String bootstrap = "127.0.0.1:" + server.port();
            assertThatThrownBy(() -> produce(bootstrap)).hasCauseInstanceOf(TopicAuthorizationException.class);

            Proc.Result added = acls(bootstrap, "--add", "--allow-principal", "User:ANONYMOUS", "--operation", "Write",
                    "--operation", "Describe", "--topic", "orders");
            assertThat(added.output()).contains("principal=User:ANONYMOUS", "operation=WRITE", "permissionType=ALLOW");
            produce(bootstrap);

            acls(bootstrap, "--add", "--deny-principal", "User:mallory", "--operation", "All",
                    "--resource-pattern-type", "prefixed", "--topic", "ord");
            Proc.Result listed = acls(bootstrap, "--list");
            assertThat(listed.output())
                    .contains("name=orders, patternType=LITERAL", "operation=WRITE", "operation=DESCRIBE")
                    .contains("name=ord, patternType=PREFIXED", "principal=User:mallory", "permissionType=DENY")
                    .contains("resourceType=CLUSTER", "operation=ALTER");
            Proc.Result forTopic = acls(bootstrap, "--list", "--topic", "orders");
            assertThat(forTopic.output()).contains("operation=WRITE").doesNotContain("User:mallory");

            acls(bootstrap, "--remove", "--force", "--topic", "orders");
            assertThat(acls(bootstrap, "--list").output()).doesNotContain("name=orders,")
                    .contains("name=ord, patternType=PREFIXED");
            assertThatThrownBy(() -> produce(bootstrap)).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        assertThat(AclFile.read(FileIO.real(), dir)).hasSize(2); // the cluster ACL and the prefixed DENY, on disk
    }

    private static Proc.Result acls(String bootstrap, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = bootstrap;
        System.arraycopy(args, 0, all, 2, args.length);
        Proc.Result result = Proc.run(Proc.java(ACLS, all));
        assertThat(result.exit()).as(result.describe()).isZero();
        return result;
    }

    private static void produce(String bootstrap) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>("orders", "k", "v")).get();
        }
    }
}
