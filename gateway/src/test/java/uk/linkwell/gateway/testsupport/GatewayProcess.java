package uk.linkwell.gateway.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole gateway in a JVM of its own, started from this test run's classpath, so that a test can kill it as an
 * operating system would ({@code kill -9}: no shutdown hook, no graceful stop) and start it again on the same
 * database and data folder.
 */
public final class GatewayProcess implements AutoCloseable {

    private final List<String> command;
    private final Path log;
    private final int httpPort;
    private final int mllpPort;
    private Process process;

    private GatewayProcess(List<String> command, Path log, int httpPort, int mllpPort) {
        this.command = command;
        this.log = log;
        this.httpPort = httpPort;
        this.mllpPort = mllpPort;
    }

    /**
     * Prepares a gateway on the database with the test clients of {@link GatewayInstance}, its own ports, the given
     * data folder (which keeps its instance id across restarts) and settings; {@link #start()} starts it.
     */
    public static GatewayProcess on(
            PostgresTestDatabase.Connection db, Path dataDir, Map<String, String> settings, Path log) {
        int httpPort = GatewayInstance.freePort();
        int mllpPort = GatewayInstance.freePort();
        Map<String, String> all = GatewayInstance.baseSettings(dataDir, mllpPort);
        all.put("server.port", String.valueOf(httpPort));
        all.put("spring.datasource.url", db.jdbcUrl());
        all.put("spring.datasource.username", db.username());
        all.put("spring.datasource.password", db.password());
        // Small pools: a test may run two of these beside its own JVM's gateways, and the test server's
        // max_connections (100 by default) is shared by all of them.
        all.put("spring.datasource.hikari.maximum-pool-size", "8");
        all.putAll(settings);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("uk.linkwell.gateway.GatewayApplication");
        new LinkedHashMap<>(all).forEach((key, value) -> command.add("--" + key + "=" + value));
        return new GatewayProcess(command, log, httpPort, mllpPort);
    }

    /** Starts the JVM and waits until its FHIR server and MLLP listener answer. */
    public GatewayProcess start() {
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        HttpClient http = HttpClient.newHttpClient();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway process exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> health = http.send(
                        HttpRequest.newBuilder(URI.create(base() + "/actuator/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    try (Socket mllp = new Socket("127.0.0.1", mllpPort)) {
                        return this;
                    }
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(500);
        }
        throw new IllegalStateException("gateway process did not start within 3 minutes; see " + log);
    }

    /** As {@code kill -9}: the JVM ends at once, whatever it was doing. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public String base() {
        return "http://localhost:" + httpPort;
    }

    public int mllpPort() {
        return mllpPort;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }
}
