package dev.spool.queue;

import dev.spool.log.Durability;

/**
 * The outcome of an {@link DiskBuffer#enqueue}.
 *
 * @param sequence    the item's sequence (its log offset); -1 when dropped
 * @param durability  the durability the write was acknowledged under: {@link Durability#NONE} means written
 *                    to the page cache (survives a process crash), {@link Durability#STRICT} means an fsync
 *                    covering the item completed (survives power loss)
 * @param dropped     true when {@link WhenFull#DROP_NEWEST} discarded the item because the buffer was full
 * @param storedBytes bytes the item occupies on disk; 0 when dropped
 */
public record EnqueueResult(long sequence, Durability durability, boolean dropped, int storedBytes) {

    static EnqueueResult droppedItem(Durability durability) {
        return new EnqueueResult(-1L, durability, true, 0);
    }
}
