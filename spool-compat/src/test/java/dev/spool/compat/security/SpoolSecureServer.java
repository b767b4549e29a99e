package dev.spool.compat.security;

import dev.spool.cli.SpoolCommand;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code spool serve} with its secure listeners, exactly as a user starts it: the users made first
 * with {@code spool users add} on the data directory, then the server in a child JVM running the
 * {@code spool} command (on this module's classpath), listening on PLAINTEXT, SSL, SASL_PLAINTEXT
 * and SASL_SSL at once, the TLS listeners with the test keystore.
 *
 * <p>The one place that knows the command line of Spool's security options: when they change,
 * only {@link #userArgs} and {@link #serveArgs} change. {@link #missing} says which of them this
 * build of the command does not have, so the secure cells skip the Spool side with that reason
 * rather than fail on a usage error.
 *
 * <p>The child is ready when it prints its {@code spool: serving} line; it stops on SIGTERM (as
 * {@code spool serve} does for a service manager), flushing its logs. Not thread-safe.
 */
final class SpoolSecureServer implements AutoCloseable {
    private static final long READY_TIMEOUT_MS = 60_000;
    private static final long STOP_TIMEOUT_MS = 60_000;
    private static final String READY = "spool: serving";
    private static final List<String> JVM_FLAGS = List.of("-Xms512m", "-Xmx512m", "-XX:+UseG1GC");

    private final Process process;

    private SpoolSecureServer(Process process) {
        this.process = process;
    }

    /** The ports of the four listeners. */
    record Ports(int plaintext, int ssl, int saslPlaintext, int saslSsl) {
        String listeners() {
            return "PLAINTEXT://127.0.0.1:" + plaintext + ",SSL://127.0.0.1:" + ssl
                    + ",SASL_PLAINTEXT://127.0.0.1:" + saslPlaintext + ",SASL_SSL://127.0.0.1:" + saslSsl;
        }
    }

    /** {@code spool users add USER --password-file FILE} on the data directory. */
    private static List<String> userArgs(Path dataDir, String user, Path passwordFile) {
        return List.of("users", "add", user, "--password-file", passwordFile.toString(),
                "--data-dir", dataDir.toString());
    }

    /** {@code spool serve} on the four listeners, TLS from the PKCS12 keystore, every SASL mechanism. */
    private static List<String> serveArgs(Path dataDir, Ports ports, TestCertificates certs, Path storePasswordFile) {
        return List.of("serve", "--data-dir", dataDir.toString(),
                "--listeners", ports.listeners(),
                "--ssl-keystore", certs.keystore().toString(),
                "--ssl-keystore-password-file", storePasswordFile.toString(),
                "--sasl-mechanisms", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512");
    }

    /** The security options the command lacks, as a reason to skip the Spool side; empty when it has all. */
    static Optional<String> missing() {
        List<String> lacking = new ArrayList<>();
        String serveHelp = help("serve", "--help");
        for (String option : List.of("--listeners", "--ssl-keystore", "--ssl-keystore-password-file",
                "--sasl-mechanisms")) {
            if (!serveHelp.contains(option)) {
                lacking.add("spool serve " + option);
            }
        }
        if (!help("users", "add", "--help").contains("--password-file")) {
            lacking.add("spool users add USER --password-file FILE");
        }
        if (lacking.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("this build of the spool command has no " + String.join(", no ", lacking)
                + " (the TLS and SASL server options the secure cells start spool serve with)");
    }

    /** What {@code spool ARGS} prints, out and err together. */
    private static String help(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            SpoolCommand.execute(args, new ByteArrayInputStream(new byte[0]), print, print);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Adds {@code users} to a fresh data directory {@code dir/data} and starts the server there;
     * its output goes to {@code log}.
     */
    static SpoolSecureServer start(Path dir, Ports ports, TestCertificates certs, List<Access.Login> users, Path log)
            throws IOException {
        Path dataDir = dir.resolve("data");
        Files.createDirectories(dataDir);
        for (Access.Login user : users) {
            Path passwordFile = dir.resolve(user.user() + ".password");
            Files.writeString(passwordFile, user.password() + "\n", StandardCharsets.UTF_8);
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            int exit;
            try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                exit = SpoolCommand.execute(userArgs(dataDir, user.user(), passwordFile).toArray(String[]::new),
                        new ByteArrayInputStream(new byte[0]), print, print);
            }
            if (exit != 0) {
                throw new IOException("spool " + String.join(" ", userArgs(dataDir, user.user(), passwordFile))
                        + " exited with " + exit + ":\n" + output.toString(StandardCharsets.UTF_8));
            }
        }
        Path storePasswordFile = dir.resolve("keystore.password");
        Files.writeString(storePasswordFile, TestCertificates.PASSWORD + "\n", StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SpoolCommand.class.getName()));
        command.addAll(serveArgs(dataDir, ports, certs, storePasswordFile));
        Files.writeString(log, String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> copyOutput(process, log, ready), "spool-secure-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return new SpoolSecureServer(process);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException("spool serve did not start; see " + log, e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while starting spool serve", e);
        }
    }

    /** Copies the child's output to the log, completing {@code ready} at its serving line. */
    private static void copyOutput(Process process, Path log, CompletableFuture<Void> ready) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith(READY)) {
                    ready.complete(null);
                }
                out.write(line);
                out.write('\n');
                out.flush();
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IOException("spool serve exited before it was ready"));
    }

    /** SIGTERM, as a service manager stops it; killed after a timeout. */
    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException("spool serve pid " + process.pid() + " did not stop within " + STOP_TIMEOUT_MS
                        + " ms of SIGTERM; killed");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while stopping spool serve pid " + process.pid(), e);
        }
    }
}
