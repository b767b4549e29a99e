package dev.spool.kafka.protocol;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One request as kafka-clients decoded it.
 *
 * @param header  the request header (API, version, correlation id, client id)
 * @param request the body; {@code request.data()} is the generated {@code *RequestData}
 * @param sizeBytes the frame's size, header included
 */
public record ParsedRequest(RequestHeader header, AbstractRequest request, int sizeBytes) {

    public ApiKeys apiKey() {
        return header.apiKey();
    }

    public short version() {
        return header.apiVersion();
    }

    public int correlationId() {
        return header.correlationId();
    }

    public String clientId() {
        return header.clientId() == null ? "" : header.clientId();
    }
}
