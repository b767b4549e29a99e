package dev.spool.cli;

import dev.spool.kafka.security.CredentialStore;
import dev.spool.log.LogManager;
import dev.spool.log.io.FileIO;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code spool users add|list|delete}: the users who may authenticate with SASL (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512). Either on a data directory, with the server stopped (the data
 * directory's lock says so), or on a running server with {@code --bootstrap-server}, through
 * Kafka's Admin API (AlterUserScramCredentials, DescribeUserScramCredentials) as
 * {@code kafka-configs --entity-type users} does; {@code --command-config} gives the Admin client
 * its properties (how to authenticate), as for Kafka's tools.
 *
 * <p>A password is never an argument (it would show in the process list and the shell history):
 * it comes from a file, an environment variable, or the terminal. Only a salted, hashed SCRAM
 * credential is stored, from which PLAIN logins are checked too.
 */
@Command(name = "users", description = "Add, list and delete the users who may authenticate with SASL.",
        subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.Delete.class})
final class UsersCommand implements Runnable {
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "Missing sub-command: add, list or delete");
    }

    /** Where the users live: the data directory (default) or a running server. */
    static final class Target {
        @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
                description = "Change the users of a running server through the Admin API, not the data directory.")
        String bootstrapServer;
        @Option(names = "--command-config", paramLabel = "FILE",
                description = "Admin client properties for --bootstrap-server (security.protocol, sasl.mechanism, "
                        + "sasl.jaas.config, …), as Kafka's tools take them.")
        Path commandConfig;

        boolean online() {
            return bootstrapServer != null;
        }

        Admin admin() throws IOException {
            Properties props = new Properties();
            if (commandConfig != null) {
                try (java.io.Reader reader = Files.newBufferedReader(commandConfig, StandardCharsets.UTF_8)) {
                    props.load(reader);
                }
            }
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServer);
            return Admin.create(props);
        }

        void check(CommonOptions common) {
            if (commandConfig != null && bootstrapServer == null) {
                throw new ParameterException(common.spec.commandLine(), "--command-config needs --bootstrap-server");
            }
        }
    }

    /** The password's source: a file, an environment variable, or (without either) the terminal. */
    static final class PasswordSource {
        @Option(names = "--password-file", paramLabel = "FILE",
                description = "Read the password from the first line of FILE.")
        Path file;
        @Option(names = "--password-env", paramLabel = "VAR", description = "Read the password from environment variable VAR.")
        String environmentVariable;
    }

    @Command(name = "add", description = "Add a user, or give an existing one a new password.")
    static final class Add implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Target target = new Target();
        @Parameters(paramLabel = "NAME", description = "The user name clients log in with.")
        String name;
        @Option(names = "--mechanism", paramLabel = "SCRAM-SHA-256|SCRAM-SHA-512",
                description = "Which SCRAM credential to store (repeatable; default both). Either also serves PLAIN.")
        List<String> mechanisms = new ArrayList<>();
        @Option(names = "--iterations", paramLabel = "N", defaultValue = "4096",
                description = "PBKDF2 iterations of the salted password, 4096 to 16384 (default: ${DEFAULT-VALUE}).")
        int iterations;
        @ArgGroup(exclusive = true)
        PasswordSource password = new PasswordSource();

        @Override
        public Integer call() throws Exception {
            target.check(common);
            Set<ScramMechanism> chosen = mechanisms(common, mechanisms);
            for (ScramMechanism mechanism : chosen) {
                if (iterations < mechanism.minIterations() || iterations > mechanism.maxIterations()) {
                    throw new ParameterException(common.spec.commandLine(), "--iterations must be "
                            + mechanism.minIterations() + " to " + mechanism.maxIterations() + ", was " + iterations);
                }
            }
            if (name.isEmpty()) {
                throw new ParameterException(common.spec.commandLine(), "the user name is empty");
            }
            String secret = readPassword();
            if (target.online()) {
                List<UserScramCredentialAlteration> upsertions = new ArrayList<>();
                for (ScramMechanism mechanism : chosen) {
                    upsertions.add(new UserScramCredentialUpsertion(name,
                            new ScramCredentialInfo(adminMechanism(mechanism), iterations), secret));
                }
                try (Admin admin = target.admin()) {
                    unwrap(() -> admin.alterUserScramCredentials(upsertions).all().get());
                }
            } else {
                try (LogManager manager = open(common, true)) {
                    CredentialStore.open(FileIO.real(), manager.dataDir()).setPassword(name, secret, chosen, iterations);
                }
            }
            common.root().out.println("added user " + name + " (" + names(chosen) + ", " + iterations + " iterations)");
            return SpoolCommand.EXIT_OK;
        }

        private String readPassword() throws IOException {
            String secret;
            if (password.file != null) {
                try (BufferedReader reader = Files.newBufferedReader(password.file, StandardCharsets.UTF_8)) {
                    secret = reader.readLine();
                }
                if (secret == null || secret.isEmpty()) {
                    throw new IllegalArgumentException("the password file " + password.file + " is empty");
                }
            } else if (password.environmentVariable != null) {
                secret = System.getenv(password.environmentVariable);
                if (secret == null || secret.isEmpty()) {
                    throw new IllegalArgumentException("environment variable " + password.environmentVariable
                            + " is not set or empty");
                }
            } else {
                secret = askTwice();
            }
            return secret;
        }

        /** From the terminal, without echo when the JVM has a console; typed twice so a typo is caught. */
        private String askTwice() throws IOException {
            SpoolCommand root = common.root();
            if (!root.terminal) {
                throw new ParameterException(common.spec.commandLine(), "no terminal to ask the password on: "
                        + "give it with --password-file FILE or --password-env VAR");
            }
            Console console = System.console();
            BufferedReader stdin = console == null
                    ? new BufferedReader(new InputStreamReader(root.in, StandardCharsets.UTF_8)) : null;
            String first = ask(console, stdin, "Password for user " + name + ": ");
            String second = ask(console, stdin, "Retype it: ");
            if (first == null || first.isEmpty()) {
                throw new IllegalArgumentException("no password given for user " + name);
            }
            if (!first.equals(second)) {
                throw new IllegalArgumentException("the two passwords typed differ; user " + name + " unchanged");
            }
            return first;
        }

        private String ask(Console console, BufferedReader stdin, String prompt) throws IOException {
            if (console != null) {
                char[] typed = console.readPassword("%s", prompt);
                return typed == null ? null : new String(typed);
            }
            common.root().err.print(prompt);
            common.root().err.flush();
            return stdin.readLine();
        }
    }

    @Command(name = "list", description = "List the users and their SCRAM credentials, one user per line.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Target target = new Target();

        @Override
        public Integer call() throws Exception {
            target.check(common);
            SortedMap<String, List<String>> users = new TreeMap<>();
            if (target.online()) {
                try (Admin admin = target.admin()) {
                    Map<String, UserScramCredentialsDescription> described =
                            unwrap(() -> admin.describeUserScramCredentials().all().get());
                    described.forEach((user, description) -> description.credentialInfos().forEach(info ->
                            users.computeIfAbsent(user, u -> new ArrayList<>()).add(info.mechanism().mechanismName()
                                    + "=iterations=" + info.iterations())));
                }
            } else {
                try (LogManager manager = open(common, false)) {
                    CredentialStore.open(FileIO.real(), manager.dataDir()).users().forEach((user, credentials) ->
                            credentials.forEach((mechanism, credential) -> users.computeIfAbsent(user,
                                    u -> new ArrayList<>()).add(mechanism.mechanismName() + "=iterations="
                                    + credential.iterations())));
                }
            }
            users.forEach((user, credentials) -> common.root().out.println(user + " " + String.join(",",
                    credentials.stream().sorted().toList())));
            return SpoolCommand.EXIT_OK;
        }
    }

    @Command(name = "delete", description = "Delete a user: it can no longer authenticate (connections open stay).")
    static final class Delete implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Target target = new Target();
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            target.check(common);
            if (target.online()) {
                try (Admin admin = target.admin()) {
                    UserScramCredentialsDescription description = unwrap(() ->
                            admin.describeUserScramCredentials(List.of(name)).description(name).get());
                    List<UserScramCredentialAlteration> deletions = new ArrayList<>();
                    description.credentialInfos().forEach(info ->
                            deletions.add(new UserScramCredentialDeletion(name, info.mechanism())));
                    unwrap(() -> admin.alterUserScramCredentials(deletions).all().get());
                }
            } else {
                try (LogManager manager = open(common, false)) {
                    if (!CredentialStore.open(FileIO.real(), manager.dataDir()).delete(name)) {
                        throw new IllegalArgumentException("no user '" + name + "' in " + common.dataDir);
                    }
                }
            }
            common.root().out.println("deleted user " + name);
            return SpoolCommand.EXIT_OK;
        }
    }

    /** The data directory, its lock held (a running server holds it: then say how to reach the server instead). */
    private static LogManager open(CommonOptions common, boolean create) throws IOException {
        try {
            return common.openManager(create);
        } catch (dev.spool.log.io.DirectoryLockedException e) {
            throw new IOException(e.getMessage() + "; to change the users of a running server, pass "
                    + "--bootstrap-server (and --command-config)", e);
        }
    }

    private static Set<ScramMechanism> mechanisms(CommonOptions common, List<String> names) {
        if (names.isEmpty()) {
            return EnumSet.allOf(ScramMechanism.class);
        }
        Set<ScramMechanism> chosen = EnumSet.noneOf(ScramMechanism.class);
        for (String name : names) {
            ScramMechanism mechanism = ScramMechanism.forMechanismName(name.toUpperCase(Locale.ROOT));
            if (mechanism == null) {
                throw new ParameterException(common.spec.commandLine(), "--mechanism must be SCRAM-SHA-256 or "
                        + "SCRAM-SHA-512, not '" + name + "' (PLAIN logins are checked against either)");
            }
            chosen.add(mechanism);
        }
        return chosen;
    }

    private static String names(Set<ScramMechanism> mechanisms) {
        return String.join(", ", mechanisms.stream().map(ScramMechanism::mechanismName).toList());
    }

    private static org.apache.kafka.clients.admin.ScramMechanism adminMechanism(ScramMechanism mechanism) {
        return org.apache.kafka.clients.admin.ScramMechanism.fromType(mechanism.type());
    }

    /** An Admin call's result, with the cause of a failure as the error (its message is what the server said). */
    private static <T> T unwrap(AdminCall<T> call) throws Exception {
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private interface AdminCall<T> {
        T get() throws InterruptedException, ExecutionException;
    }
}
