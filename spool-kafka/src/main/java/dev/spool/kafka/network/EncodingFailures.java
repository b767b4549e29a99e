package dev.spool.kafka.network;

import dev.spool.kafka.protocol.Response;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Responses the server built but could not encode at the version the client asked for (a field
 * set that the version's schema lacks: a server bug, never the client's fault). The client gets
 * the API's own error response with {@code UNKNOWN_SERVER_ERROR} instead, which every client
 * reports; closing the connection would not do, because clients retry a closed connection for
 * ever without telling their user. Each API and version is logged once, with the stack trace, so a
 * client retrying in a loop cannot flood the log; later ones only count. Thread-safe.
 */
final class EncodingFailures {
    private static final Logger LOG = LoggerFactory.getLogger(EncodingFailures.class);

    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    private final AtomicLong count = new AtomicLong();

    /** Records that {@code response} could not be encoded, logging the first failure of its API and version. */
    void failed(Response response, RuntimeException error) {
        count.incrementAndGet();
        String key = response.apiKey().name + " v" + response.version();
        if (logged.add(key)) {
            LOG.error("Cannot encode the {} response ({}); answering {} at this version with UNKNOWN_SERVER_ERROR "
                    + "(logged once per API and version)", key, error.getMessage(), key, error);
        }
    }

    /** How many responses could not be encoded since the server started. */
    long count() {
        return count.get();
    }
}
