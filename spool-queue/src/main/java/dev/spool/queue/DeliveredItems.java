package dev.spool.queue;

/**
 * The stored sizes of the items delivered and not yet acknowledged, oldest first. Their sequences
 * are consecutive (the consumer delivers every item, a skipped one too), so only the oldest's is
 * kept. A ring of {@code int}s that grows when full: delivering allocates nothing once it is as
 * large as the runs the consumer leaves unacknowledged. Not thread-safe: the consumer lock guards it.
 */
final class DeliveredItems {
    private int[] bytes = new int[256];
    private int head;
    private int count;
    /** The oldest item's sequence, when {@link #count} is not 0. */
    private long first;

    /** Adds the item with {@code sequence}, the one after the newest. */
    void add(long sequence, int storedBytes) {
        if (count == 0) {
            first = sequence;
        } else if (sequence != first + count) {
            throw new IllegalStateException("Delivered item " + sequence + " does not follow item " + (first + count - 1));
        }
        if (count == bytes.length) {
            grow();
        }
        bytes[(head + count) & (bytes.length - 1)] = storedBytes;
        count++;
    }

    /** How many of the items are at or below {@code sequence}. */
    int countThrough(long sequence) {
        return count == 0 || sequence < first ? 0 : (int) Math.min(count, sequence - first + 1);
    }

    /** Removes the {@code n} oldest items; returns their stored bytes. */
    long removeOldest(int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += bytes[(head + i) & (bytes.length - 1)];
        }
        head = (head + n) & (bytes.length - 1);
        count -= n;
        first += n;
        return sum;
    }

    private void grow() {
        int[] larger = new int[bytes.length * 2];
        for (int i = 0; i < count; i++) {
            larger[i] = bytes[(head + i) & (bytes.length - 1)];
        }
        bytes = larger;
        head = 0;
    }
}
