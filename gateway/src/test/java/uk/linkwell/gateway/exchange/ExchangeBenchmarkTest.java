package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import uk.linkwell.gateway.testsupport.BenchGateways;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * Outbound exchanges under load, consent filter on versus off in one run: discharges (finished Encounters written
 * through the FHIR API) for people registered with a practice that has three Endpoints (two FHIR messaging, one
 * webhook), each trigger fanning out to three deliveries to real HTTP receivers on this machine.
 *
 * <p>Two phases per mode, on a PostgreSQL database of its own: <b>paced</b>, {@code bench.exchange.triggers}
 * discharges at {@code bench.exchange.rate} per second, measuring trigger-to-receipt latency (from the moment the
 * triggering write was due to be sent to the moment each receiver got its delivery); <b>backlog</b>, the three
 * endpoints paused while {@code bench.exchange.backlog} discharges are recorded, then resumed, measuring sustained
 * deliveries per second until all have arrived. Writes target/bench/exchange.txt; the answers are checked (every
 * delivery arrives, none is dead), the timings are reported, not asserted.
 */
@Tag("bench")
@ExtendWith(PostgresDatabaseExtension.class)
class ExchangeBenchmarkTest {

    static final int TRIGGERS = Integer.getInteger("bench.exchange.triggers", 10_000);
    static final int RATE = Integer.getInteger("bench.exchange.rate", 50);
    static final int BACKLOG = Integer.getInteger("bench.exchange.backlog", 2_000);
    static final int WARM_UP = Integer.getInteger("bench.exchange.warm-up", 500);
    static final int PEOPLE = Integer.getInteger("bench.exchange.people", 500);
    static final int ENDPOINTS = 3;
    static final String HOOK = "bench-hook";
    static final String PRACTICE = "B80001";

    private static final Pattern ENCOUNTER_ID =
            Pattern.compile("\"resourceType\"\\s*:\\s*\"Encounter\"\\s*,\\s*\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern SUBJECT = Pattern.compile("\"subject\"\\s*:\\s*\"Encounter/([^\"]+)\"");

    private final IParser json = FhirContext.forR4Cached().newJsonParser();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void deliveriesUnderLoadConsentOnVersusOff(@TempDir Path on, @TempDir Path off) throws Exception {
        PostgresTestDatabase.Connection dbOn = PostgresTestDatabase.server().newDatabase("exchange_bench_on");
        PostgresTestDatabase.Connection dbOff = PostgresTestDatabase.server().newDatabase("exchange_bench_off");
        try (Receiver receiverOn = new Receiver();
                Receiver receiverOff = new Receiver()) {
            Mode consentOn = new Mode("consent on", start(dbOn, on, true), receiverOn);
            Mode consentOff = new Mode("consent off", start(dbOff, off, false), receiverOff);
            try {
                for (Mode mode : List.of(consentOn, consentOff)) {
                    mode.seed();
                }
                // Warm-up of both, then the paced phases and the backlog phases side by side.
                consentOn.paced(WARM_UP, false);
                consentOff.paced(WARM_UP, false);
                consentOn.paced(TRIGGERS, true);
                consentOff.paced(TRIGGERS, true);
                consentOn.backlog();
                consentOff.backlog();
            } finally {
                consentOn.app.close();
                consentOff.app.close();
            }
            report(List.of(consentOn, consentOff));
            for (Mode mode : List.of(consentOn, consentOff)) {
                assertThat(mode.latencies).as(mode.name + " deliveries").hasSize(TRIGGERS * ENDPOINTS);
            }
        }
    }

    private static ConfigurableApplicationContext start(
            PostgresTestDatabase.Connection db, Path dataDir, boolean consent) {
        List<String> settings = new ArrayList<>(List.of(
                "--linkwell.exchange.start-delay=0s",
                "--linkwell.exchange.webhook-secrets." + HOOK + "=bench-only-secret"));
        if (!consent) {
            settings.addAll(List.of(
                    "--linkwell.consent.enabled=false",
                    "--linkwell.consent.allow-disabled=true",
                    "--linkwell.security.allow-disabled=true"));
        }
        return BenchGateways.start(db, dataDir, settings);
    }

    /** One gateway, its receiver, and what was measured. */
    private final class Mode {
        final String name;
        final ConfigurableApplicationContext app;
        final Receiver receiver;
        final String base;
        final String token;
        final List<String> patients = new ArrayList<>();
        final List<String> endpoints = new ArrayList<>();
        /** Encounter id → when its trigger was due to be sent. */
        final Map<String, Instant> triggered = new ConcurrentHashMap<>();

        final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        double achievedRate;
        double backlogPerSecond;
        long backlogDeliveries;
        long backlogMillis;

        Mode(String name, ConfigurableApplicationContext app, Receiver receiver) {
            this.name = name;
            this.app = app;
            this.receiver = receiver;
            this.base = BenchGateways.base(app);
            JWKSource<SecurityContext> keys = BenchGateways.keys(app);
            this.token = TestTokens.mint(
                    keys,
                    TestTokens.Claims.of("admin", "X26", "system/*.cruds")
                            .issuedAt(Instant.now(), Duration.ofHours(6)));
        }

        void seed() throws Exception {
            endpoints.add(create("Endpoint", endpoint(null, "hl7-fhir-msg", HL7_TYPES, receiver.base() + "/gp-a")));
            endpoints.add(create("Endpoint", endpoint(null, "hl7-fhir-msg", HL7_TYPES, receiver.base() + "/gp-b")));
            put("Endpoint/" + HOOK, endpoint(HOOK, "webhook", LINKWELL_TYPES, receiver.base() + "/hook"));
            endpoints.add("Endpoint/" + HOOK);
            Organization surgery = LinkwellFixtures.organisation(PRACTICE, "Bench surgery");
            endpoints.forEach(e -> surgery.addEndpoint(new Reference(e)));
            String practice = create("Organization", json.encodeResourceToString(surgery));
            for (int i = 0; i < PEOPLE; i++) {
                Patient person = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
                person.addGeneralPractitioner(new Reference(practice));
                patients.add(create("Patient", json.encodeResourceToString(person)));
            }
        }

        /** {@code count} discharges at RATE per second; waits until every delivery arrived. */
        void paced(int count, boolean measured) throws Exception {
            int before = receiver.count();
            ExecutorService writers = Executors.newFixedThreadPool(8);
            List<Future<?>> writes = new ArrayList<>();
            long start = System.nanoTime();
            long intervalNanos = 1_000_000_000L / RATE;
            for (int i = 0; i < count; i++) {
                long due = start + i * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                Instant dueAt = Instant.now().minusNanos(Math.max(0, System.nanoTime() - due));
                String patient = patients.get(i % patients.size());
                writes.add(writers.submit(() -> {
                    String id = discharge(patient);
                    if (measured) {
                        triggered.put(id, dueAt);
                    }
                    return null;
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            writers.shutdown();
            if (measured) {
                achievedRate = count / seconds;
            }
            receiver.awaitCount(before + count * ENDPOINTS, Duration.ofMinutes(10));
            if (measured) {
                for (Receiver.Got got : receiver.since(before)) {
                    Instant due = triggered.get(got.encounterId());
                    if (due != null) {
                        latencies.add(Duration.between(due, got.at()).toMillis());
                    }
                }
            }
        }

        /** Endpoints paused, BACKLOG discharges recorded, endpoints resumed: deliveries per second until drained. */
        void backlog() throws Exception {
            for (String endpoint : endpoints) {
                admin("/admin/deliveries/endpoints/" + endpoint.substring("Endpoint/".length()) + "/pause");
            }
            int before = receiver.count();
            ExecutorService writers = Executors.newFixedThreadPool(4);
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < BACKLOG; i++) {
                String patient = patients.get(i % patients.size());
                writes.add(writers.submit(() -> discharge(patient)));
            }
            for (Future<?> write : writes) {
                write.get();
            }
            writers.shutdown();
            assertThat(receiver.count()).as("nothing sent while paused").isEqualTo(before);
            long start = System.nanoTime();
            for (String endpoint : endpoints) {
                admin("/admin/deliveries/endpoints/" + endpoint.substring("Endpoint/".length()) + "/resume");
            }
            receiver.awaitCount(before + BACKLOG * ENDPOINTS, Duration.ofMinutes(10));
            backlogMillis = (System.nanoTime() - start) / 1_000_000;
            backlogDeliveries = (long) BACKLOG * ENDPOINTS;
            backlogPerSecond = backlogDeliveries * 1000.0 / backlogMillis;
        }

        String discharge(String patient) throws Exception {
            Instant end = Instant.now();
            return create(
                            "Encounter",
                            "{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"system\":"
                                    + "\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"IMP\"},\"subject\":"
                                    + "{\"reference\":\"" + patient + "\"},\"period\":{\"start\":\""
                                    + end.minus(Duration.ofDays(2)) + "\",\"end\":\"" + end + "\"}}")
                    .substring("Encounter/".length());
        }

        String create(String type, String body) throws Exception {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/fhir/" + type))
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/fhir+json")
                            .header("Prefer", "return=minimal")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(type + ": " + response.body()).isEqualTo(201);
            String location = response.headers().firstValue("Location").orElseThrow();
            Matcher m = Pattern.compile("/fhir/(" + type + "/[^/]+)/_history").matcher(location);
            assertThat(m.find()).as(location).isTrue();
            return m.group(1);
        }

        void put(String reference, String body) throws Exception {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/fhir/" + reference))
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/fhir+json")
                            .PUT(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as(reference + ": " + response.body())
                    .isIn(200, 201);
        }

        void admin(String path) throws Exception {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .header("Authorization", "Bearer " + token)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        }
    }

    static final String HL7_TYPES = "http://terminology.hl7.org/CodeSystem/endpoint-connection-type";
    static final String LINKWELL_TYPES = "https://fhir.linkwell.example/CodeSystem/endpoint-connection-type";

    private static String endpoint(String id, String code, String system, String address) {
        return "{\"resourceType\":\"Endpoint\"," + (id == null ? "" : "\"id\":\"" + id + "\",")
                + "\"status\":\"active\",\"connectionType\":{\"system\":\"" + system
                + "\",\"code\":\"" + code + "\"},\"payloadType\":[{\"text\":\"bench\"}],\"address\":\"" + address
                + "\"}";
    }

    private static void report(List<Mode> modes) throws IOException {
        StringBuilder report = new StringBuilder();
        report.append("Outbound exchange benchmark, ")
                .append(Instant.now())
                .append(", ")
                .append(Runtime.getRuntime().availableProcessors())
                .append(" cores\n");
        report.append(String.format(
                "discharges: %d paced at %d/s (after %d warm-up), %d in the backlog; %d endpoints each"
                        + " (2 FHIR messaging, 1 webhook); %d people%n%n",
                TRIGGERS, RATE, WARM_UP, BACKLOG, ENDPOINTS, PEOPLE));
        report.append(String.format(
                "%-12s %10s %12s %10s %10s %10s %12s%n",
                "mode", "rate/s", "deliveries", "p50 ms", "p99 ms", "max ms", "backlog d/s"));
        for (Mode mode : modes) {
            List<Long> sorted = new ArrayList<>(mode.latencies);
            Collections.sort(sorted);
            report.append(String.format(
                    "%-12s %10.1f %12d %10d %10d %10d %12.1f%n",
                    mode.name,
                    mode.achievedRate,
                    sorted.size(),
                    percentile(sorted, 0.50),
                    percentile(sorted, 0.99),
                    sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1),
                    mode.backlogPerSecond));
        }
        report.append(String.format(
                "%nbacklog: %d deliveries drained in %d ms (consent on), %d in %d ms (consent off)%n",
                modes.get(0).backlogDeliveries,
                modes.get(0).backlogMillis,
                modes.get(1).backlogDeliveries,
                modes.get(1).backlogMillis));
        report.append("targets: trigger-to-receipt p99 < 1000 ms at 50 triggers/s; >= 300 deliveries/s sustained\n");
        Path out = Path.of("target", "bench", "exchange.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.print(report);
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    /** A receiver on this machine's loopback: answers 200 at once and notes when each delivery arrived. */
    static final class Receiver implements AutoCloseable {

        record Got(Instant at, String encounterId) {}

        private final HttpServer server;
        private final List<Got> ordered = Collections.synchronizedList(new ArrayList<>());

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            server.setExecutor(Executors.newFixedThreadPool(8));
            byte[] ok =
                    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"information\",\"code\":\"informational\"}]}"
                            .getBytes(StandardCharsets.UTF_8);
            server.createContext("/", exchange -> {
                Instant at = Instant.now();
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
                exchange.sendResponseHeaders(200, ok.length);
                exchange.getResponseBody().write(ok);
                exchange.close();
                Matcher m =
                        (exchange.getRequestURI().getPath().startsWith("/hook") ? SUBJECT : ENCOUNTER_ID).matcher(body);
                ordered.add(new Got(at, m.find() ? m.group(1) : "?"));
            });
            server.start();
        }

        String base() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        int count() {
            return ordered.size();
        }

        List<Got> since(int index) {
            synchronized (ordered) {
                return new ArrayList<>(ordered.subList(index, ordered.size()));
            }
        }

        void awaitCount(int count, Duration atMost) throws InterruptedException {
            Instant deadline = Instant.now().plus(atMost);
            while (ordered.size() < count) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("received " + ordered.size() + " of " + count + " deliveries");
                }
                Thread.sleep(20);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            ((ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
