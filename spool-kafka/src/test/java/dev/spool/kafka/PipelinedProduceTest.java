package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.LogManager;
import dev.spool.log.LogManagerConfig;
import dev.spool.log.ReadResult;
import dev.spool.log.io.FileIO;
import dev.spool.log.io.ForwardingFileIO;
import dev.spool.log.io.ForwardingStorageFile;
import dev.spool.log.io.FileIO.OpenMode;
import dev.spool.log.io.StorageFile;
import dev.spool.log.record.Record;
import dev.spool.log.record.RecordBatch;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection's consecutive acks=all Produce requests to a strict-durability server: the next one
 * is appended while the one before waits for its fsync, so they share fsyncs, and the answers
 * still come in request order. The first fsync is held until every request's batch is written: a
 * server that waited for one request's fsync before starting the next would never get there.
 * And a batch whose CRC does not match is refused with CORRUPT_MESSAGE naming the partition (the
 * CRC is checked once, by the log; see {@code ProducedBatchTest} for the server's side).
 */
class PipelinedProduceTest {
    private static final short PRODUCE_VERSION = 9;
    private static final int REQUESTS = 5;

    @TempDir
    Path dir;

    @Test
    void pipelinedAcksAllProducesShareFsyncsAndAreAnsweredInOrder() throws Exception {
        GatedForces io = new GatedForces(FileIO.real());
        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks().withIo(io));
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults().withListen("127.0.0.1", 0), manager,
                     Optional.empty(), new CompositeMeterRegistry());
             RawClient client = new RawClient(server.port())) {
            manager.createTopic("durable", 1);
            Log log = manager.log("durable", 0);
            io.hold();

            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            for (int id = 1; id <= REQUESTS; id++) {
                frames.write(RawClient.frame(ApiKeys.PRODUCE, PRODUCE_VERSION, id,
                        ProtocolTest.produce("durable", (short) -1, "value-" + id)));
            }
            client.writeRaw(frames.toByteArray());
            awaitEndOffset(log, REQUESTS); // every batch written while the first fsync is held
            io.release();

            for (int id = 1; id <= REQUESTS; id++) {
                ByteBuffer frame = client.readFrame();
                assertThat(frame.getInt(0)).as("correlation id of answer %s", id).isEqualTo(id);
                ProduceResponseData response = (ProduceResponseData) AbstractResponse.parseResponse(frame,
                        new RequestHeader(ApiKeys.PRODUCE, PRODUCE_VERSION, "raw-test", id)).data();
                ProduceResponseData.PartitionProduceResponse partition =
                        response.responses().iterator().next().partitionResponses().get(0);
                assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.NONE);
                assertThat(partition.baseOffset()).isEqualTo(id - 1);
            }
            assertThat(io.forces()).as("fsyncs of the segment for %s strict appends", REQUESTS)
                    .isBetween(1, 2);
            assertThat(values(log)).as("the records as sent (the frames outlived their writes)")
                    .containsExactly("value-1", "value-2", "value-3", "value-4", "value-5");
        }
    }

    @Test
    void aBatchWhoseCrcDoesNotMatchIsCorruptMessageNamingThePartition() throws Exception {
        try (LogManager manager = LogManager.open(dir, LogManagerConfig.defaults().withoutBackgroundTasks());
             KafkaServer server = KafkaServer.start(KafkaServerConfig.defaults().withListen("127.0.0.1", 0), manager,
                     Optional.empty(), new CompositeMeterRegistry());
             RawClient client = new RawClient(server.port())) {
            manager.createTopic("durable", 1);
            ProduceRequestData tampered = ProtocolTest.produce("durable", (short) -1, "tampered");
            ByteBuffer records = ((MemoryRecords) tampered.topicData().iterator().next().partitionData().get(0)
                    .records()).buffer();
            records.put(records.limit() - 3, (byte) (records.get(records.limit() - 3) ^ 0x55)); // inside the value

            ProduceResponseData refused = (ProduceResponseData) client.call(ApiKeys.PRODUCE, PRODUCE_VERSION,
                    tampered);
            ProduceResponseData.PartitionProduceResponse partition =
                    refused.responses().iterator().next().partitionResponses().get(0);
            assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.CORRUPT_MESSAGE);
            assertThat(partition.errorMessage()).contains("durable-0").contains("CRC mismatch");
            assertThat(manager.log("durable", 0).logEndOffset()).isZero();
        }
    }

    private static List<String> values(Log log) throws Exception {
        ReadResult read = log.read(0, 1 << 20);
        List<String> values = new ArrayList<>();
        ByteBuffer batches = read.batches();
        for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
            for (Record record : RecordBatch.records(batches, at)) {
                values.add(StandardCharsets.UTF_8.decode(record.value().orElseThrow()).toString());
            }
        }
        return values;
    }

    private static void awaitEndOffset(Log log, long offset) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (log.logEndOffset() < offset) {
            assertThat(System.nanoTime()).as("log end offset %s reached %s while the first fsync was held",
                    log.logEndOffset(), offset).isLessThan(deadline);
            Thread.onSpinWait();
            Thread.sleep(0, 100_000);
        }
    }

    /**
     * Counts forces of segment files once {@link #hold() held}, and makes the first of them wait
     * until {@link #release()}.
     */
    private static final class GatedForces extends ForwardingFileIO {
        private final AtomicBoolean counting = new AtomicBoolean();
        private final AtomicInteger forces = new AtomicInteger();
        private final CountDownLatch gate = new CountDownLatch(1);

        GatedForces(FileIO delegate) {
            super(delegate);
        }

        void hold() {
            counting.set(true);
        }

        void release() {
            gate.countDown();
        }

        int forces() {
            return forces.get();
        }

        @Override
        protected StorageFile wrap(StorageFile file, Path path, OpenMode mode) {
            if (!path.getFileName().toString().endsWith(".log")) {
                return file;
            }
            return new ForwardingStorageFile(file) {
                @Override
                public void force(boolean metadata) throws IOException {
                    if (counting.get()) {
                        forces.incrementAndGet();
                        try {
                            if (!gate.await(30, TimeUnit.SECONDS)) {
                                throw new IOException("The test never released the held fsync");
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(e);
                        }
                    }
                    super.force(metadata);
                }
            };
        }
    }
}
