package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without an authorizer, DescribeAcls answers SECURITY_DISABLED as Kafka's broker does: an admin
 * client (kafka-acls, MirrorMaker 2's ACL sync) learns that there are no ACLs to read, rather than
 * meeting an API the server does not serve.
 */
class DescribeAclsTest {
    @TempDir
    Path dir;

    @Test
    void describeAclsSaysNoAuthorizerIsConfigured() throws Exception {
        try (RunningServer server = new RunningServer(dir); Admin admin = server.admin()) {
            assertThatThrownBy(() -> admin.describeAcls(AclBindingFilter.ANY).values().get())
                    .hasCauseInstanceOf(SecurityDisabledException.class)
                    .hasMessageContaining("No Authorizer is configured on the broker");
        }
    }
}
