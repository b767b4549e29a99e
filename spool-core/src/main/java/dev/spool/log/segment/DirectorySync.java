package dev.spool.log.segment;

import dev.spool.log.io.FileIO;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The changes to a log's directory (a segment created by a roll, segments renamed {@code .deleted})
 * that no directory sync has covered yet, and the sync that covers them. A roll and a deletion
 * only record their change here; the sync runs at the set's next durability point ({@code flush},
 * a strict append's force, the background flush of a rolled segment), before that point counts
 * anything as durable, or on the I/O executor after a deletion ({@link SegmentRemovals}).
 *
 * <p>Why not sync in line: on ext4 a directory sync commits the journal, which first writes out the
 * data of files written since the last commit, so it lasts as long as the background fsync of the
 * segment just rolled, tens of milliseconds for 64 MiB. Measured on a disk buffer moving 1 MiB
 * Arrow batches through 64 MiB segments: the roll's sync cost each put of a segment's first batch
 * about 45 ms, and the deletion's each acknowledgement that deleted a segment as much.
 *
 * <p>What a power loss can then do: bring back a deleted segment under its old name, or lose a new
 * segment's entry. Neither loses what was acknowledged durable, because nothing is acknowledged
 * past a change before it is synced: a segment that comes back is intact (it was forced before
 * anything after it counted) or nothing after it was acknowledged, and the checkpointed log start
 * offset keeps its records unread; a lost new segment held nothing acknowledged. A process crash
 * loses neither: the kernel has both changes. Thread-safe.
 */
final class DirectorySync {
    private final FileIO io;
    private final Path dir;
    /** Changes recorded, and how many of them a sync has covered. Guarded by this. */
    private long changes;
    private long synced;

    DirectorySync(FileIO io, Path dir) {
        this.io = io;
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Records a change made to the directory (after making it): the next {@link #syncIfChanged} covers it. */
    synchronized void changed() {
        changes++;
    }

    /** Makes every change recorded so far durable: syncs the directory unless a sync already covered them. */
    void syncIfChanged() throws IOException {
        long covered;
        synchronized (this) {
            if (synced == changes) {
                return;
            }
            covered = changes;
        }
        io.syncDirectory(dir);
        synchronized (this) {
            synced = Math.max(synced, covered);
        }
    }
}
