package dev.spool.log.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** A {@link StorageFile} that passes every call on: test wrappers override only what they watch or break. */
public class ForwardingStorageFile implements StorageFile {
    protected final StorageFile delegate;

    public ForwardingStorageFile(StorageFile delegate) {
        this.delegate = delegate;
    }

    @Override
    public Path path() {
        return delegate.path();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        delegate.write(src, position);
    }

    @Override
    public long write(ByteBuffer[] sources, long position) throws IOException {
        return delegate.write(sources, position);
    }

    @Override
    public void force(boolean metadata) throws IOException {
        delegate.force(metadata);
    }

    @Override
    public void truncate(long sizeBytes) throws IOException {
        delegate.truncate(sizeBytes);
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
