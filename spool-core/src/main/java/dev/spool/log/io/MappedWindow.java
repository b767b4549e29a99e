package dev.spool.log.io;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link WriteWindow}: a shared, writable mapping of the region, so a store is a
 * memory copy into the page cache (the same pages a {@code pwrite} would fill, so readers, a
 * killed process and {@code fsync} see it exactly as they see a write).
 *
 * <p>Unmapping: the JDK unmaps a mapped buffer only when the garbage collector finds it
 * unreachable. A segment writes through a new window every megabyte or so, and a mapping keeps
 * a deleted file's space allocated until it goes, so windows are unmapped when closed, through
 * the JDK's {@code sun.misc.Unsafe.invokeCleaner} (the call Kafka, Lucene and Netty make for the
 * same reason; {@code jdk.unsupported} exports it to every module). Where that call is missing,
 * the mapping is left to the collector: slower to give space back, never wrong. A closed
 * window drops its buffer first, so a store after close is a {@link NullPointerException}, never
 * a store into unmapped memory. One writer thread: put and close never run concurrently.
 */
final class MappedWindow implements WriteWindow {
    private static final Logger LOG = LoggerFactory.getLogger(MappedWindow.class);
    private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

    private final long position;
    private final int sizeBytes;
    private MappedByteBuffer map;

    MappedWindow(MappedByteBuffer map, long position, int sizeBytes) {
        this.map = map;
        this.position = position;
        this.sizeBytes = sizeBytes;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public int sizeBytes() {
        return sizeBytes;
    }

    @Override
    public void put(ByteBuffer src, long filePosition) {
        int length = src.remaining();
        WriteWindow.checkInside(this, filePosition, length);
        map.put((int) (filePosition - position), src, src.position(), length);
        src.position(src.limit());
    }

    @Override
    public void close() {
        MappedByteBuffer closing = map;
        map = null;
        if (closing != null && INVOKE_CLEANER != null) {
            try {
                INVOKE_CLEANER.invokeExact(closing);
            } catch (Throwable e) { // not expected: the mapping is then left to the collector
                LOG.debug("Could not unmap a write window; the collector will", e);
            }
        }
    }

    /** {@code Unsafe.invokeCleaner(ByteBuffer)} bound to the JDK's instance, or null where it is missing. */
    private static MethodHandle invokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field instance = unsafeClass.getDeclaredField("theUnsafe");
            instance.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(instance.get(null))
                    .asType(MethodType.methodType(void.class, MappedByteBuffer.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
