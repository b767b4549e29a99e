package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.security.AuthorizerSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code spool serve --authorizer} and {@code --super-users}: parsed as Kafka's settings, bad values refused. */
class AclOptionsTest {
    @TempDir
    Path tmp;

    private static AuthorizerSettings parse(String... args) {
        SpoolCommand root = new SpoolCommand(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(new ByteArrayOutputStream(), true));
        CommandLine line = SpoolCommand.commandLine(root);
        line.parseArgs(args);
        ServeCommand serve = line.getSubcommands().get("serve").getCommand();
        return serve.acls.settings();
    }

    @Test
    void theAuthorizerIsOffByDefaultAndSuperUsersTakeKafkasSyntax() {
        assertThat(parse("serve")).isEqualTo(AuthorizerSettings.disabled());
        assertThat(parse("serve", "--authorizer", "on", "--super-users", "User:alice; User:bob;"))
                .isEqualTo(new AuthorizerSettings(true,
                        Set.of(new KafkaPrincipal("User", "alice"), new KafkaPrincipal("User", "bob"))));
    }

    @Test
    void badValuesAreUsageErrorsNamingTheOption() {
        assertUsageError("--authorizer is 'yes', expected on or off", "--authorizer", "yes");
        assertUsageError("--super-users has 'alice', expected Type:name such as User:alice",
                "--authorizer", "on", "--super-users", "alice");
        assertUsageError("--super-users needs --authorizer on", "--super-users", "User:alice");
    }

    private void assertUsageError(String message, String... options) {
        String[] args = new String[options.length + 3];
        args[0] = "serve";
        System.arraycopy(options, 0, args, 1, options.length);
        args[options.length + 1] = "--data-dir";
        args[options.length + 2] = tmp.resolve("d").toString();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(args, new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(SpoolCommand.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(message);
    }

    @Test
    void serveWithTheAuthorizerOnRefusesADamagedAclFileNamingIt() throws Exception {
        Path data = tmp.resolve("data");
        Path acls = data.resolve("__security").resolve("acls");
        Files.createDirectories(acls.getParent());
        Files.writeString(acls, "not an ACL file\n", StandardCharsets.UTF_8);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SpoolCommand.execute(new String[] {"serve", "--listen", "127.0.0.1:0", "--authorizer", "on",
            "--data-dir", data.toString()}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(acls.toString()).contains("spool-acls 1");
    }
}
