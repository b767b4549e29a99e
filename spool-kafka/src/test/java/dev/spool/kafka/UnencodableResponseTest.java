package dev.spool.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.network.NetworkMetrics;
import dev.spool.kafka.network.NetworkServer;
import dev.spool.kafka.network.RequestProcessor;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.RequestDecoder;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.protocol.SupportedApis;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * A response the server cannot encode at the client's version (a handler that set a field the
 * version lacks) reaches the client as the API's error response, UNKNOWN_SERVER_ERROR, on a
 * connection that stays open: a closed connection makes every client retry silently for ever.
 */
class UnencodableResponseTest {

    /** Answers every ListOffsets with a leader epoch, which only version 4 and later can carry. */
    private static final class LeaderEpochEverywhere implements RequestProcessor {
        private final RequestDecoder decoder = new RequestDecoder(SupportedApis.of(false));

        @Override
        public CompletableFuture<Optional<Response>> process(ByteBuffer frame, dev.spool.kafka.network.Session session) {
            try {
                ParsedRequest request = ((RequestDecoder.Dispatch) decoder.decode(frame)).request();
                ListOffsetsResponseData body = new ListOffsetsResponseData().setTopics(List.of(
                        new ListOffsetsResponseData.ListOffsetsTopicResponse().setName("t").setPartitions(List.of(
                                new ListOffsetsResponseData.ListOffsetsPartitionResponse().setPartitionIndex(0)
                                        .setOffset(5).setLeaderEpoch(0)))));
                return CompletableFuture.completedFuture(Optional.of(Response.to(request, body)));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    @Test
    void anUnencodableResponseIsAnsweredWithTheApisErrorAndTheConnectionStaysOpen() throws Exception {
        try (NetworkServer server = NetworkServer.start(java.util.List.of(dev.spool.kafka.network.Listener.plaintext("127.0.0.1", 0)), 1 << 20, 16,
                dev.spool.kafka.network.ConnectionLimits.defaults(), 1, new LeaderEpochEverywhere(),
                NetworkMetrics.NONE);
             RawClient client = new RawClient(server.localAddress().getPort())) {
            ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                    new ListOffsetsRequestData.ListOffsetsTopic().setName("t").setPartitions(List.of(
                            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
            for (int attempt = 0; attempt < 3; attempt++) {
                ListOffsetsResponseData response = (ListOffsetsResponseData) client.call(ApiKeys.LIST_OFFSETS,
                        (short) 2, request);
                ListOffsetsResponseData.ListOffsetsPartitionResponse partition = response.topics().get(0)
                        .partitions().get(0);
                assertThat(Errors.forCode(partition.errorCode())).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
            }
            // Version 4 carries the epoch: the handler's own answer goes through unchanged.
            ListOffsetsResponseData v4 = (ListOffsetsResponseData) client.call(ApiKeys.LIST_OFFSETS, (short) 4, request);
            assertThat(v4.topics().get(0).partitions().get(0).offset()).isEqualTo(5);
            assertThat(server.encodingFailureCount()).isEqualTo(3);
        }
    }
}
