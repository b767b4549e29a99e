package dev.spool.queue;

import java.nio.ByteBuffer;

/**
 * Memory a consumer has items read into, so that what it makes of a payload may go on using the
 * bytes after the poll, without a copy ({@link DiskBuffer#poll(ItemMemory, PayloadReader)}): for
 * example vectors that wrap the payload where it lies.
 */
@FunctionalInterface
public interface ItemMemory {
    /**
     * A direct buffer with at least {@code bytes} remaining; the disk buffer writes an item's stored
     * batch (header, metadata, payload), or its payload alone, over those bytes from the buffer's
     * position, and does not use the buffer again once the poll returns. A poll may ask more than
     * once (a read into the first buffer that fails is done again another way); the payload it
     * delivers lies in the last buffer it asked for.
     */
    ByteBuffer allocate(int bytes);
}
