package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** docs/configuration.md lists every serve option, its file key, variable and default, as the code has them. */
class ConfigurationDocTest {

    @Test
    void theReferenceTableIsTheOneTheCodeRenders() throws Exception {
        CommandSpec serve = SpoolCommand.commandLine(new SpoolCommand(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream())))
                .getSubcommands().get("serve").getCommandSpec();
        String table = ConfigurationReference.render(serve);
        Path doc = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(doc);
        int begin = text.indexOf(ConfigurationReference.BEGIN);
        int end = text.indexOf(ConfigurationReference.END);
        assertThat(begin).as("generated section in " + doc).isNotNegative();
        String current = text.substring(begin, end + ConfigurationReference.END.length());
        if (Boolean.getBoolean("spool.docs.update")) {
            Files.writeString(doc, text.substring(0, begin) + table + text.substring(end + ConfigurationReference.END.length()));
            return;
        }
        assertThat(current).as("docs/configuration.md is out of date: run mvn -pl spool-cli test "
                + "-Dtest=ConfigurationDocTest -Dspool.docs.update=true").isEqualTo(table);
        for (ServerProperties.Key key : ServerProperties.KEYS) {
            assertThat(table).contains("`" + key.name() + "`", "`" + key.envName() + "`");
        }
        assertThat(table).contains("`--retention-ms MS`", "`604800000`");
    }
}
