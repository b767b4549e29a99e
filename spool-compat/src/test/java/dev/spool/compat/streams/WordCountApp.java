package dev.spool.compat.streams;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The word-count application under test, one running instance of it: lines from the input topic are
 * split into words, re-keyed by word (so Streams writes them through a repartition topic it creates,
 * {@code <application.id>-words-repartition}), counted in a persistent (RocksDB) store backed by a
 * changelog topic it also creates ({@code <application.id>-counts-changelog}), and every new count is
 * written to the output topic as {@code word -> count}.
 *
 * <p>One stream thread, {@code at_least_once} unless asked otherwise, a short commit interval so
 * results show up quickly.
 * An exception that escapes a stream thread shuts the instance down and is kept, so a waiting test
 * fails with it instead of waiting out its deadline. Not thread-safe: one test thread drives it.
 */
final class WordCountApp implements AutoCloseable {
    static final String STORE = "counts";
    static final String REPARTITION = "words";
    private static final long CLOSE_TIMEOUT_MS = 60_000;

    private final KafkaStreams streams;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Changelog records read back into the count store, summed over its partitions' finished restores. */
    private final AtomicLong restored = new AtomicLong();
    private boolean closed;

    private WordCountApp(KafkaStreams streams) {
        this.streams = streams;
        streams.setGlobalStateRestoreListener(new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition partition, String store, long startOffset, long endOffset) {
            }

            @Override
            public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset,
                                        long restoredRecords) {
            }

            @Override
            public void onRestoreEnd(TopicPartition partition, String store, long restoredRecords) {
                restored.addAndGet(restoredRecords);
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            failure.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    }

    /** Starts an instance; it joins the group and begins processing in the background. */
    static WordCountApp start(String bootstrap, String applicationId, Path stateDir, String input, String output) {
        return start(bootstrap, applicationId, stateDir, input, output, StreamsConfig.AT_LEAST_ONCE, 0);
    }

    /**
     * Starts an instance with the given {@code processing.guarantee}; with {@code crashAtLine} above 0
     * its stream thread fails when it reaches that input line (counted from this start), as a crash
     * in the middle of processing: the instance shuts down without committing.
     */
    static WordCountApp start(String bootstrap, String applicationId, Path stateDir, String input, String output,
                              String guarantee, long crashAtLine) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.REPARTITION_PURGE_INTERVAL_MS_CONFIG, 100);
        // The input was written before the application first starts.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        WordCountApp app = new WordCountApp(new KafkaStreams(topology(input, output, crashAtLine), props));
        app.streams.start();
        return app;
    }

    static Topology topology(String input, String output, long crashAtLine) {
        AtomicLong lines = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .peek((key, line) -> {
                    if (lines.incrementAndGet() == crashAtLine) {
                        throw new IllegalStateException("The crash this test asked for, at input line " + crashAtLine);
                    }
                })
                .flatMapValues(line -> Arrays.asList(line.split(" ")))
                .groupBy((key, word) -> word, Grouped.with(REPARTITION, Serdes.String(), Serdes.String()))
                .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }

    KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * How many changelog records this instance has restored into its store so far: all of the store's
     * changelog over an empty state directory, only what follows the checkpoint over a used one.
     */
    long restoredRecords() {
        return restored.get();
    }

    /** The exception that stopped a stream thread, if one did. */
    Throwable failure() {
        return failure.get();
    }

    /** Whether the instance can still make progress: not failed, not shutting down or stopped. */
    boolean alive() {
        KafkaStreams.State state = streams.state();
        return failure.get() == null && state != KafkaStreams.State.ERROR
                && state != KafkaStreams.State.PENDING_ERROR && state != KafkaStreams.State.PENDING_SHUTDOWN
                && state != KafkaStreams.State.NOT_RUNNING;
    }

    /**
     * Every entry of the count store, read through interactive queries; empty while the store is not
     * queryable (the instance is rebalancing or restoring), so a caller polls.
     */
    java.util.Optional<Map<String, Long>> storeContents() {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return java.util.Optional.empty();
        }
        try {
            ReadOnlyKeyValueStore<String, Long> store = streams.store(
                    StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
            Map<String, Long> out = new TreeMap<>();
            try (KeyValueIterator<String, Long> all = store.all()) {
                while (all.hasNext()) {
                    KeyValue<String, Long> entry = all.next();
                    out.put(entry.key, entry.value);
                }
            }
            return java.util.Optional.of(out);
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
            return java.util.Optional.empty(); // migrated or not yet open: ask again
        }
    }

    /**
     * A clean close: the thread commits what it processed, and the member leaves the group so a
     * restarted instance is assigned its tasks without waiting for this one's session to expire.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean stopped = streams.close(CloseOptions.groupMembershipOperation(
                CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofMillis(CLOSE_TIMEOUT_MS)));
        if (!stopped) {
            throw new IllegalStateException("Kafka Streams did not close within " + CLOSE_TIMEOUT_MS
                    + " ms (state " + streams.state() + ")");
        }
    }
}
