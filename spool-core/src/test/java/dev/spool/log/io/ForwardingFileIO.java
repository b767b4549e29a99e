package dev.spool.log.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A {@link FileIO} that passes every call on to another (the real one by default). Test wrappers
 * override what they watch or break, and {@link #wrap} to get at the files it opens.
 */
public class ForwardingFileIO implements FileIO {
    protected final FileIO delegate;

    public ForwardingFileIO(FileIO delegate) {
        this.delegate = delegate;
    }

    /**
     * The real file interface with the files whose name {@code names} accepts wrapped by
     * {@code wrapper} (typically a {@link ForwardingStorageFile} that breaks or holds one call);
     * every other file as it is.
     */
    public static FileIO wrappingFiles(Predicate<String> names, UnaryOperator<StorageFile> wrapper) {
        return new ForwardingFileIO(FileIO.real()) {
            @Override
            protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
                return names.test(path.getFileName().toString()) ? wrapper.apply(file) : file;
            }
        };
    }

    /** Wraps each file this opens; the default returns it as it is. */
    protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
        return file;
    }

    @Override
    public StorageFile open(Path path, OpenMode mode) throws IOException {
        return wrap(delegate.open(path, mode), path, mode);
    }

    @Override
    public boolean exists(Path path) {
        return delegate.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return delegate.isDirectory(path);
    }

    @Override
    public long size(Path path) throws IOException {
        return delegate.size(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        delegate.rename(from, to);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return delegate.deleteIfExists(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }

    @Override
    public AutoCloseable lock(Path lockFile) throws IOException {
        return delegate.lock(lockFile);
    }
}
