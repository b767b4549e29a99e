package dev.spool.kafka.protocol;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestAndSize;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * Turns a request frame (the bytes after the 4-byte length prefix) into kafka-clients' objects, or
 * into the answer the protocol gives without dispatching:
 *
 * <pre>
 *  API key / version                                  outcome
 *  unknown key                                        MalformedRequestException (connection closed)
 *  ApiVersions above the advertised maximum           UNSUPPORTED_VERSION, v0 body, v0 header, listing
 *                                                     only ApiVersions' range (KIP-511 fallback)
 *  version kafka-clients cannot decode                MalformedRequestException (nothing to answer with)
 *  decodable but not advertised                       the API's own error response, UNSUPPORTED_VERSION
 *  advertised                                         a ParsedRequest to dispatch
 *  any of them with bytes that do not parse           MalformedRequestException
 * </pre>
 *
 * Every field of the frame is read through kafka-clients' generated code, which bounds each
 * array and string by the bytes actually present, so a hostile length inside a request cannot
 * make it allocate more than the frame. Stateless and thread-safe.
 */
public final class RequestDecoder {
    /** apiKey, apiVersion and correlationId: the fixed start of every request header version. */
    public static final int HEADER_FIXED_BYTES = 8;
    private static final int CORRELATION_ID_OFFSET = 4;

    private final SupportedApis apis;

    public RequestDecoder(SupportedApis apis) {
        this.apis = apis;
    }

    /** What a frame decoded to. */
    public sealed interface Decoded permits Dispatch, Answer {
    }

    /** A request to dispatch to its handler. */
    public record Dispatch(ParsedRequest request) implements Decoded {
    }

    /** A request answered at once, without a handler (version fallbacks and refusals). */
    public record Answer(Response response, String note) implements Decoded {
    }

    public Decoded decode(ByteBuffer frame) throws MalformedRequestException {
        int size = frame.remaining();
        if (size < HEADER_FIXED_BYTES) {
            throw new MalformedRequestException("Request of " + size + " bytes is shorter than the "
                    + HEADER_FIXED_BYTES + "-byte fixed header");
        }
        int start = frame.position();
        short keyId = frame.getShort(start);
        short version = frame.getShort(start + 2);
        int correlationId = frame.getInt(start + CORRELATION_ID_OFFSET);
        if (!ApiKeys.hasId(keyId)) {
            throw new MalformedRequestException("Unknown API key " + keyId + " (correlation id " + correlationId + ")");
        }
        ApiKeys key = ApiKeys.forId(keyId);
        if (key == ApiKeys.API_VERSIONS && version > apis.maxVersion(ApiKeys.API_VERSIONS)) {
            return new Answer(apiVersionsFallback(correlationId), "ApiVersions v" + version
                    + " is newer than this server's; answered with the version-0 fallback");
        }
        if (version < key.oldestVersion() || version > key.latestVersion(true)) {
            throw new MalformedRequestException(key.name + " version " + version + " cannot be decoded (kafka-clients "
                    + "decodes " + key.oldestVersion() + " to " + key.latestVersion(true) + ")");
        }
        RequestHeader header;
        AbstractRequest request;
        try {
            ByteBuffer view = frame.duplicate();
            header = RequestHeader.parse(view);
            RequestAndSize parsed = AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(view));
            request = parsed.request;
        } catch (RuntimeException e) {
            throw new MalformedRequestException("Cannot decode " + key.name + " v" + version + " (correlation id "
                    + correlationId + "): " + e, e);
        }
        ParsedRequest parsed = new ParsedRequest(header, request, size);
        if (!apis.supports(key, version)) {
            return new Answer(errorResponse(parsed, Errors.UNSUPPORTED_VERSION), key.name + " v" + version
                    + " is not among the advertised versions");
        }
        return new Dispatch(parsed);
    }

    /**
     * The response kafka-clients builds for a request that failed as a whole with {@code error}:
     * every partition, topic or member in it carries the error code.
     */
    public static Response errorResponse(ParsedRequest request, Errors error) {
        ApiMessage body = request.request().getErrorResponse(0, error.exception()).data();
        return Response.to(request, body);
    }

    private Response apiVersionsFallback(int correlationId) {
        ApiVersionsResponseData.ApiVersionCollection keys = new ApiVersionsResponseData.ApiVersionCollection();
        keys.add(new ApiVersionsResponseData.ApiVersion().setApiKey(ApiKeys.API_VERSIONS.id)
                .setMinVersion(apis.minVersion(ApiKeys.API_VERSIONS))
                .setMaxVersion(apis.maxVersion(ApiKeys.API_VERSIONS)));
        ApiVersionsResponseData body = new ApiVersionsResponseData()
                .setErrorCode(Errors.UNSUPPORTED_VERSION.code()).setApiKeys(keys);
        return new Response(ApiKeys.API_VERSIONS, (short) 0, (short) 0, correlationId, body, Optional.empty());
    }
}
