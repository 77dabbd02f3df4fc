package uk.linkwell.gateway.exchange;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A real receiver for outbound deliveries: the JDK's HTTP server on an ephemeral port of this machine, keeping
 * every request it gets (path, headers, exact body bytes) and answering 200 with an informational
 * OperationOutcome, or the statuses queued with {@link #thenAnswer} first.
 */
final class ExchangeReceiver implements AutoCloseable {

    /** One request as it arrived; over TLS, the subject of the client certificate presented (else null). */
    record Received(
            String method, String path, Map<String, List<String>> headers, byte[] body, String clientCertificate) {

        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static final String OK_OUTCOME =
            "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"information\",\"code\":\"informational\","
                    + "\"diagnostics\":\"received\"}]}";

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> delays = new ConcurrentLinkedQueue<>();

    private final boolean https;

    ExchangeReceiver() {
        this(null);
    }

    /**
     * With a TLS context: an HTTPS receiver that requires a client certificate its trust store trusts (a handshake
     * without one fails before any request is read).
     */
    ExchangeReceiver(SSLContext tls) {
        https = tls != null;
        try {
            if (tls == null) {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } else {
                HttpsServer secure = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
                secure.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters ssl = tls.getDefaultSSLParameters();
                        ssl.setNeedClientAuth(true);
                        params.setSSLParameters(ssl);
                    }
                });
                server = secure;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    Map.copyOf(exchange.getRequestHeaders()),
                    body,
                    clientCertificate(exchange)));
            Long delay = delays.poll();
            if (delay != null) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Integer queued = answers.poll();
            int status = queued == null ? 200 : queued;
            byte[] answer = status == 200
                    ? OK_OUTCOME.getBytes(StandardCharsets.UTF_8)
                    : ("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":"
                                    + (status >= 500 ? "\"transient\"" : "\"invalid\"") + "}]}")
                            .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    /** Answers the next requests with these statuses, in order, before going back to 200. */
    ExchangeReceiver thenAnswer(Integer... statuses) {
        answers.addAll(List.of(statuses));
        return this;
    }

    /** Holds the answer to the next request this long (a receiver that hangs). */
    ExchangeReceiver thenHang(java.time.Duration delay) {
        delays.add(delay.toMillis());
        return this;
    }

    String base() {
        return (https ? "https" : "http") + "://127.0.0.1:"
                + server.getAddress().getPort();
    }

    private static String clientCertificate(com.sun.net.httpserver.HttpExchange exchange) {
        if (!(exchange instanceof HttpsExchange secure)) {
            return null;
        }
        try {
            return secure.getSSLSession().getPeerPrincipal().getName();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return null;
        }
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
