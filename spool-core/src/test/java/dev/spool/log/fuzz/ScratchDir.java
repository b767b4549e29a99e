package dev.spool.log.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A temporary directory for a fuzz class (jqwik properties do not get JUnit's {@code @TempDir}):
 * each try writes its hostile files into a fresh subdirectory, and {@link #close} removes it all.
 */
final class ScratchDir implements AutoCloseable {
    private final Path root;
    private final AtomicLong next = new AtomicLong();

    ScratchDir(String prefix) {
        try {
            root = Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, empty directory for one try; the previous try's directory is removed first. */
    Path fresh() throws IOException {
        long n = next.getAndIncrement();
        if (n > 0) {
            deleteRecursively(root.resolve("try-" + (n - 1)));
        }
        return Files.createDirectories(root.resolve("try-" + n));
    }

    /** A directory that lives as long as this scratch directory (for templates tries copy from). */
    Path kept(String name) throws IOException {
        return Files.createDirectories(root.resolve("kept").resolve(name));
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close() throws IOException {
        deleteRecursively(root);
    }
}
