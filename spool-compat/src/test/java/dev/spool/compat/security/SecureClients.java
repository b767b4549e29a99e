package dev.spool.compat.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.compat.Installed;
import dev.spool.compat.Proc;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The secure cells of each client: through every {@link Access} it produces {@link #COUNT} values
 * and consumes them back in a consumer group as {@link SecureServers#ALICE}; and, through each SASL
 * listener, a login with a wrong password is refused with an authentication error, within the
 * client's own deadline rather than at the harness's. The clients: the Java client in this JVM,
 * kcat with {@code -X} settings, and confluent-kafka-python and kafkajs through the matrix's
 * scripts, which take their connection settings as JSON in {@code COMPAT_CLIENT_CONFIG}.
 */
final class SecureClients {
    static final String JAVA = "Java client 4.4";
    static final String KCAT = "kcat 1.7 (librdkafka 2.0)";
    static final String CONFLUENT_PYTHON = "confluent-kafka-python 1.7 (librdkafka 2.0)";
    static final String KAFKAJS = "kafkajs 2.2.4";
    static final int COUNT = 5;
    /** A user that exists with another's password: the server must refuse the login, not the name. */
    static final Access.Login WRONG = new Access.Login(SecureServers.BOB.user(), SecureServers.ALICE.password());
    /**
     * librdkafka before 2.6.1 repeats its own nonce in the SCRAM client-final message; Kafka 4 checks
     * the nonce strictly (RFC 5802) and refuses every SCRAM login of these clients, right password or not.
     */
    static final SecureCell.KnownBug LIBRDKAFKA_SCRAM = new SecureCell.KnownBug("librdkafka 2.0 sends a SCRAM"
            + " client-final nonce Kafka 4 refuses (fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895)",
            "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM");
    /** The ways in a wrong password is tried: the simplest mechanism in the clear, SCRAM under TLS. */
    static final List<Access> REFUSED = List.of(Access.SASL_PLAIN, Access.SASL_SSL_SCRAM_512);

    private static final String FORMAT = "value %s\\n";
    private static final String CONFIG_ENV = "COMPAT_CLIENT_CONFIG";

    private SecureClients() {
    }

    /** How one client produces, consumes and shows a refused login; each throws on failure. */
    private interface Client {
        void produce(SecureHarness h, Access access, Access.Login login, String topic, List<String> values)
                throws Exception;

        List<String> consume(SecureHarness h, Access access, String topic, String group, int count) throws Exception;

        /** Tries to produce as {@code login}; returns the error that says the login was refused. */
        String refused(SecureHarness h, Access access, Access.Login login, String topic) throws Exception;
    }

    static List<SecureCell> java() {
        return cells(JAVA, new JavaClient(), false);
    }

    static List<SecureCell> kcat() {
        return cells(KCAT, new KcatClient(), true);
    }

    static List<SecureCell> confluentPython() {
        String script = Paths.get("src", "test", "resources", "python", "confluent_client.py").toAbsolutePath()
                .toString();
        return cells(CONFLUENT_PYTHON, new ScriptClient(List.of(Installed.PYTHON, script), false), true);
    }

    static List<SecureCell> kafkajs() {
        String script = Installed.NODE_DIR.resolve("kafkajs_client.js").toString();
        return cells(KAFKAJS, new ScriptClient(List.of("node", script), true), false);
    }

    private static List<SecureCell> cells(String name, Client client, boolean librdkafka) {
        List<SecureCell> cells = new ArrayList<>();
        for (Access access : Access.ALL) {
            boolean scramBug = librdkafka && access.sasl() && access.mechanism().startsWith("SCRAM");
            cells.add(new SecureCell(name, "produce, consume back (" + access.label() + ")", access, (h, topic) -> {
                h.createTopic(topic);
                List<String> values = values();
                client.produce(h, access, SecureServers.ALICE, topic, values);
                List<String> read = client.consume(h, access, topic, topic + "-g", values.size());
                assertThat(read).as("values consumed back through " + access.label()).isEqualTo(values);
                return null;
            }, scramBug ? LIBRDKAFKA_SCRAM : null));
        }
        for (Access access : REFUSED) {
            cells.add(new SecureCell(name, "wrong password refused (" + access.label() + ")", access,
                    (h, topic) -> {
                h.createTopic(topic);
                return client.refused(h, access, WRONG, topic);
            }, null));
        }
        return cells;
    }

    private static List<String> values() {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            values.add("v" + i);
        }
        return values;
    }

    /** The error line of a run that must have failed on authentication. */
    private static String authenticationError(Proc.Result result) {
        assertThat(result.ok()).as("a login with a wrong password succeeded\n" + result.describe()).isFalse();
        assertThat(result.exit()).as("the client was killed at the harness's deadline instead of failing\n"
                + result.describe()).isNotEqualTo(-1);
        String[] lines = result.output().split("\n");
        for (String prefix : List.of("error ", "% ERROR", "")) { // the client's error line, else a log line
            for (String line : lines) {
                if (line.startsWith(prefix) && line.toLowerCase(Locale.ROOT).contains("authentication")) {
                    return line.strip();
                }
            }
        }
        throw new AssertionError("the run failed, but not with an authentication error\n" + result.describe());
    }

    private static Proc.Result ok(Proc.Result result) {
        if (!result.ok()) {
            throw new AssertionError(result.describe());
        }
        return result;
    }

    /** The Java client in this JVM: producer, subscribed consumer in a group. */
    private static final class JavaClient implements Client {
        private static Properties props(SecureHarness h, Access access, Access.Login login) {
            Properties props = access.javaClient(h.certs, login);
            props.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, h.target.bootstrap(access));
            return props;
        }

        private static KafkaProducer<String, String> producer(SecureHarness h, Access access, Access.Login login) {
            Properties props = props(h, access, login);
            props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
            props.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
            props.setProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
            props.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
            return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        }

        @Override
        public void produce(SecureHarness h, Access access, Access.Login login, String topic, List<String> values)
                throws Exception {
            try (KafkaProducer<String, String> producer = producer(h, access, login)) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (String value : values) {
                    sent.add(producer.send(new ProducerRecord<>(topic, 0, null, value)));
                }
                for (Future<RecordMetadata> each : sent) {
                    each.get(SecureHarness.WAIT_MS, TimeUnit.MILLISECONDS);
                }
            }
        }

        @Override
        public List<String> consume(SecureHarness h, Access access, String topic, String group, int count) {
            Properties props = props(h, access, SecureServers.ALICE);
            props.setProperty(ConsumerConfig.GROUP_ID_CONFIG, group);
            props.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.subscribe(List.of(topic));
                List<String> values = new ArrayList<>();
                long deadline = System.currentTimeMillis() + SecureHarness.WAIT_MS;
                while (values.size() < count && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(record.value());
                    }
                }
                consumer.commitSync();
                return values;
            }
        }

        @Override
        public String refused(SecureHarness h, Access access, Access.Login login, String topic) throws Exception {
            try (KafkaProducer<String, String> producer = producer(h, access, login)) {
                producer.send(new ProducerRecord<>(topic, 0, null, "never")).get(SecureHarness.WAIT_MS,
                        TimeUnit.MILLISECONDS);
            } catch (ExecutionException | AuthenticationException e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof AuthenticationException) {
                        return t.getClass().getSimpleName() + ": " + t.getMessage();
                    }
                }
                throw new AssertionError("the send failed, but not with an authentication error", e);
            }
            throw new AssertionError("a login with a wrong password was accepted: the record was written");
        }
    }

    /** kcat, its settings as {@code -X KEY=VALUE}: {@code -P} to partition 0, {@code -G} to consume. */
    private static final class KcatClient implements Client {
        private static List<String> kcat(SecureHarness h, Access access, Access.Login login, String... args) {
            List<String> command = new ArrayList<>(List.of("kcat", "-b", h.target.bootstrap(access), "-u"));
            for (Map.Entry<String, String> each : access.librdkafka(h.certs, login).entrySet()) {
                command.add("-X");
                command.add(each.getKey() + "=" + each.getValue());
            }
            command.addAll(List.of(args));
            return command;
        }

        @Override
        public void produce(SecureHarness h, Access access, Access.Login login, String topic, List<String> values)
                throws Exception {
            ok(Proc.run(kcat(h, access, login, "-P", "-t", topic, "-p", "0"), String.join("\n", values) + "\n"));
        }

        @Override
        public List<String> consume(SecureHarness h, Access access, String topic, String group, int count)
                throws Exception {
            Proc.Result read = ok(Proc.run(kcat(h, access, SecureServers.ALICE, "-G", group,
                    "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=10000",
                    "-c", Integer.toString(count), "-f", FORMAT, topic)));
            return read.field("value");
        }

        @Override
        public String refused(SecureHarness h, Access access, Access.Login login, String topic) throws Exception {
            // kcat's producer stops at once when its only broker refused the login ("all brokers down")
            return authenticationError(Proc.run(kcat(h, access, login, "-P", "-t", topic, "-p", "0"), "never\n"));
        }
    }

    /** A matrix script (confluent_client.py, kafkajs_client.js), its settings as JSON in the environment. */
    private record ScriptClient(List<String> command, boolean kafkajsOptions) implements Client {
        private Proc.Result run(SecureHarness h, Access access, Access.Login login, String... args) throws Exception {
            List<String> full = new ArrayList<>(command);
            full.add(h.target.bootstrap(access));
            full.addAll(List.of(args));
            String settings = kafkajsOptions ? access.kafkajs(h.certs, login) : access.librdkafkaJson(h.certs, login);
            return Proc.run(full, null, Map.of(CONFIG_ENV, settings), () -> false);
        }

        @Override
        public void produce(SecureHarness h, Access access, Access.Login login, String topic, List<String> values)
                throws Exception {
            // the scripts produce PREFIX0 … PREFIXn-1, which is what values() made
            ok(run(h, access, login, "produce", topic, "none", Integer.toString(values.size()), "v"));
        }

        @Override
        public List<String> consume(SecureHarness h, Access access, String topic, String group, int count)
                throws Exception {
            return ok(run(h, access, SecureServers.ALICE, "consume", topic, group, "earliest",
                    Integer.toString(count))).field("value");
        }

        @Override
        public String refused(SecureHarness h, Access access, Access.Login login, String topic) throws Exception {
            return authenticationError(run(h, access, login, "produce", topic, "none", "1", "never"));
        }
    }
}
