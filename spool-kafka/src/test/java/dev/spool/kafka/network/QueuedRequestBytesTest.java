package dev.spool.kafka.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spool.kafka.protocol.Response;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

/**
 * Clients that send the length of a large request and part of it, then stall: the server holds
 * no more than {@code queuedRequestBytesMax} of their frames, stops reading from the ones that do
 * not fit, closes the stalled ones at the read deadline, and then answers a client that behaves.
 */
class QueuedRequestBytesTest {
    private static final int REQUEST_BYTES_MAX = 1 << 20;
    /** Room for exactly two of the stalled frames: the third and later ones, and the good client, wait. */
    private static final long QUEUED_BYTES_MAX = 2L * REQUEST_BYTES_MAX;
    private static final long READ_MS_MAX = 1_000;

    /** Answers every request as ApiVersions v0 with no error (the test sends nothing else). */
    private static final RequestProcessor ANSWER_API_VERSIONS = (frame, client) -> {
        RequestHeader header = RequestHeader.parse(frame.duplicate());
        return CompletableFuture.completedFuture(Optional.of(new Response(ApiKeys.API_VERSIONS, (short) 0, (short) 0,
                header.correlationId(), new ApiVersionsResponseData(), Optional.empty())));
    };

    @Test
    void stalledLargeRequestsHoldAtMostTheBoundAndAreClosedAtTheDeadline() throws Exception {
        ConnectionLimits limits = ConnectionLimits.defaults().withRequestReadMsMax(READ_MS_MAX)
                .withQueuedRequestBytesMax(QUEUED_BYTES_MAX);
        NetworkServer server = NetworkServer.start(List.of(Listener.plaintext("127.0.0.1", 0)), REQUEST_BYTES_MAX, 100, limits, 2,
                ANSWER_API_VERSIONS, NetworkMetrics.NONE);
        RequestMemoryPool pool = server.requestMemory();
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket socket = connect(server);
                stalled.add(socket);
                ByteBuffer start = ByteBuffer.allocate(4 + 64 * 1024);
                start.putInt(REQUEST_BYTES_MAX); // then 64 KiB of the body, and nothing more
                socket.getOutputStream().write(start.array());
                socket.getOutputStream().flush();
            }
            awaitTrue(() -> pool.waitingCount() == 4, "four connections waiting for room");
            assertThat(server.queuedRequestBytes()).isEqualTo(QUEUED_BYTES_MAX);

            // One of the waiting clients gives up. The server, not reading from it, sees that only
            // when room returns and it reads again; then the connection closes like the others.
            stalled.remove(stalled.size() - 1).close();

            try (Socket good = connect(server)) {
                good.getOutputStream().write(apiVersionsRequest(77));
                good.getOutputStream().flush();
                DataInputStream in = new DataInputStream(good.getInputStream());
                int length = in.readInt(); // blocks until the stalled frames are closed and make room
                byte[] response = new byte[length];
                in.readFully(response);
                assertThat(ByteBuffer.wrap(response).getInt()).as("correlation id").isEqualTo(77);
            }
            for (Socket socket : stalled) {
                assertThat(closedByServer(socket)).isTrue();
            }
            awaitTrue(() -> server.queuedRequestBytes() == 0 && pool.waitingCount() == 0, "everything given back");
            assertThat(pool.reservedBytesPeak()).isEqualTo(QUEUED_BYTES_MAX);
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
            server.close();
        }
    }

    private static Socket connect(NetworkServer server) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.localAddress().getPort()), 5_000);
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static byte[] apiVersionsRequest(int correlationId) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(ApiKeys.API_VERSIONS.id)
                .setRequestApiVersion((short) 0).setCorrelationId(correlationId).setClientId("good");
        ApiVersionsRequestData body = new ApiVersionsRequestData();
        ObjectSerializationCache cache = new ObjectSerializationCache();
        short headerVersion = ApiKeys.API_VERSIONS.requestHeaderVersion((short) 0);
        int size = header.size(cache, headerVersion) + body.size(cache, (short) 0);
        ByteBuffer buffer = ByteBuffer.allocate(4 + size);
        buffer.putInt(size);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.write(accessor, cache, headerVersion);
        body.write(accessor, cache, (short) 0);
        return buffer.array();
    }

    /** Whether the server closed the socket: end of stream or a reset within the socket's timeout. */
    private static boolean closedByServer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // nothing is sent to a stalled client; drain anyway
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Polls a condition the server reaches on its own threads, bounded. */
    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("timed out waiting until " + what).isTrue();
            Thread.sleep(5);
        }
    }
}
