package dev.spool.kafka.group;

import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The real file interface, with two faults a test can switch on: every {@code force} (fsync) fails,
 * or every rename fails (segment deletion renames to {@code .deleted} first).
 */
final class FaultyFileIO implements FileIO {
    private final FileIO real = FileIO.real();
    volatile boolean failForce;
    volatile boolean failRename;

    @Override
    public StorageFile open(Path path, OpenMode mode) throws IOException {
        StorageFile file = real.open(path, mode);
        return new StorageFile() {
            @Override
            public Path path() {
                return file.path();
            }

            @Override
            public int read(ByteBuffer dst, long position) throws IOException {
                return file.read(dst, position);
            }

            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                file.write(src, position);
            }

            @Override
            public long write(ByteBuffer[] sources, long position) throws IOException {
                return file.write(sources, position);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                if (failForce) {
                    throw new IOException("Injected fsync failure on " + file.path());
                }
                file.force(metadata);
            }

            @Override
            public void truncate(long sizeBytes) throws IOException {
                file.truncate(sizeBytes);
            }

            @Override
            public long size() throws IOException {
                return file.size();
            }

            @Override
            public void close() throws IOException {
                file.close();
            }
        };
    }

    @Override
    public boolean exists(Path path) {
        return real.exists(path);
    }

    @Override
    public boolean isDirectory(Path path) {
        return real.isDirectory(path);
    }

    @Override
    public long size(Path path) throws IOException {
        return real.size(path);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        real.createDirectories(dir);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return real.list(dir);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        if (failRename) {
            throw new IOException("Injected rename failure of " + from);
        }
        real.rename(from, to);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        return real.deleteIfExists(path);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        real.syncDirectory(dir);
    }

    @Override
    public AutoCloseable lock(Path lockFile) throws IOException {
        return real.lock(lockFile);
    }
}
