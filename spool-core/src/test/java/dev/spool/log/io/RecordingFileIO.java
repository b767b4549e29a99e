package dev.spool.log.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileIO} over the real one that records every mutating operation in order (as
 * {@code "rename a b"}, {@code "force x"} …, with file names only) and counts bytes read per file,
 * so tests can assert commit order and that a clean open does not scan.
 */
public final class RecordingFileIO extends ForwardingFileIO {
    private final List<String> operations = new ArrayList<>();
    private final Map<String, AtomicLong> bytesRead = new ConcurrentHashMap<>();

    public RecordingFileIO(FileIO delegate) {
        super(delegate);
    }

    public RecordingFileIO() {
        this(FileIO.real());
    }

    public synchronized List<String> operations() {
        return List.copyOf(operations);
    }

    public synchronized void clear() {
        operations.clear();
        bytesRead.clear();
    }

    /** Bytes read from files whose name ends with {@code suffix}. */
    public long bytesReadFrom(String suffix) {
        return bytesRead.entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    private synchronized void record(String operation) {
        operations.add(operation);
    }

    private static String name(Path path) {
        return path.getFileName().toString();
    }

    @Override
    protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
        if (mode == OpenMode.CREATE_NEW || mode == OpenMode.CREATE) {
            record("open " + name(path) + " " + mode);
        }
        return new ForwardingStorageFile(file) {
            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                int n = delegate.read(dst, position);
                if (n > 0) {
                    bytesRead.computeIfAbsent(name(path), k -> new AtomicLong()).addAndGet(n);
                }
                return n;
            }

            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                record("write " + name(path));
                delegate.write(src, position);
            }

            @Override
            public long write(ByteBuffer[] sources, long position) throws IOException {
                record("write " + name(path));
                return delegate.write(sources, position);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                record("force " + name(path));
                delegate.force(metadata);
            }

            @Override
            public void truncate(long sizeBytes) throws IOException {
                record("truncate " + name(path) + " " + sizeBytes);
                delegate.truncate(sizeBytes);
            }
        };
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        record("rename " + name(from) + " " + name(to));
        delegate.rename(from, to);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        boolean existed = delegate.deleteIfExists(path);
        if (existed) {
            record("delete " + name(path));
        }
        return existed;
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        record("syncdir " + name(dir));
        delegate.syncDirectory(dir);
    }
}
