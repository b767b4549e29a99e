package dev.spool.kafka.protocol;

import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A response to encode: the body as a generated {@code *ResponseData}, for the API and version of
 * the request it answers (which also fix the header's version).
 *
 * @param apiKey        the API answered
 * @param version       the body's version: the request's, or 0 for the ApiVersions fallback
 * @param headerVersion the response header's version
 * @param correlationId copied from the request
 * @param body          the response data
 */
public record Response(ApiKeys apiKey, short version, short headerVersion, int correlationId, ApiMessage body) {

    /** The response to {@code request} with {@code body} at the request's version. */
    public static Response to(ParsedRequest request, ApiMessage body) {
        return new Response(request.apiKey(), request.version(),
                request.apiKey().responseHeaderVersion(request.version()), request.correlationId(), body);
    }
}
