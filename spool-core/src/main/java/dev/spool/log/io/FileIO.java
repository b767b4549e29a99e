package dev.spool.log.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The engine's one door to the file system. Every open, rename, delete, directory listing and
 * directory sync goes through here, so a test can swap in an implementation that fails the Nth
 * call, drops unsynced data on a simulated crash, or runs out of space.
 *
 * <p>{@link #real()} is the production implementation on {@link java.nio.channels.FileChannel}.
 * Implementations are thread-safe.
 */
public interface FileIO {

    /** How a file is opened. */
    enum OpenMode {
        /** Read only; the file must exist. */
        READ,
        /** Read and write; the file must exist. */
        READ_WRITE,
        /** Read and write; created if missing. */
        CREATE,
        /** Read and write; fails if the file already exists. */
        CREATE_NEW
    }

    /** The production implementation. */
    static FileIO real() {
        return NioFileIO.INSTANCE;
    }

    StorageFile open(Path path, OpenMode mode) throws IOException;

    boolean exists(Path path);

    boolean isDirectory(Path path);

    /** Size of a file in bytes without opening it. */
    long size(Path path) throws IOException;

    /** Creates a directory and any missing parents; fine if it exists. */
    void createDirectories(Path dir) throws IOException;

    /** The entries of a directory (files and directories), sorted by name. */
    List<Path> list(Path dir) throws IOException;

    /** Atomically renames {@code from} to {@code to}, replacing {@code to} if it exists. */
    void rename(Path from, Path to) throws IOException;

    /** Deletes a file or an empty directory if present; returns whether it existed. */
    boolean deleteIfExists(Path path) throws IOException;

    /**
     * Forces a directory's entries (creations, renames, deletions) to the storage device. New
     * files are not durable until their directory is synced.
     */
    void syncDirectory(Path dir) throws IOException;

    /**
     * Takes an exclusive, process-wide lock on {@code lockFile} (created if missing). Throws
     * {@link DirectoryLockedException} when another process, or another open in this process,
     * holds it.
     */
    AutoCloseable lock(Path lockFile) throws IOException;
}
