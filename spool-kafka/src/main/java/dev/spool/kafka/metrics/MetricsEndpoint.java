package dev.spool.kafka.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The operator's HTTP port (off unless the server is asked for it), three paths:
 * <pre>
 *  GET /metrics   200, what is recorded in {@link #registry()}, in Prometheus' text format
 *  GET /health    200 "ok" while the process answers
 *  GET /ready     200 "ready" once {@link #readiness} says so; 503 and the reason before, while
 *                 stopping, or with partitions offline
 * </pre>
 * Pass the registry to the server and to the log manager; the endpoint binds the process's own
 * meters to it ({@link ProcessMetrics}). One thread; requests are small and rare. Any other path
 * is 404, any method but GET and HEAD 405.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String PLAIN_TEXT = "text/plain; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final ProcessMetrics process;
    private final HttpServer http;
    private final ExecutorService executor;
    private volatile Readiness readiness = Readiness.STARTING;

    private MetricsEndpoint(PrometheusMeterRegistry registry, ProcessMetrics process, HttpServer http,
                            ExecutorService executor) {
        this.registry = registry;
        this.process = process;
        this.http = http;
        this.executor = executor;
    }

    /** Listens on {@code host:port} (0 picks a free port); not ready until told ({@link #readiness}). */
    public static MetricsEndpoint start(String host, int port) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 16);
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "spool-metrics");
            thread.setDaemon(true);
            return thread;
        });
        http.setExecutor(executor);
        MetricsEndpoint endpoint = new MetricsEndpoint(registry, ProcessMetrics.bind(registry), http, executor);
        http.createContext("/", endpoint::serve);
        http.start();
        return endpoint;
    }

    /** What {@code /ready} answers from now on (initially {@link Readiness#STARTING}). */
    public void readiness(Readiness next) {
        readiness = Objects.requireNonNull(next, "next");
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/metrics" -> answer(exchange, 200, PROMETHEUS_TEXT, registry.scrape());
                case "/health" -> answer(exchange, 200, PLAIN_TEXT, "ok\n");
                case "/ready" -> {
                    Optional<String> notReady = readiness.notReadyBecause();
                    answer(exchange, notReady.isEmpty() ? 200 : 503, PLAIN_TEXT, notReady.orElse("ready") + "\n");
                }
                default -> answer(exchange, 404, PLAIN_TEXT, "not found: try /metrics, /health or /ready\n");
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String contentType, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
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
        process.close();
        registry.close();
    }
}
