package dev.spool.log.catalog;

/**
 * The names of the files a data directory holds besides the partition directories: what the log
 * manager writes, what {@code spool verify} checks and what {@code spool repair} rewrites. One list,
 * so that the three always agree on the layout:
 * <pre>
 *   data-dir/
 *     .lock                              held while a process owns the directory
 *     .spool_cleanshutdown               present only after a clean close
 *     recovery-point-offset-checkpoint   per partition: offsets below it are on disk
 *     log-start-offset-checkpoint        per partition: the first offset kept
 *     &lt;topic&gt;-&lt;partition&gt;/              one per partition
 *     &lt;random&gt;-delete/                a deleted partition's directory: removed at once, or by the next open
 * </pre>
 */
public final class DataDirFiles {
    public static final String LOCK_FILE = ".lock";
    public static final String CLEAN_SHUTDOWN_FILE = ".spool_cleanshutdown";
    public static final String RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
    public static final String LOG_START_CHECKPOINT = "log-start-offset-checkpoint";
    public static final String DELETE_SUFFIX = "-delete";

    private DataDirFiles() {
    }
}
