package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.KafkaServer;
import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.network.Listener;
import dev.spool.kafka.security.ScramCredentialsFile;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code spool users}: on a data directory and through a running server, and what its users can then do. */
@Timeout(120)
class UsersCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private Run run(boolean terminal, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--data-dir") && !all.contains("--bootstrap-server")) {
            all.add("--data-dir");
            all.add(dataDir().toString());
        }
        int code = SpoolCommand.execute(all.toArray(String[]::new),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                terminal);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run run(String... args) {
        return run(false, "", args);
    }

    private Path dataDir() {
        return tmp.resolve("data");
    }

    private Path passwordFile(String password) throws Exception {
        Path file = Files.createTempFile(tmp, "password", ".txt");
        Files.writeString(file, password + "\n");
        return file;
    }

    /** A server on the data directory with a SASL_PLAINTEXT listener. */
    private record Serving(LogManager manager, KafkaServer server) implements AutoCloseable {
        static Serving start(Path dataDir) throws Exception {
            LogManager manager = LogManager.open(dataDir, LogManagerConfig.defaults().withoutBackgroundTasks());
            KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults()
                            .withListeners(List.of(Listener.parse("SASL_PLAINTEXT://127.0.0.1:0"))),
                    manager, Optional.empty(), new CompositeMeterRegistry());
            return new Serving(manager, server);
        }

        @Override
        public void close() throws Exception {
            server.close();
            manager.close();
        }
    }

    private static Properties clientProperties(String mechanism, String user, String password) {
        Properties props = new Properties();
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        props.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return props;
    }

    private static boolean authenticates(KafkaServer server, String mechanism, String user, String password)
            throws Exception {
        Properties props = clientProperties(mechanism, user, password);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + server.port());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().clusterId().get();
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof SaslAuthenticationException) {
                return false;
            }
            throw e;
        }
    }

    @Test
    void usersAddedOnTheDataDirectoryAuthenticateWithScramAndPlain() throws Exception {
        Run added = run("users", "add", "alice", "--password-file", passwordFile("alice-pw-1").toString());
        assertThat(added.code()).as(added.err()).isZero();
        assertThat(added.out()).contains("added user alice (SCRAM-SHA-256, SCRAM-SHA-512, 4096 iterations)");
        Run only512 = run("users", "add", "bob", "--mechanism", "SCRAM-SHA-512", "--iterations", "8192",
                "--password-file", passwordFile("bob-pw-2").toString());
        assertThat(only512.code()).as(only512.err()).isZero();
        Run list = run("users", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).isEqualTo("alice SCRAM-SHA-256=iterations=4096,SCRAM-SHA-512=iterations=4096\n"
                + "bob SCRAM-SHA-512=iterations=8192\n");
        byte[] file = Files.readAllBytes(ScramCredentialsFile.path(dataDir()));
        assertThat(new String(file, StandardCharsets.ISO_8859_1)).doesNotContain("alice-pw-1").doesNotContain("bob-pw-2");
        try (Serving serving = Serving.start(dataDir())) {
            for (String mechanism : List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")) {
                assertThat(authenticates(serving.server(), mechanism, "alice", "alice-pw-1")).as(mechanism).isTrue();
            }
            assertThat(authenticates(serving.server(), "PLAIN", "bob", "bob-pw-2")).isTrue();
            assertThat(authenticates(serving.server(), "SCRAM-SHA-256", "bob", "bob-pw-2")).isFalse();
            assertThat(authenticates(serving.server(), "PLAIN", "alice", "bob-pw-2")).isFalse();
        }
        Run deleted = run("users", "delete", "bob");
        assertThat(deleted.code()).as(deleted.err()).isZero();
        assertThat(run("users", "list").out()).doesNotContain("bob");
        Run again = run("users", "delete", "bob");
        assertThat(again.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(again.err()).contains("no user 'bob'");
    }

    @Test
    void thePasswordIsAskedTwiceAtATerminalAndNeverWithoutOne() throws Exception {
        Run typed = run(true, "carol-pw\ncarol-pw\n", "users", "add", "carol");
        assertThat(typed.code()).as(typed.err()).isZero();
        assertThat(typed.err()).contains("Password for user carol:");
        Run differ = run(true, "one\ntwo\n", "users", "add", "dave");
        assertThat(differ.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(differ.err()).contains("the two passwords typed differ");
        Run noTerminal = run(false, "pw\npw\n", "users", "add", "erin");
        assertThat(noTerminal.code()).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(noTerminal.err()).contains("--password-file", "--password-env");
        Run unsetVariable = run("users", "add", "frank", "--password-env", "SPOOL_TEST_SURELY_UNSET_VARIABLE");
        assertThat(unsetVariable.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
        assertThat(unsetVariable.err()).contains("SPOOL_TEST_SURELY_UNSET_VARIABLE is not set");
        Run badMechanism = run("users", "add", "gina", "--mechanism", "PLAIN", "--password-file",
                passwordFile("x").toString());
        assertThat(badMechanism.code()).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(badMechanism.err()).contains("--mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512");
        assertThat(run("users", "list").out()).isEqualTo("carol SCRAM-SHA-256=iterations=4096,"
                + "SCRAM-SHA-512=iterations=4096\n");
    }

    @Test
    void aRunningServersUsersAreManagedThroughTheAdminApi() throws Exception {
        assertThat(run("users", "add", "admin", "--password-file", passwordFile("admin-pw").toString()).code()).isZero();
        Path config = tmp.resolve("admin.properties");
        try (java.io.Writer writer = Files.newBufferedWriter(config)) {
            clientProperties("SCRAM-SHA-256", "admin", "admin-pw").store(writer, null);
        }
        try (Serving serving = Serving.start(dataDir())) {
            String bootstrap = "127.0.0.1:" + serving.server().port();
            Run added = run("users", "add", "hank", "--mechanism", "SCRAM-SHA-256", "--password-file",
                    passwordFile("hank-pw").toString(), "--bootstrap-server", bootstrap, "--command-config", config.toString());
            assertThat(added.code()).as(added.err()).isZero();
            assertThat(authenticates(serving.server(), "PLAIN", "hank", "hank-pw")).isTrue();
            assertThat(authenticates(serving.server(), "SCRAM-SHA-256", "hank", "hank-pw")).isTrue();
            Run list = run("users", "list", "--bootstrap-server", bootstrap, "--command-config", config.toString());
            assertThat(list.code()).as(list.err()).isZero();
            assertThat(list.out()).contains("hank SCRAM-SHA-256=iterations=4096\n", "admin SCRAM-SHA-256=iterations=4096,");
            Run deleted = run("users", "delete", "hank", "--bootstrap-server", bootstrap, "--command-config",
                    config.toString());
            assertThat(deleted.code()).as(deleted.err()).isZero();
            assertThat(authenticates(serving.server(), "SCRAM-SHA-256", "hank", "hank-pw")).isFalse();
            Run unknown = run("users", "delete", "hank", "--bootstrap-server", bootstrap, "--command-config",
                    config.toString());
            assertThat(unknown.code()).isEqualTo(SpoolCommand.EXIT_ERROR);
            assertThat(unknown.err()).contains("does not exist");
            Run offlineWhileServing = run("users", "list");
            assertThat(offlineWhileServing.code()).as("the data directory is locked by the server")
                    .isEqualTo(SpoolCommand.EXIT_ERROR);
            assertThat(offlineWhileServing.err()).contains("in use by another process", "pass --bootstrap-server");
        }
    }

    @Test
    void serveRefusesAnUnknownSaslMechanism() {
        Run serve = run("serve", "--listen", "127.0.0.1:0", "--sasl-mechanisms", "PLAIN,GSSAPI");
        assertThat(serve.code()).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(serve.err()).contains("--sasl-mechanisms", "'GSSAPI' is not supported");
    }
}
