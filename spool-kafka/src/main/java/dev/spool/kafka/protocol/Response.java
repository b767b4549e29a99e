package dev.spool.kafka.protocol;

import java.util.Optional;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * A response to encode: the body as a generated {@code *ResponseData}, for the API and version of
 * the request it answers (which also fix the header's version).
 *
 * @param apiKey        the API answered
 * @param version       the body's version: the request's, or 0 for the ApiVersions fallback
 * @param headerVersion the response header's version
 * @param correlationId copied from the request
 * @param body          the response data
 * @param request       the request answered, empty for answers given before a request was parsed
 *                      (the ApiVersions fallback); it lets the network layer answer with the API's
 *                      own error response when {@code body} cannot be encoded at {@code version}
 */
public record Response(ApiKeys apiKey, short version, short headerVersion, int correlationId, ApiMessage body,
                       Optional<ParsedRequest> request) {

    /** The response to {@code request} with {@code body} at the request's version. */
    public static Response to(ParsedRequest request, ApiMessage body) {
        return new Response(request.apiKey(), request.version(),
                request.apiKey().responseHeaderVersion(request.version()), request.correlationId(), body,
                Optional.of(request));
    }

    /** The API's own response to the same request with {@code error} everywhere; empty without a request. */
    public Optional<Response> asError(Errors error) {
        return request.map(parsed -> RequestDecoder.errorResponse(parsed, error));
    }
}
