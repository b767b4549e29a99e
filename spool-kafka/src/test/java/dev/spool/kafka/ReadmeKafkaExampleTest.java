package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Kafka-client example ({@code examples/KafkaExample.java}, run there with
 * {@code java -cp spool-cli/target/spool.jar ...}) compiles and runs against a server, twice:
 * the README stays true.
 */
class ReadmeKafkaExampleTest {
    @TempDir
    Path tmp;

    @Test
    void theExampleProducesAndConsumesThroughTheServer() throws Exception {
        Path example = Path.of("..", "examples", "KafkaExample.java");
        assertThat(Files.readString(Path.of("..", "README.md"))).contains("examples/KafkaExample.java");
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler.run(null, null, null, "-d", classes.toString(), "-cp", classpath, example.toString()))
                .as("the example compiles").isZero();
        try (RunningServer server = new RunningServer(tmp.resolve("data"))) {
            assertThat(run(classes, classpath, server.bootstrap())).containsExactly("0: hello from a Kafka client");
            assertThat(run(classes, classpath, server.bootstrap()))
                    .containsExactly("0: hello from a Kafka client", "1: hello from a Kafka client");
        }
    }

    private static List<String> run(Path classes, String classpath, String bootstrap) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", classes + File.pathSeparator + classpath, "KafkaExample",
                bootstrap).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .filter(line -> !line.startsWith("[")) // slf4j-simple's lines, should they reach stdout
                .toList();
    }
}
