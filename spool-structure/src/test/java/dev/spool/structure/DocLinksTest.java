package dev.spool.structure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the project's Markdown (the README, {@code docs/}, each module's notes)
 * names a file or folder that exists, so a class that moves takes its documentation along instead
 * of leaving a dead link behind. Links to the web and to anchors in the same page are not checked.
 */
class DocLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyRelativeLinkInTheDocsNamesAFileThatExists() throws IOException {
        List<Path> pages = markdownPages();
        assertThat(pages).as("Markdown pages found").anyMatch(p -> p.endsWith("README.md"))
                .anyMatch(p -> p.startsWith(ROOT.resolve("docs")));
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            Matcher links = LINK.matcher(Files.readString(page));
            while (links.find()) {
                String target = links.group(1);
                if (target.contains("://") || target.startsWith("#") || target.startsWith("mailto:")) {
                    continue;
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                checked++;
                if (!Files.exists(page.getParent().resolve(file))) {
                    broken.add(ROOT.relativize(page) + ": " + target);
                }
            }
        }
        assertThat(checked).as("relative links checked").isGreaterThan(10);
        assertThat(broken).as("links to files that do not exist").isEmpty();
    }

    private static List<Path> markdownPages() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(f -> f.toString().endsWith(".md"))
                    .filter(f -> !ROOT.relativize(f).toString().matches("(^|.*/)(target|node_modules|\\..*)/.*"))
                    .toList();
        }
    }
}
