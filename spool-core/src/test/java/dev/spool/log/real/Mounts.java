package dev.spool.log.real;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real file systems for tests: a small tmpfs (a disk that fills up), remounted read-only under a
 * running log, and read-only bind mounts of single files. These need Linux and root (CI runs as
 * root); {@link #tmpfs} skips the calling test with a message saying why when they cannot be had.
 * The test mounts and unmounts by itself (no setup in {@code .ci/run}), so it runs the same from
 * the IDE; every mount is undone by {@link #close}, lazily if a file is still open.
 */
final class Mounts implements AutoCloseable {
    private final List<Path> mounted = new ArrayList<>();

    /** Mounts a tmpfs of {@code sizeBytes} on {@code dir} (created), or skips the test. */
    Path tmpfs(Path dir, long sizeBytes) throws IOException {
        Assumptions.assumeTrue(System.getProperty("os.name", "").startsWith("Linux"),
                "needs Linux to mount a small tmpfs; this is " + System.getProperty("os.name"));
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to mount a small tmpfs (CI runs as root); running as " + System.getProperty("user.name"));
        Files.createDirectories(dir);
        String result = run("mount", "-t", "tmpfs", "-o", "size=" + sizeBytes, "tmpfs", dir.toString());
        Assumptions.assumeTrue(result.isEmpty(), "cannot mount a tmpfs (a container without CAP_SYS_ADMIN?): " + result);
        mounted.add(dir);
        return dir;
    }

    /**
     * Remounts a tmpfs mounted by {@link #tmpfs} read-only or read-write again; fails the test if it
     * cannot (read-only needs every file on it closed for writing).
     */
    void remount(Path dir, boolean readOnly) throws IOException {
        require(run("mount", "-o", "remount," + (readOnly ? "ro" : "rw"), dir.toString()));
    }

    /**
     * Makes a file or directory read-only by bind-mounting it read-only over itself; {@link #unmount}
     * undoes it. Files already open keep writing through the mount they were opened on: only what is
     * opened, created, renamed or deleted through the path from now on is refused. (A whole file
     * system cannot be remounted read-only while a file on it is open for writing: "busy".)
     */
    void readOnlyBind(Path path) throws IOException {
        require(run("mount", "--bind", path.toString(), path.toString()));
        mounted.add(path);
        require(run("mount", "-o", "remount,ro,bind", path.toString()));
    }

    void unmount(Path path) throws IOException {
        if (mounted.remove(path)) {
            String result = run("umount", path.toString());
            if (!result.isEmpty()) {
                require(run("umount", "-l", path.toString())); // busy: detach now, free when the last file closes
            }
        }
    }

    @Override
    public void close() throws IOException {
        List<Path> newestFirst = new ArrayList<>(mounted);
        java.util.Collections.reverse(newestFirst);
        for (Path path : newestFirst) {
            unmount(path);
        }
    }

    private static void require(String result) {
        if (!result.isEmpty()) {
            throw new AssertionError(result);
        }
    }

    /** Runs a command; returns "" on success, else what it printed and its exit code. */
    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return String.join(" ", command) + ": no answer in 30 s";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted running " + String.join(" ", command), e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return process.exitValue() == 0 ? "" : String.join(" ", command) + " exited " + process.exitValue() + ": "
                + output;
    }
}
