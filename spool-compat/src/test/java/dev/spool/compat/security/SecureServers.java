package dev.spool.compat.security;

import dev.spool.bench.kafka.BrokerProcess;
import dev.spool.compat.Servers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The two servers of the secure cells, each with a PLAINTEXT, an SSL, a SASL_PLAINTEXT and a
 * SASL_SSL listener at once, the same test certificate on the TLS ones and the same users
 * ({@link #ALICE}, {@link #BOB}) for every SASL mechanism (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512):
 *
 * <ul>
 *   <li>a single-node Apache Kafka 4.4 KRaft broker ({@link BrokerProcess}), its SCRAM users made
 *       when its storage is formatted, its PLAIN users in the listeners' JAAS settings; the broker
 *       and its controller keep talking PLAINTEXT;</li>
 *   <li>{@code spool serve} ({@link SpoolSecureServer}) with the listeners this build of the command
 *       can serve; {@link #spoolLacking} says what it lacks for the others. Without even
 *       {@code --listeners} there is no Spool target.</li>
 * </ul>
 *
 * Both start together over fresh directories under {@code target/compat/NAME}, where their logs
 * stay. Not thread-safe: opened in a class's {@code @BeforeAll}, closed in its {@code @AfterAll}.
 */
final class SecureServers implements AutoCloseable {
    static final Access.Login ALICE = new Access.Login("alice", "alice-secret-7");
    static final Access.Login BOB = new Access.Login("bob", "bob-secret-3");
    static final List<Access.Login> USERS = List.of(ALICE, BOB);
    private static final List<String> JVM_FLAGS = List.of("-Xms512m", "-Xmx512m", "-XX:+UseG1GC");
    private static final List<String> SCRAM = List.of("SCRAM-SHA-256", "SCRAM-SHA-512");

    final TestCertificates certs;
    final SecureTarget kafkaTarget;
    /** The Spool target, absent when it could serve none of the secure listeners. */
    final Optional<SecureTarget> spoolTarget;
    private final SpoolSecureServer.Options spoolOptions;
    private final BrokerProcess kafka;
    private final SpoolSecureServer spool;

    private SecureServers(TestCertificates certs, BrokerProcess kafka, SecureTarget kafkaTarget,
            SpoolSecureServer spool, SecureTarget spoolTarget, SpoolSecureServer.Options spoolOptions) {
        this.certs = certs;
        this.kafka = kafka;
        this.kafkaTarget = kafkaTarget;
        this.spool = spool;
        this.spoolTarget = Optional.ofNullable(spoolTarget);
        this.spoolOptions = spoolOptions;
    }

    static SecureServers start(String name) throws IOException, InterruptedException {
        Path root = Paths.get("target", "compat", name).toAbsolutePath();
        Servers.deleteRecursively(root);
        Files.createDirectories(root);
        TestCertificates certs = TestCertificates.make(root.resolve("certs"));
        int[] k = Servers.freePorts(5);
        SecureTarget kafkaTarget = target("kafka", k[0], k[1], k[2], k[3]);
        List<String> kafkaArgs = new ArrayList<>(List.of("kafka", root.resolve("kafka").toString(),
                Integer.toString(k[0]), Integer.toString(k[4])));
        kafkaArgs.addAll(kafkaSettings(kafkaTarget, k[4], certs));
        CompletableFuture<BrokerProcess> kafka = CompletableFuture.supplyAsync(() -> {
            try {
                return BrokerProcess.start(JVM_FLAGS, kafkaArgs, root.resolve("kafka.log"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        SpoolSecureServer.Options options = SpoolSecureServer.Options.probe();
        SpoolSecureServer spool = null;
        SecureTarget spoolTarget = null;
        if (options.serves("SSL") || options.serves("SASL_PLAINTEXT")) {
            int[] s = Servers.freePorts(4);
            SpoolSecureServer.Ports ports = new SpoolSecureServer.Ports(s[0], options.serves("SSL") ? s[1] : 0,
                    options.serves("SASL_PLAINTEXT") ? s[2] : 0, options.serves("SASL_SSL") ? s[3] : 0);
            try {
                spool = SpoolSecureServer.start(options, root.resolve("spool"), ports, certs, USERS,
                        root.resolve("spool.log"));
            } catch (IOException | RuntimeException e) {
                kafka.thenAccept(Servers::closeQuietly);
                throw e;
            }
            Map<String, String> listeners = new HashMap<>();
            for (String protocol : List.of("SSL", "SASL_PLAINTEXT", "SASL_SSL")) {
                if (ports.port(protocol) != 0) {
                    listeners.put(protocol, "127.0.0.1:" + ports.port(protocol));
                }
            }
            spoolTarget = new SecureTarget("spool", "127.0.0.1:" + s[0], listeners);
        }
        try {
            return new SecureServers(certs, kafka.get(), kafkaTarget, spool, spoolTarget, options);
        } catch (ExecutionException e) {
            if (spool != null) {
                spool.close();
            }
            throw new IOException("The Kafka broker did not start; see " + root.resolve("kafka.log"), e.getCause());
        }
    }

    private static SecureTarget target(String name, int plaintext, int ssl, int saslPlaintext, int saslSsl) {
        return new SecureTarget(name, "127.0.0.1:" + plaintext, Map.of("SSL", "127.0.0.1:" + ssl,
                "SASL_PLAINTEXT", "127.0.0.1:" + saslPlaintext, "SASL_SSL", "127.0.0.1:" + saslSsl));
    }

    /**
     * The broker settings (BrokerMain's {@code KEY=VALUE}s and {@code --add-scram=}s) for the
     * target's four listeners plus the controller's, as a Kafka operator writes them in
     * {@code server.properties}.
     */
    private static List<String> kafkaSettings(SecureTarget t, int controllerPort, TestCertificates certs) {
        String listeners = "PLAINTEXT://" + t.plaintext() + ",SSL://" + t.listeners().get("SSL")
                + ",SASL_PLAINTEXT://" + t.listeners().get("SASL_PLAINTEXT")
                + ",SASL_SSL://" + t.listeners().get("SASL_SSL") + ",CONTROLLER://127.0.0.1:" + controllerPort;
        List<String> settings = new ArrayList<>(List.of(
                "group.initial.rebalance.delay.ms=0",
                "listeners=" + listeners,
                "advertised.listeners=" + listeners,
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,"
                        + "SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                "ssl.keystore.location=" + certs.keystore(),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.password=" + TestCertificates.PASSWORD,
                "ssl.key.password=" + TestCertificates.PASSWORD,
                "sasl.enabled.mechanisms=PLAIN," + String.join(",", SCRAM)));
        StringBuilder plain = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        for (Access.Login user : USERS) {
            plain.append(" user_").append(user.user()).append("=\"").append(user.password()).append('"');
        }
        for (String listener : List.of("sasl_plaintext", "sasl_ssl")) {
            settings.add("listener.name." + listener + ".plain.sasl.jaas.config=" + plain + ";");
            for (String mechanism : SCRAM) {
                settings.add("listener.name." + listener + "." + mechanism.toLowerCase() + ".sasl.jaas.config="
                        + "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            }
        }
        for (Access.Login user : USERS) {
            for (String mechanism : SCRAM) {
                settings.add("--add-scram=" + mechanism + "=[name=" + user.user() + ",password=" + user.password()
                        + "]");
            }
        }
        return settings;
    }

    /** Why {@code spool serve} does not run the cells that go through {@code access}; empty when it does. */
    Optional<String> spoolLacking(Access access) {
        return spoolOptions.lacking(access.protocol());
    }

    List<SecureTarget> targets() {
        List<SecureTarget> targets = new ArrayList<>(List.of(kafkaTarget));
        spoolTarget.ifPresent(targets::add);
        return targets;
    }

    @Override
    public void close() throws IOException {
        try {
            if (spool != null) {
                spool.close();
            }
        } finally {
            kafka.close();
        }
    }
}
