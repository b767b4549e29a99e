package dev.spool.kafka;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A bare-socket client for tests: sends requests built from kafka-clients' message classes (or
 * any bytes at all) and reads responses, with nothing of the real client's retries in between.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** The frame of a request: header at the API's header version, then the body. */
    static byte[] frame(ApiKeys key, short version, int correlationId, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(key.id).setRequestApiVersion(version)
                .setCorrelationId(correlationId).setClientId("raw-test");
        short headerVersion = key.requestHeaderVersion(version);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int size = header.size(cache, headerVersion) + body.size(cache, version);
        ByteBuffer buffer = ByteBuffer.allocate(4 + size);
        buffer.putInt(size);
        ByteBufferAccessor accessor = new ByteBufferAccessor(buffer);
        header.write(accessor, cache, headerVersion);
        body.write(accessor, cache, version);
        return buffer.array();
    }

    /** Sends a request and returns the body of its response. */
    ApiMessage call(ApiKeys key, short version, ApiMessage body) throws IOException {
        int id = ++correlationId;
        writeRaw(frame(key, version, id, body));
        ByteBuffer response = readFrame();
        RequestHeader header = new RequestHeader(key, version, "raw-test", id);
        return AbstractResponse.parseResponse(response, header).data();
    }

    /** Sends a request that gets no response (Produce with acks=0). */
    void send(ApiKeys key, short version, ApiMessage body) throws IOException {
        writeRaw(frame(key, version, ++correlationId, body));
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next response frame, without its length prefix. */
    ByteBuffer readFrame() throws IOException {
        int length = in.readInt();
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return ByteBuffer.wrap(bytes);
    }

    /** Whether the server closed the connection (reads until end of stream, bounded by the socket timeout). */
    boolean closedByServer() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain whatever was still on its way
            }
            return true;
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) { // reset by the server
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
