package dev.spool.log.tool;

import dev.spool.log.AbortedTransaction;
import dev.spool.log.LogConfig;
import dev.spool.log.TopicConfig;
import dev.spool.log.TopicPartition;
import dev.spool.log.TopicSetting;
import dev.spool.log.catalog.DataDirFiles;
import dev.spool.log.catalog.OffsetCheckpointFile;
import dev.spool.log.catalog.PartitionMetadataFile;
import dev.spool.log.catalog.TopicConfigFile;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.StorageFile;
import dev.spool.log.segment.ChainFile;
import dev.spool.log.segment.HashChain;
import dev.spool.log.segment.SegmentFiles;
import dev.spool.log.segment.TransactionIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The engine's files beside the segments, read with their own codecs and shown as lines of text
 * for {@code spool dump}: the two offset checkpoints, a partition's {@code topic.config} and its
 * {@code partition.metadata}, a segment's aborted transactions ({@code .txnindex}) and its hash-chain
 * sidecar ({@code .chain}: its format, anchor and one hash per batch). Reading is
 * the check: a file its codec refuses is an {@link IOException} naming the file and the problem, as
 * the log manager would meet it at open (a {@code .txnindex} read alone cannot show an entry outside
 * its segment: {@code spool verify} does).
 * Read-only.
 */
public final class EngineFileDump {
    private EngineFileDump() {
    }

    /** Whether {@link #lines} knows how to read a file of this name. */
    public static boolean handles(Path file) {
        String name = file.getFileName().toString();
        return name.equals(DataDirFiles.RECOVERY_POINT_CHECKPOINT) || name.equals(DataDirFiles.LOG_START_CHECKPOINT)
                || name.equals(TopicConfigFile.FILE_NAME) || name.equals(PartitionMetadataFile.FILE_NAME)
                || SegmentFiles.baseOffsetOf(name, SegmentFiles.TXN_INDEX_SUFFIX).isPresent()
                || SegmentFiles.baseOffsetOf(name, SegmentFiles.CHAIN_SUFFIX).isPresent();
    }

    /**
     * What the file holds, one fact per line.
     *
     * @throws IOException              naming the file when its codec refuses it
     * @throws IllegalArgumentException when {@link #handles} is false for it
     */
    public static List<String> lines(FileIO io, Path file) throws IOException {
        String name = file.getFileName().toString();
        List<String> lines = new ArrayList<>();
        if (name.equals(DataDirFiles.RECOVERY_POINT_CHECKPOINT) || name.equals(DataDirFiles.LOG_START_CHECKPOINT)) {
            Map<TopicPartition, Long> offsets = new TreeMap<>(OffsetCheckpointFile.read(io, file));
            offsets.forEach((partition, offset) -> lines.add(partition + " " + offset));
            lines.add(offsets.size() + " partition(s)");
        } else if (name.equals(TopicConfigFile.FILE_NAME)) {
            LogConfig defaults = LogConfig.defaults();
            TopicConfigFile.Stored stored = TopicConfigFile.readStored(io, parent(file), TopicConfig.defaults(defaults));
            TopicConfig config = stored.config();
            lines.add("durability: " + config.durability());
            lines.add("compression: " + config.compression());
            lines.add("hash chain: " + config.hashChain());
            for (TopicSetting setting : TopicSetting.values()) {
                config.override(setting).ifPresent(value -> lines.add(setting.key() + ": " + setting.format(value)));
            }
            lines.add("largest batch written so far: " + stored.batchBytesMaxStored() + " bytes");
        } else if (name.equals(PartitionMetadataFile.FILE_NAME)) {
            Optional<UUID> id = PartitionMetadataFile.read(io, parent(file));
            lines.add("topic id: " + id.map(UUID::toString).orElse("(none)"));
        } else if (SegmentFiles.baseOffsetOf(name, SegmentFiles.TXN_INDEX_SUFFIX).isPresent()) {
            long base = SegmentFiles.baseOffsetOf(name, SegmentFiles.TXN_INDEX_SUFFIX).getAsLong();
            TransactionIndex index = TransactionIndex.load(io, file, base);
            for (int i = 0; i < index.entries(); i++) {
                AbortedTransaction t = index.entry(i);
                lines.add("producer: " + t.producerId() + " firstOffset: " + t.firstOffset() + " lastOffset: "
                        + t.lastOffset() + " lastStableOffset: " + t.lastStableOffset());
            }
            lines.add(index.entries() + " aborted transaction(s)");
        } else if (SegmentFiles.baseOffsetOf(name, SegmentFiles.CHAIN_SUFFIX).isPresent()) {
            chainLines(io, file, SegmentFiles.baseOffsetOf(name, SegmentFiles.CHAIN_SUFFIX).getAsLong(), lines);
        } else {
            throw new IllegalArgumentException("not a file of the engine's: " + file);
        }
        return lines;
    }

    /** A sidecar's header, then each entry: the batch's base offset and the chain after it. */
    private static void chainLines(FileIO io, Path file, long base, List<String> lines) throws IOException {
        try (StorageFile sidecar = io.open(file, FileIO.OpenMode.READ)) {
            ChainFile.Header header = ChainFile.readHeader(sidecar, file, base);
            lines.add("version: " + header.version() + (header.version() == ChainFile.VERSION_1
                    ? " (each batch linked whole)"
                    : " (a batch over " + HashChain.WHOLE_BATCH_BYTES_MAX + " bytes linked by its content's digest)"));
            lines.add("anchor: " + HashChain.hex(header.anchor()));
            ByteBuffer entries = ByteBuffer.allocate(ChainFile.ENTRIES_PER_READ * ChainFile.ENTRY_BYTES);
            byte[] hash = new byte[ChainFile.HASH_BYTES];
            for (long first = 0; first < header.entries(); first += ChainFile.ENTRIES_PER_READ) {
                int read = ChainFile.readEntries(sidecar, first, ChainFile.ENTRIES_PER_READ, entries);
                for (int i = 0; i < read; i++) {
                    entries.get(i * ChainFile.ENTRY_BYTES + ChainFile.ENTRY_HASH_AT, hash);
                    lines.add("batch at offset " + entries.getLong(i * ChainFile.ENTRY_BYTES) + ": "
                            + HashChain.hex(hash));
                }
            }
            lines.add(header.entries() + " batch(es)");
        }
    }

    private static Path parent(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }
}
