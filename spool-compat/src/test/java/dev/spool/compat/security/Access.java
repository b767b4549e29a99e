package dev.spool.compat.security;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * One way into a server: a listener's security protocol as Kafka names it ({@code SSL},
 * {@code SASL_PLAINTEXT}, {@code SASL_SSL}) and, on the SASL ones, the mechanism. Knows how each
 * client is told to connect that way: the Java client's properties, librdkafka's settings (kcat
 * {@code -X}, confluent-kafka-python) and kafkajs's {@code ssl}/{@code sasl} options. Every client
 * trusts the test CA only and checks the server's name. Immutable.
 *
 * @param protocol  the listener's security protocol
 * @param mechanism the SASL mechanism, or null on {@code SSL}
 */
public record Access(String protocol, String mechanism) {
    public static final Access SSL = new Access("SSL", null);
    public static final Access SASL_PLAIN = new Access("SASL_PLAINTEXT", "PLAIN");
    public static final Access SASL_SCRAM_256 = new Access("SASL_PLAINTEXT", "SCRAM-SHA-256");
    public static final Access SASL_SCRAM_512 = new Access("SASL_PLAINTEXT", "SCRAM-SHA-512");
    public static final Access SASL_SSL_PLAIN = new Access("SASL_SSL", "PLAIN");
    public static final Access SASL_SSL_SCRAM_512 = new Access("SASL_SSL", "SCRAM-SHA-512");

    /** Every cell's way in for a produce and a consume: each protocol, each SASL mechanism. */
    public static final List<Access> ALL = List.of(SSL, SASL_PLAIN, SASL_SCRAM_256, SASL_SCRAM_512, SASL_SSL_PLAIN,
            SASL_SSL_SCRAM_512);

    /** A user and password; the password may be wrong. */
    public record Login(String user, String password) {
    }

    boolean tls() {
        return protocol.endsWith("SSL");
    }

    boolean sasl() {
        return mechanism != null;
    }

    /** {@code SSL}, {@code SASL_PLAINTEXT/PLAIN} … as the matrix shows it. */
    public String label() {
        return sasl() ? protocol + "/" + mechanism : protocol;
    }

    @Override
    public String toString() {
        return label();
    }

    /** The Java client's security properties (producer, consumer and admin take the same). */
    public Properties javaClient(TestCertificates certs, Login login) {
        Properties props = new Properties();
        props.setProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        if (tls()) {
            props.setProperty(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.truststore().toString());
            props.setProperty(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, TestCertificates.PASSWORD);
            props.setProperty(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        }
        if (sasl()) {
            props.setProperty(SaslConfigs.SASL_MECHANISM, mechanism);
            String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            props.setProperty(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + login.user()
                    + "\" password=\"" + login.password() + "\";");
        }
        return props;
    }

    /** librdkafka's settings: kcat's {@code -X KEY=VALUE}s, confluent-kafka-python's config. */
    public Map<String, String> librdkafka(TestCertificates certs, Login login) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("security.protocol", protocol.toLowerCase(Locale.ROOT));
        if (tls()) {
            settings.put("ssl.ca.location", certs.caPem().toString());
            // librdkafka 2.0 checks the name by default; said here so an older one checks it too
            settings.put("ssl.endpoint.identification.algorithm", "https");
        }
        if (sasl()) {
            settings.put("sasl.mechanisms", mechanism);
            settings.put("sasl.username", login.user());
            settings.put("sasl.password", login.password());
        }
        return settings;
    }

    /** kafkajs's client options {@code ssl} and {@code sasl} as a JSON object. */
    public String kafkajs(TestCertificates certs, Login login) throws IOException {
        StringBuilder json = new StringBuilder("{\"ssl\": ");
        json.append(tls() ? "{\"ca\": [" + Json.string(certs.caPemText()) + "]}" : "false");
        if (sasl()) {
            json.append(", \"sasl\": {\"mechanism\": ").append(Json.string(mechanism.toLowerCase(Locale.ROOT)))
                    .append(", \"username\": ").append(Json.string(login.user()))
                    .append(", \"password\": ").append(Json.string(login.password())).append('}');
        }
        return json.append('}').toString();
    }

    /** librdkafka's settings as the JSON object confluent_client.py reads. */
    public String librdkafkaJson(TestCertificates certs, Login login) {
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, String> each : librdkafka(certs, login).entrySet()) {
            if (json.length() > 1) {
                json.append(", ");
            }
            json.append(Json.string(each.getKey())).append(": ").append(Json.string(each.getValue()));
        }
        return json.append('}').toString();
    }

    /** The little JSON the scripts' settings need: strings. */
    private static final class Json {
        private Json() {
        }

        static String string(String value) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : value.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }
    }
}
