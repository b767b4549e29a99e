package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.log.Log;
import dev.spool.log.ReadResult;
import dev.spool.log.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage, truncated frames, hostile length prefixes and mutated requests over raw sockets: each
 * bad connection is closed (or its request refused), other connections keep working, and the
 * stored data is exactly what valid requests wrote.
 */
class HostileBytesTest {
    private static final long SEED = 20261123L;
    private static final int REQUEST_BYTES_MAX = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void badBytesCloseOnlyTheirConnectionAndLeaveStoredDataIntact() throws Exception {
        KafkaServerConfig config = KafkaServerConfig.defaults().withRequestBytesMax(REQUEST_BYTES_MAX);
        try (RunningServer server = new RunningServer(dir, config); RawClient good = new RawClient(server.port())) {
            server.manager().createTopic("safe", 1);
            assertThat(produce(good, "first")).isEqualTo(Errors.NONE);

            assertClosed(server, ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());     // huge length
            assertClosed(server, ByteBuffer.allocate(4).putInt(-1).array());                    // negative length
            assertClosed(server, ByteBuffer.allocate(4).putInt(REQUEST_BYTES_MAX + 1).array()); // just above the limit
            assertClosed(server, ByteBuffer.allocate(8).putInt(3).putInt(0).array());           // below the header
            assertClosed(server, frameWithHeader((short) 9999, (short) 0, new byte[16]));       // unknown API key
            assertClosed(server, frameWithHeader(ApiKeys.PRODUCE.id, (short) 2, new byte[16])); // undecodable version
            assertClosed(server, frameWithHeader(ApiKeys.PRODUCE.id, (short) 9, new byte[] {0, 0, 0, 5, 1}));
            Random random = new Random(SEED);
            byte[] garbage = new byte[4096];
            random.nextBytes(garbage);
            garbage[0] = 0; // a plausible length prefix, so the garbage is read as a request
            garbage[1] = 0;
            garbage[2] = 0x0f;
            garbage[3] = (byte) 0xfc;
            assertClosed(server, garbage);

            // A truncated frame: the length promises more than ever comes; the client gives up.
            try (RawClient truncated = new RawClient(server.port())) {
                byte[] frame = RawClient.frame(ApiKeys.API_VERSIONS, (short) 3, 1, new ApiVersionsRequestData()
                        .setClientSoftwareName("x").setClientSoftwareVersion("1"));
                truncated.writeRaw(Arrays.copyOf(frame, frame.length - 3));
            }

            // A batch whose CRC is wrong: refused with the protocol's error, the connection stays.
            org.apache.kafka.common.message.ProduceRequestData tampered = ProtocolTest.produce("safe", (short) 1,
                    "tampered");
            ByteBuffer records = ((org.apache.kafka.common.record.internal.MemoryRecords) tampered.topicData()
                    .iterator().next().partitionData().get(0).records()).buffer();
            records.put(records.limit() - 3, (byte) (records.get(records.limit() - 3) ^ 0x55)); // inside the value
            ProduceResponseData refused = (ProduceResponseData) good.call(ApiKeys.PRODUCE, (short) 9, tampered);
            assertThat(refused.responses().iterator().next().partitionResponses().get(0).errorCode())
                    .isEqualTo(Errors.CORRUPT_MESSAGE.code());
            assertThat(produce(good, "second")).isEqualTo(Errors.NONE);

            // Seeded mutations of a valid Produce: answered or closed, never accepted as something else.
            for (int round = 0; round < 200; round++) {
                byte[] mutated = produceFrame("mutant-" + round);
                int flips = 1 + random.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    int at = 4 + random.nextInt(mutated.length - 4);
                    mutated[at] ^= (byte) (1 + random.nextInt(255));
                }
                try (RawClient hostile = new RawClient(server.port())) {
                    hostile.writeRaw(mutated);
                    try {
                        hostile.readFrame();
                    } catch (IOException e) {
                        // closed by the server: fine
                    }
                }
            }

            ApiVersionsResponseData versions = (ApiVersionsResponseData) good.call(ApiKeys.API_VERSIONS, (short) 3,
                    new ApiVersionsRequestData().setClientSoftwareName("x").setClientSoftwareVersion("1"));
            assertThat(versions.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(produce(good, "third")).isEqualTo(Errors.NONE);
            Log log = server.manager().log("safe", 0);
            assertEveryBatchIsValid(log);
            // The mutants that survived as valid requests could only write well-formed batches; the
            // records of the good connection are all there, in order.
            assertThat(values(log)).startsWith("first", "second").contains("third");
        }
    }

    private static void assertClosed(RunningServer server, byte[] bytes) throws Exception {
        try (RawClient hostile = new RawClient(server.port())) {
            hostile.writeRaw(bytes);
            assertThat(hostile.closedByServer()).as("connection closed after %d hostile bytes", bytes.length).isTrue();
        }
    }

    private static byte[] frameWithHeader(short apiKey, short version, byte[] body) {
        ByteBuffer frame = ByteBuffer.allocate(4 + 10 + body.length);
        frame.putInt(10 + body.length).putShort(apiKey).putShort(version).putInt(1).putShort((short) -1).put(body);
        return frame.array();
    }

    private static byte[] produceFrame(String value) {
        return RawClient.frame(ApiKeys.PRODUCE, (short) 9, 7, ProtocolTest.produce("safe", (short) 1, value));
    }

    private static Errors produce(RawClient client, String value) throws IOException {
        ProduceResponseData response = (ProduceResponseData) client.call(ApiKeys.PRODUCE, (short) 9,
                ProtocolTest.produce("safe", (short) 1, value));
        return Errors.forCode(response.responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    private static void assertEveryBatchIsValid(Log log) throws Exception {
        for (long offset = log.logStartOffset(); offset < log.logEndOffset(); ) {
            ReadResult read = log.read(offset, 1 << 20);
            ByteBuffer batches = read.batches();
            for (int at = batches.position(); at < batches.limit(); at += RecordBatch.sizeInBytes(batches, at)) {
                RecordBatch.validate(batches, at, 1 << 20);
                RecordBatch.validateRecords(batches, at);
            }
            offset = read.nextOffset(offset);
        }
    }

    private static java.util.List<String> values(Log log) throws Exception {
        java.util.List<String> values = new java.util.ArrayList<>();
        for (dev.spool.log.record.Record record : log.read(0, 64 << 20).records()) {
            values.add(new String(record.valueBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return values;
    }
}
