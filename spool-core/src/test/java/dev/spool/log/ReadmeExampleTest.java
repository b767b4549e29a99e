package dev.spool.log;

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

/** Compiles the README's embedded examples and runs each in a child JVM, more than once: the README stays true. */
class ReadmeExampleTest {
    @TempDir
    Path tmp;

    static String javaBlock(String markdown) {
        int start = markdown.indexOf("```java\n");
        assertThat(start).as("README has a ```java block").isNotNegative();
        int end = markdown.indexOf("```", start + 8);
        return markdown.substring(start + 8, end);
    }

    /** Every ```java block of {@code markdown}, in order. */
    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new java.util.ArrayList<>();
        for (int start = markdown.indexOf("```java\n"); start >= 0; start = markdown.indexOf("```java\n", start + 8)) {
            blocks.add(markdown.substring(start + 8, markdown.indexOf("```", start + 8)));
        }
        return blocks;
    }

    @Test
    void readmeExampleCompilesAndRuns() throws Exception {
        Path readme = Path.of("..", "README.md");
        String source = javaBlock(Files.readString(readme));
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("Example.java"), source);
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        int status = compiler.run(null, null, null, "-d", classes.toString(), "-cp", classpath,
                src.resolve("Example.java").toString());
        assertThat(status).as("README example compiles").isZero();

        Path dataDir = tmp.resolve("data");
        assertThat(run(classes, classpath, dataDir)).containsExactly("0: signed up");
        assertThat(run(classes, classpath, dataDir)).containsExactly("1: signed up");
    }

    /**
     * The changelog example: each run prints the state the previous runs left (the latest value
     * per key, the tombstoned key gone), rebuilt from the compacted log after a close and reopen.
     */
    @Test
    void readmeChangelogExampleRebuildsTheLatestValuePerKeyAfterARestart() throws Exception {
        List<String> blocks = javaBlocks(Files.readString(Path.of("..", "README.md")));
        String source = blocks.stream().filter(block -> block.contains("public class Changelog")).findFirst()
                .orElseThrow(() -> new AssertionError("README has no Changelog example"));
        Path src = tmp.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("Changelog.java"), source);
        Path classes = tmp.resolve("classes");
        Files.createDirectories(classes);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), "-cp",
                classpath, src.resolve("Changelog.java").toString());
        assertThat(status).as("README changelog example compiles").isZero();

        Path dataDir = tmp.resolve("data");
        assertThat(run(classes, classpath, dataDir, "Changelog")).containsExactly("{}");
        assertThat(run(classes, classpath, dataDir, "Changelog")).containsExactly("{runs=1, theme=dark}");
        assertThat(run(classes, classpath, dataDir, "Changelog")).containsExactly("{runs=2, theme=light}");
        try (Log log = Log.open(dataDir.resolve("settings"), LogConfig.defaults(), LoadState.unknown())) {
            assertThat(log.logEndOffset()).as("every put is in the log until a cleaner runs").isEqualTo(12);
        }
    }

    private static List<String> run(Path classes, String classpath, Path dataDir) throws Exception {
        return run(classes, classpath, dataDir, "Example");
    }

    private static List<String> run(Path classes, String classpath, Path dataDir, String mainClass) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", classes + File.pathSeparator + classpath, mainClass,
                dataDir.toString()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("stderr: %s", err).isZero();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
}
