package dev.spool.compat.security;

import dev.spool.compat.Proc;
import dev.spool.compat.SpoolProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code spool serve} with its secure listeners, exactly as a user starts it: the users made first
 * with {@code spool users add} on the data directory, then the server in a child JVM running the
 * {@code spool} command (on this module's classpath), listening on PLAINTEXT, SSL, SASL_PLAINTEXT
 * and SASL_SSL at once, the TLS listeners with the test keystore.
 *
 * <p>The one place that knows the command line of Spool's security options: when they change,
 * only {@link #userArgs}, {@link #serveArgs} and {@link Options} change. {@link Options} says which
 * of them this build of the command has: the server gets the listeners it can serve, and the cells
 * of the others skip the Spool side naming what is missing, rather than fail on a usage error.
 *
 * <p>The child is ready when it prints its {@code spool: serving} line; it stops on SIGTERM (as
 * {@code spool serve} does for a service manager), flushing its logs. Not thread-safe.
 */
final class SpoolSecureServer implements AutoCloseable {
    private final SpoolProcess process;

    private SpoolSecureServer(SpoolProcess process) {
        this.process = process;
    }

    /** The ports of the listeners; a secure one is 0 when the command cannot serve it. */
    record Ports(int plaintext, int ssl, int saslPlaintext, int saslSsl) {
        String listeners() {
            StringBuilder b = new StringBuilder("PLAINTEXT://127.0.0.1:" + plaintext);
            for (String protocol : List.of("SSL", "SASL_PLAINTEXT", "SASL_SSL")) {
                if (port(protocol) != 0) {
                    b.append(',').append(protocol).append("://127.0.0.1:").append(port(protocol));
                }
            }
            return b.toString();
        }

        int port(String protocol) {
            return switch (protocol) {
                case "PLAINTEXT" -> plaintext;
                case "SSL" -> ssl;
                case "SASL_PLAINTEXT" -> saslPlaintext;
                case "SASL_SSL" -> saslSsl;
                default -> throw new IllegalArgumentException("Unknown security protocol " + protocol);
            };
        }
    }

    /**
     * Which of the security options the cells need this build of the command has, read from its
     * {@code --help}: several listeners at once, TLS material as a PKCS12 keystore or as PEM files,
     * the SASL mechanisms, and {@code spool users add} with a password file.
     */
    record Options(String unusable, boolean listeners, boolean keystore, boolean pem, boolean sasl, boolean users) {
        static Options probe() throws IOException, InterruptedException {
            Proc.Result serveHelp = Proc.run(spool("serve", "--help"));
            if (!serveHelp.ok()) {
                return new Options("the spool command does not run on this module's class path: "
                        + serveHelp.describe(), false, false, false, false, false);
            }
            String serve = serveHelp.output();
            return new Options(null, has(serve, "--listeners"),
                    has(serve, "--ssl-keystore") && has(serve, "--ssl-keystore-password-file"),
                    has(serve, "--ssl-certificate") && has(serve, "--ssl-key"),
                    has(serve, "--sasl-mechanisms"),
                    has(Proc.run(spool("users", "add", "--help")).output(), "--password-file"));
        }

        /** Whether the usage text {@code help} lists {@code option} itself (not merely a longer one it starts). */
        private static boolean has(String help, String option) {
            return Pattern.compile(Pattern.quote(option) + "(?![-\\w])").matcher(help).find();
        }

        /** Why the command cannot serve listeners of {@code protocol}; empty when it can. */
        Optional<String> lacking(String protocol) {
            if (unusable != null) {
                return Optional.of(unusable);
            }
            List<String> lacking = new ArrayList<>();
            if (!listeners) {
                lacking.add("spool serve --listeners");
            }
            if (protocol.endsWith("SSL") && !keystore && !pem) {
                lacking.add("spool serve --ssl-keystore FILE --ssl-keystore-password-file FILE"
                        + " (or --ssl-certificate FILE --ssl-key FILE)");
            }
            if (protocol.startsWith("SASL") && !sasl) {
                lacking.add("spool serve --sasl-mechanisms");
            }
            if (protocol.startsWith("SASL") && !users) {
                lacking.add("spool users add USER --password-file FILE");
            }
            return lacking.isEmpty() ? Optional.empty() : Optional.of("this build of the spool command has no "
                    + String.join(", no ", lacking) + " (the server options the secure cells start spool serve"
                    + " with for " + protocol + ")");
        }

        boolean serves(String protocol) {
            return lacking(protocol).isEmpty();
        }
    }

    /** {@code spool users add USER --password-file FILE} on the data directory. */
    private static List<String> userArgs(Path dataDir, String user, Path passwordFile) {
        return List.of("users", "add", user, "--password-file", passwordFile.toString(),
                "--data-dir", dataDir.toString());
    }

    /** {@code spool serve} on the listeners, TLS from the PKCS12 keystore (or PEM), every SASL mechanism. */
    private static List<String> serveArgs(Options options, Path dataDir, Ports ports, TestCertificates certs,
            Path storePasswordFile) {
        List<String> args = new ArrayList<>(List.of("serve", "--data-dir", dataDir.toString(),
                "--listeners", ports.listeners()));
        if (options.keystore()) {
            args.addAll(List.of("--ssl-keystore", certs.keystore().toString(),
                    "--ssl-keystore-password-file", storePasswordFile.toString()));
        } else if (options.pem()) {
            args.addAll(List.of("--ssl-certificate", certs.serverCertificatePem().toString(),
                    "--ssl-key", certs.serverKeyPem().toString()));
        }
        if (options.sasl()) {
            args.addAll(List.of("--sasl-mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"));
        }
        return args;
    }

    private static List<String> spool(String... args) {
        return SpoolProcess.command(args);
    }

    /**
     * Adds {@code users} to a fresh data directory {@code dir/data} and starts the server there;
     * its output goes to {@code log}.
     */
    static SpoolSecureServer start(Options options, Path dir, Ports ports, TestCertificates certs,
            List<Access.Login> users, Path log) throws IOException {
        Path dataDir = dir.resolve("data");
        Files.createDirectories(dataDir);
        for (Access.Login user : options.users() ? users : List.<Access.Login>of()) {
            Path passwordFile = dir.resolve(user.user() + ".password");
            Files.writeString(passwordFile, user.password() + "\n", StandardCharsets.UTF_8);
            Proc.Result added;
            try {
                added = Proc.run(spool(userArgs(dataDir, user.user(), passwordFile).toArray(String[]::new)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while adding user " + user.user(), e);
            }
            if (!added.ok()) {
                throw new IOException("spool users add " + user.user() + " failed: " + added.describe());
            }
        }
        Path storePasswordFile = dir.resolve("keystore.password");
        Files.writeString(storePasswordFile, TestCertificates.PASSWORD + "\n", StandardCharsets.UTF_8);
        return new SpoolSecureServer(SpoolProcess.serve(serveArgs(options, dataDir, ports, certs,
                storePasswordFile), log));
    }

    /** SIGTERM, as a service manager stops it; killed after a timeout. */
    @Override
    public void close() throws IOException {
        process.close();
    }
}
