package dev.spool.structure;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.StaticJavaParser;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every class and method in the main code of every module stays small enough to read at once: no
 * source file over {@value #CLASS_LINES_MAX} lines (what {@code wc -l} says, comments and imports
 * included), no method or constructor over {@value #METHOD_LINES_MAX} lines from its signature to its
 * closing brace (its Javadoc not counted).
 */
class SizeRuleTest {
    static final int CLASS_LINES_MAX = 500;
    static final int METHOD_LINES_MAX = 70;

    /** The modules whose main code the rule covers, relative to this module's directory. */
    static final List<String> MODULES = List.of(
            "spool-core", "spool-queue", "spool-arrow", "spool-kafka", "spool-cli", "spool-bench");

    static final List<CompilationUnit> UNITS = new ArrayList<>();

    @BeforeAll
    static void parseEveryModule() throws IOException {
        StaticJavaParser.getParserConfiguration()
                .setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17);
        for (String module : MODULES) {
            Path root = Path.of("..", module, "src", "main", "java");
            assertThat(root).as("main sources of %s", module).isDirectory();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    CompilationUnit unit = StaticJavaParser.parse(file);
                    unit.setStorage(file);
                    UNITS.add(unit);
                }
            }
        }
        assertThat(UNITS).as("parsed source files").hasSizeGreaterThan(100);
    }

    @Test
    void noClassIsLongerThanTheLimit() {
        List<String> tooLong = new ArrayList<>();
        for (CompilationUnit unit : UNITS) {
            int lines = unit.getRange().orElseThrow().end.line;
            if (lines > CLASS_LINES_MAX) {
                tooLong.add(unit.getStorage().orElseThrow().getPath().getFileName() + ": " + lines + " lines");
            }
        }
        assertThat(tooLong).as("classes over %d lines", CLASS_LINES_MAX).isEmpty();
    }

    @Test
    void noMethodIsLongerThanTheLimit() {
        List<String> tooLong = new ArrayList<>();
        for (CompilationUnit unit : UNITS) {
            for (CallableDeclaration<?> callable : unit.findAll(CallableDeclaration.class)) {
                int lines = lines(callable);
                if (lines > METHOD_LINES_MAX) {
                    tooLong.add(where(unit, callable) + " " + callable.getNameAsString() + ": " + lines + " lines");
                }
            }
        }
        assertThat(tooLong).as("methods over %d lines", METHOD_LINES_MAX).isEmpty();
    }

    /** Lines of a declaration without its Javadoc (the parser's range starts at the declaration). */
    private static int lines(Node node) {
        int begin = node.getRange().orElseThrow().begin.line;
        int end = node.getRange().orElseThrow().end.line;
        if (node.getComment().isPresent()) {
            begin = node.getComment().get().getRange().orElseThrow().end.line + 1;
        }
        return end - begin + 1;
    }

    private static String where(CompilationUnit unit, Node node) {
        Path file = unit.getStorage().orElseThrow().getPath();
        return file.getFileName() + ":" + node.getRange().orElseThrow().begin.line;
    }
}
