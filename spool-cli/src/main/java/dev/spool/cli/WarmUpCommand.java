package dev.spool.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code spool warm-up} (hidden): runs the common commands once on a throw-away data directory, so
 * that the release's launcher can record the classes they load in a class-data-sharing archive
 * ({@code -XX:ArchiveClassesAtExit}) and every later command starts from it. Prints nothing; the
 * directory is deleted afterwards.
 */
@Command(name = "warm-up", hidden = true, description = "Run common commands once on a temporary directory.")
final class WarmUpCommand implements Callable<Integer> {

    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("spool-warm-up");
        try {
            String data = dir.resolve("data").toString();
            run("", "topics", "create", "warm", "--partitions", "2", "--data-dir", data);
            run("k1:v1\nk2:v2\n", "produce", "warm", "--key-separator", ":", "--data-dir", data);
            run("", "consume", "warm", "--format", "%p %o %k %s\\n", "--data-dir", data);
            run("", "consume", "warm", "--json", "--data-dir", data);
            run("", "topics", "list", "--data-dir", data);
            run("", "topics", "describe", "warm", "--data-dir", data);
            run("", "verify", "--data-dir", data);
            run("", "--help");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
        return SpoolCommand.EXIT_OK;
    }

    private static void run(String stdin, String... args) {
        PrintStream discard = new PrintStream(new ByteArrayOutputStream(), false, StandardCharsets.UTF_8);
        SpoolCommand.execute(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), discard, discard);
    }
}
