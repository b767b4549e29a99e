package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connection limit, and a graceful stop that answers what is in flight. */
class NetworkLimitsTest {
    @TempDir
    Path dir;

    private static boolean answers(RawClient client) {
        try {
            ApiVersionsResponseData response = (ApiVersionsResponseData) client.call(ApiKeys.API_VERSIONS, (short) 0,
                    new ApiVersionsRequestData());
            return response.errorCode() == Errors.NONE.code();
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void connectionsBeyondTheMaximumAreClosedAndOthersAreUnaffected() throws Exception {
        try (RunningServer server = new RunningServer(dir, KafkaServerConfig.defaults().withConnectionsMax(2));
             RawClient first = new RawClient(server.port()); RawClient second = new RawClient(server.port())) {
            assertThat(answers(first)).isTrue();
            assertThat(answers(second)).isTrue();
            try (RawClient third = new RawClient(server.port())) {
                assertThat(third.closedByServer()).isTrue();
            }
            assertThat(answers(first)).isTrue();
            second.close();
            // The slot frees once the server has seen the close: a later connection is served.
            boolean served = false;
            for (int attempt = 0; attempt < 50 && !served; attempt++) {
                try (RawClient next = new RawClient(server.port())) {
                    served = answers(next);
                }
            }
            assertThat(served).isTrue();
        }
    }

    @Test
    void aGracefulStopAnswersAWaitingFetchBeforeClosing() throws Exception {
        RunningServer server = new RunningServer(dir);
        try (RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("quiet", 1);
            FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(60_000).setMinBytes(1).setMaxBytes(1 << 20)
                    .setReplicaId(-1);
            fetch.topics().add(new FetchRequestData.FetchTopic().setTopic("quiet").setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20))));
            client.writeRaw(RawClient.frame(ApiKeys.FETCH, (short) 12, 9, fetch));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (server.server().waitingFetches() == 0 && System.nanoTime() < deadline) {
                Thread.yield(); // until the server holds the fetch (bounded)
            }
            assertThat(server.server().waitingFetches()).isEqualTo(1);
            server.stop();
            ByteBuffer frame = client.readFrame();
            assertThat(frame.getInt()).isEqualTo(9);
            frame.get();
            FetchResponseData response = new FetchResponseData(new ByteBufferAccessor(frame), (short) 12);
            assertThat(response.responses().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(client.closedByServer()).isTrue();
        } finally {
            server.close();
        }
        assertThat(dir.resolve(".spool_cleanshutdown")).exists();
    }

    private static KafkaServerConfig with(dev.spool.kafka.network.ConnectionLimits limits) {
        return KafkaServerConfig.defaults().withLimits(limits);
    }

    private static dev.spool.kafka.network.ConnectionLimits limits() {
        return dev.spool.kafka.network.ConnectionLimits.defaults();
    }

    @Test
    void connectionsFromOneAddressBeyondItsMaximumAreClosed() throws Exception {
        try (RunningServer server = new RunningServer(dir, with(limits().withConnectionsPerIpMax(2)));
             RawClient first = new RawClient(server.port()); RawClient second = new RawClient(server.port())) {
            assertThat(answers(first)).isTrue();
            assertThat(answers(second)).isTrue();
            try (RawClient third = new RawClient(server.port())) {
                assertThat(third.closedByServer()).isTrue();
            }
            second.close();
            boolean served = false;
            for (int attempt = 0; attempt < 50 && !served; attempt++) {
                try (RawClient next = new RawClient(server.port())) {
                    served = answers(next);
                }
            }
            assertThat(served).as("a slot of the address frees when one of its connections closes").isTrue();
        }
    }

    @Test
    void anIdleConnectionIsClosedButNotOneWaitingForItsFetch() throws Exception {
        try (RunningServer server = new RunningServer(dir, with(limits().withConnectionIdleMsMax(300)))) {
            server.manager().createTopic("quiet", 1);
            try (RawClient idle = new RawClient(server.port())) {
                assertThat(answers(idle)).isTrue();
                long start = System.nanoTime();
                assertThat(idle.closedByServer()).isTrue();
                assertThat((System.nanoTime() - start) / 1_000_000).as("ms until closed").isLessThan(9_000);
            }
            try (RawClient waiting = new RawClient(server.port())) {
                FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(1_500).setMinBytes(1)
                        .setMaxBytes(1 << 20).setReplicaId(-1);
                fetch.topics().add(new FetchRequestData.FetchTopic().setTopic("quiet").setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                .setPartitionMaxBytes(1 << 20))));
                FetchResponseData response = (FetchResponseData) waiting.call(ApiKeys.FETCH, (short) 12, fetch);
                assertThat(response.responses().get(0).partitions().get(0).errorCode())
                        .as("answered after its wait, five idle periods long").isEqualTo(Errors.NONE.code());
            }
        }
    }

    @Test
    void aRequestNotSentWholeWithinTheDeadlineClosesItsConnection() throws Exception {
        try (RunningServer server = new RunningServer(dir, with(limits().withRequestReadMsMax(300)));
             RawClient slow = new RawClient(server.port())) {
            assertThat(answers(slow)).as("a whole request is served").isTrue();
            slow.writeRaw(new byte[] {0, 0, 4, 0, 0, 18, 0, 3}); // a frame of 1024 bytes, 4 of them sent
            long start = System.nanoTime();
            assertThat(slow.closedByServer()).isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms until closed").isLessThan(9_000);
        }
    }

    @Test
    void aFetchResponseHoldsAtMostTheServersFetchBytesMaxWhateverItAsks() throws Exception {
        try (RunningServer server = new RunningServer(dir, with(limits().withFetchBytesMax(2_000)));
             RawClient client = new RawClient(server.port())) {
            server.manager().createTopic("full", 1);
            for (int i = 0; i < 20; i++) {
                dev.spool.log.record.BatchBuilder builder = new dev.spool.log.record.BatchBuilder(1 << 16);
                builder.tryAppend(1_000L, null, new byte[500]);
                server.manager().log("full", 0).append(builder.build());
            }
            FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                    .setReplicaId(-1);
            fetch.topics().add(new FetchRequestData.FetchTopic().setTopic("full").setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20))));
            FetchResponseData response = (FetchResponseData) client.call(ApiKeys.FETCH, (short) 12, fetch);
            int bytes = response.responses().get(0).partitions().get(0).records().sizeInBytes();
            assertThat(bytes).isPositive().isLessThanOrEqualTo(2_000);
        }
    }
}
