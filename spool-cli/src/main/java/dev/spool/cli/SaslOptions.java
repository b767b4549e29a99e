package dev.spool.cli;

import dev.spool.kafka.KafkaServerConfig;
import dev.spool.kafka.security.SaslSettings;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code spool serve}'s SASL options: which mechanisms the {@code SASL_PLAINTEXT} and
 * {@code SASL_SSL} listeners offer (Kafka's {@code sasl.enabled.mechanisms}). The users come from
 * the data directory ({@code spool users}).
 */
final class SaslOptions {
    @Option(names = "--sasl-mechanisms", paramLabel = "LIST", split = ",",
            defaultValue = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
            description = "SASL mechanisms offered on SASL listeners, comma-separated (default: ${DEFAULT-VALUE}). "
                    + "PLAIN sends the password itself: offer it only where the connection is encrypted or trusted.")
    List<String> mechanisms;

    /** {@code config} with these mechanisms; an unknown one is a usage error naming it. */
    KafkaServerConfig apply(KafkaServerConfig config, CommandSpec spec) {
        Set<String> names = new LinkedHashSet<>();
        mechanisms.forEach(name -> names.add(name.trim().toUpperCase(Locale.ROOT)));
        try {
            return config.withSecurity(config.security().withSasl(new SaslSettings(names)));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--sasl-mechanisms: " + e.getMessage());
        }
    }
}
