package dev.spool.compat.security;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * The harness's side of a secure cell on one server: the target, the test certificates the clients
 * trust, and an Admin client on the server's PLAINTEXT listener that makes each cell's topic (so a
 * cell's secure connections carry only the client under test's own work). Thread-safe (Admin is).
 */
final class SecureHarness implements AutoCloseable {
    static final long WAIT_MS = 30_000;

    final SecureTarget target;
    final TestCertificates certs;
    private final Admin admin;

    SecureHarness(SecureTarget target, TestCertificates certs) {
        this.target = target;
        this.certs = certs;
        Properties props = new Properties();
        props.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.plaintext());
        props.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(WAIT_MS));
        props.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        this.admin = Admin.create(props);
    }

    /** A new single-partition topic, once the server's metadata shows its leader (Kafka's lags its controller's). */
    void createTopic(String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(WAIT_MS, TimeUnit.MILLISECONDS);
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(WAIT_MS, TimeUnit.MILLISECONDS).get(topic);
                if (description.partitions().size() == 1 && description.partitions().get(0).leader() != null) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // not in the metadata yet
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("topic " + topic + " has no leader on " + target + " after " + WAIT_MS
                        + " ms");
            }
            Thread.sleep(100); // polling the metadata, which has no notification to wait on
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
