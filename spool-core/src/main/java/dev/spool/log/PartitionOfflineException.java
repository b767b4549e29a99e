package dev.spool.log;

import dev.spool.log.record.CorruptRecordException;
import dev.spool.log.segment.CorruptChainException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A partition whose files are damaged: its log did not open, and the log manager keeps it offline
 * while every other partition serves. {@link LogManager#log} and {@link LogManager#findLog} throw
 * it for that partition until {@code spool repair <topic>} has cut the damage and the data
 * directory is opened again. The message is one line: the partition, the damage (file and
 * position, from the {@linkplain #getCause() cause}) and what to run.
 *
 * <p>What a user sees: {@code spool consume} and {@code spool produce} on the partition print the
 * message as their one error line and exit with status 1, e.g. (one line, wrapped here) <pre>
 * spool: Partition orders-0 is offline: Corrupt log /data/orders-0/00000000000000000000.log
 *        at position 4120: …; run 'spool repair orders'
 * </pre> and the Kafka server answers requests for it with {@code KAFKA_STORAGE_ERROR}.
 *
 * <p>A partition whose {@code topic.config} is missing or does not parse is offline too (its
 * settings are unknown, and are never guessed): that damage is not in the log; {@code spool
 * repair} restores the file from a copy in another partition that reads, as the message says
 * ({@link #PartitionOfflineException(TopicPartition, IOException, Path, String)}).
 *
 * <p>Unchecked, as the lookups that throw it are: an {@link UncheckedIOException}, so a caller
 * that already treats I/O failures of a log as a storage error (the Kafka server answers
 * {@code KAFKA_STORAGE_ERROR}) treats this one alike.
 */
public final class PartitionOfflineException extends UncheckedIOException {
    private final TopicPartition partition;
    /** The damaged file when the damage is not in the log's own files; null otherwise. */
    private final Path otherFile;
    private final String remedy;

    /** Damage in the partition's log files: the remedy is {@code spool repair <topic>}. */
    public PartitionOfflineException(TopicPartition partition, IOException damage) {
        this(partition, damage, null, "run 'spool repair " + partition.topic() + "'");
    }

    /**
     * Damage in {@code file}, a file of the partition's directory that {@code spool repair} does
     * not rewrite (its {@code topic.config}): {@code remedy} says what to do instead.
     */
    public PartitionOfflineException(TopicPartition partition, IOException damage, Path file, String remedy) {
        super("Partition " + partition + " is offline: " + damage.getMessage() + "; " + remedy, damage);
        this.partition = partition;
        this.otherFile = file;
        this.remedy = remedy;
    }

    /** The same failure as a new exception, so that its stack shows the caller that met the partition. */
    public PartitionOfflineException again() {
        return new PartitionOfflineException(partition, getCause(), otherFile, remedy);
    }

    public TopicPartition partition() {
        return partition;
    }

    /** The damaged file, when the damage names one. */
    public Optional<Path> file() {
        if (otherFile != null) {
            return Optional.of(otherFile);
        }
        IOException damage = getCause();
        if (damage instanceof CorruptLogException e) {
            return Optional.of(e.file());
        }
        if (damage instanceof CorruptChainException e) {
            return Optional.of(e.file());
        }
        if (damage instanceof CorruptRecordException e) {
            return e.file();
        }
        return Optional.empty();
    }

    /** The byte position of the damage in {@link #file()}, or -1 when the damage names none. */
    public long position() {
        IOException damage = getCause();
        if (damage instanceof CorruptLogException e) {
            return e.position();
        }
        if (damage instanceof CorruptChainException e) {
            return e.position();
        }
        if (damage instanceof CorruptRecordException e) {
            return e.position();
        }
        return -1;
    }

    /**
     * Whether {@code e}, thrown by opening a log, is damage in the log's own files (segments,
     * indexes, chain files), which takes only that partition offline; any other failure (a
     * missing permission, a full disk) fails the whole open.
     */
    public static boolean isDamage(Throwable e) {
        return e instanceof CorruptLogException || e instanceof CorruptRecordException
                || e instanceof CorruptChainException || e instanceof dev.spool.log.segment.CorruptIndexException;
    }
}
