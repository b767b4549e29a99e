package dev.spool.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release as a user meets it: the unpacked archive, run from a directory outside the source
 * tree, with a JDK and nothing else on the PATH (no Maven), its commands doing real work.
 */
class ReleaseIT {
    private static Path release;
    private static Path archive;

    @TempDir
    Path work;

    @BeforeAll
    static void locate() {
        release = Paths.get(System.getProperty("spool.release"));
        archive = Paths.get(System.getProperty("spool.archive"));
    }

    @Test
    void archiveHoldsTheLauncherTheJarTheConfigAndTheLicense() throws Exception {
        assertThat(archive).isRegularFile();
        Run listing = run(List.of("tar", "tzvf", archive.toString()), Map.of(), work, "");
        String version = System.getProperty("spool.version");
        assertThat(listing.out()).contains("spool-" + version + "/bin/spool", "spool-" + version + "/lib/spool.jar",
                "spool-" + version + "/config/spool.service", "spool-" + version + "/LICENSE",
                "spool-" + version + "/README.md");
        assertThat(listing.out().lines().filter(line -> line.endsWith("/bin/spool")).findFirst().orElseThrow())
                .startsWith("-rwxr-xr-x");
        assertThat(Files.readString(release.resolve("LICENSE"))).contains("Apache License", "Version 2.0");
        assertThat(Files.getPosixFilePermissions(release.resolve("bin/spool"))).contains(PosixFilePermission.OWNER_EXECUTE);
    }

    @Test
    void commandsRunWithOnlyAJdk() throws Exception {
        Run version = spool(List.of("--version"), "");
        assertThat(version.code()).as(version.err()).isZero();
        assertThat(version.out()).contains(System.getProperty("spool.version"));

        Path data = work.resolve("data");
        Run create = spool(List.of("topics", "create", "orders", "--partitions", "2", "--data-dir", data.toString()), "");
        assertThat(create.code()).as(create.err()).isZero();
        Run produce = spool(List.of("produce", "orders", "--data-dir", data.toString()), "first\nsecond\n");
        assertThat(produce.code()).as(produce.err()).isZero();
        Run consume = spool(List.of("consume", "orders", "--data-dir", data.toString()), "");
        assertThat(consume.code()).as(consume.err()).isZero();
        assertThat(consume.out().lines().toList()).containsExactly("first", "second");
    }

    @Test
    void aSecondRunStartsFromTheClassDataSharingArchiveTheFirstWrote() throws Exception {
        Path cds = work.resolve("cds");
        Map<String, String> env = Map.of("SPOOL_CDS_DIR", cds.toString());
        assertThat(run(launcher("--version"), env, work, "").code()).isZero();
        List<Path> archives;
        try (Stream<Path> files = Files.list(cds)) {
            archives = files.filter(file -> file.toString().endsWith(".jsa")).toList();
        }
        assertThat(archives).hasSize(1);
        Run second = run(launcher("--version"), Map.of("SPOOL_CDS_DIR", cds.toString(),
                "SPOOL_JAVA_OPTS", "-Xlog:class+load=info"), work, "");
        assertThat(second.code()).isZero();
        assertThat(second.out()).contains("source: shared objects file");
    }

    @Test
    void aMistakeGetsOneLineAndExitCodeTwo() throws Exception {
        Run typo = spool(List.of("topcs", "list"), "");
        assertThat(typo.code()).isEqualTo(2);
        assertThat(typo.err()).contains("topics").doesNotContain("Exception");
    }

    @Test
    void aJavaTooOldOrMissingIsSaidInOneLine() throws Exception {
        Path fakeJdk = work.resolve("old-jdk");
        Files.createDirectories(fakeJdk.resolve("bin"));
        Files.writeString(fakeJdk.resolve("release"), "JAVA_VERSION=\"11.0.2\"\n");
        Path java = fakeJdk.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho should not run\n");
        java.toFile().setExecutable(true);
        Run old = run(List.of(release.resolve("bin/spool").toString(), "--version"),
                Map.of("JAVA_HOME", fakeJdk.toString()), work, "");
        assertThat(old.code()).isEqualTo(1);
        assertThat(old.err()).contains("needs Java 17 or newer").doesNotContain("should not run");

        Run none = run(List.of("/bin/bash", release.resolve("bin/spool").toString(), "--version"),
                Map.of("JAVA_HOME", "", "PATH", "/nonexistent"), work, "");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("no Java found");
    }

    private Run spool(List<String> args, String stdin) throws IOException, InterruptedException {
        return run(launcher(args.toArray(String[]::new)), Map.of("SPOOL_CDS_DIR", "off"), work, stdin);
    }

    private static List<String> launcher(String... args) {
        List<String> command = new ArrayList<>();
        command.add(release.resolve("bin/spool").toString());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs with JAVA_HOME set to this test's JDK and a PATH of the system's basic tools only. */
    private static Run run(List<String> command, Map<String, String> env, Path dir, String stdin)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().clear();
        builder.environment().put("PATH", "/usr/bin:/bin");
        builder.environment().put("HOME", dir.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish in 120 s");
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Run(int code, String out, String err) {
    }
}
