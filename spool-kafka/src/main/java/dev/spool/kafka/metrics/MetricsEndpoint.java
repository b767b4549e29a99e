package dev.spool.kafka.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} in Prometheus' text format, on a port of its own (off unless the server is
 * asked for it). Serves what is recorded in its {@link #registry()}: pass that registry to the
 * server and to the log manager. One thread; scrapes are small and rare.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final HttpServer http;
    private final ExecutorService executor;

    private MetricsEndpoint(PrometheusMeterRegistry registry, HttpServer http, ExecutorService executor) {
        this.registry = registry;
        this.http = http;
        this.executor = executor;
    }

    /** Listens on {@code host:port} (0 picks a free port). */
    public static MetricsEndpoint start(String host, int port) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spool-metrics");
            thread.setDaemon(true);
            return thread;
        });
        http.setExecutor(executor);
        MetricsEndpoint endpoint = new MetricsEndpoint(registry, http, executor);
        http.createContext("/metrics", endpoint::serve);
        http.start();
        return endpoint;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** Where to record the meters this endpoint serves. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        registry.close();
    }
}
