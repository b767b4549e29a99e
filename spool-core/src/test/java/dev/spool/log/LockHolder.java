package dev.spool.log;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link LogManagerTest}: opens a data directory and reports on stdout
 * whether it could, so the test proves the lock holds across processes.
 */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (LogManager manager = LogManager.open(Path.of(args[0]),
                LogManagerConfig.defaults().withoutBackgroundTasks())) {
            System.out.println("OPENED " + manager.topics());
        } catch (dev.spool.log.io.DirectoryLockedException e) {
            System.out.println("LOCKED " + e.getMessage());
        }
    }
}
