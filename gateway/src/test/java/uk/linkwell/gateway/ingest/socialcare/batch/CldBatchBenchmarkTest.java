package uk.linkwell.gateway.ingest.socialcare.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.CpuClock;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.TestTokens;
import uk.linkwell.mappings.socialcare.cld.CldMapper;

/**
 * Backfill throughput: a synthetic CLD file of {@code -Dlinkwell.bench.cld-rows} rows (default 100,000; one
 * person per four rows, each event type in turn, 1% bad rows) posted to the gateway on PostgreSQL after a
 * warm-up file of {@code -Dlinkwell.bench.cld-warm-up-rows} (default 100,000); measures
 * rows per second from the POST to completed, checks every good row landed and every bad row is reported
 * with its line, and writes target/bench/cld-batch.txt.
 */
@Tag("bench")
class CldBatchBenchmarkTest extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    CldBatchProperties properties;

    @Test
    void backfillRowsPerSecond() throws Exception {
        int rows = Integer.getInteger("linkwell.bench.cld-rows", 100_000);
        Duration budget = Duration.ofSeconds(Long.getLong("linkwell.bench.max-seconds", 1800));
        String la = "B"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 6).toUpperCase();
        String token = tokenFor(new TestTokens.Claims(
                "social-care-system", la, null, "system/*.rs", Instant.now(), Duration.ofHours(2)));

        // Warm-up outside the measurement: the first writes build the validator and HAPI's caches, and the JIT
        // compiles the write path, as it has in a gateway that has been running. After 20,000 rows the JIT's
        // compiler threads still took 27% of the gateway's CPU in the first 40 s of the measured file, 10% in the
        // next 40 s; after 100,000 rows, 4%. 200 rows measures a cold start.
        int warmUpRows = Integer.getInteger("linkwell.bench.cld-warm-up-rows", 100_000);
        CldFiles.Generated warmUp = CldFiles.generate(la + "W", warmUpRows, 0);
        awaitDone(token, post(token, warmUp.csv()), budget);

        CldFiles.Generated file = CldFiles.generate(la, rows, 100);
        byte[] body = file.csv().getBytes(StandardCharsets.UTF_8);
        CpuClock cpu = new CpuClock(jdbc);
        long start = System.nanoTime();
        long id = post(token, file.csv());
        JsonNode progress = awaitDone(token, id, budget);
        double seconds = (System.nanoTime() - start) / 1e9;
        CpuClock.Used used = cpu.used();

        long landed = progress.path("rows").path("landed").asLong();
        long bad = progress.path("rows").path("bad").asLong();
        JsonNode errors = get(
                token,
                "/socialcare/batches/" + id + "/errors?limit="
                        + (file.badLines().size() + 10));
        List<Long> reported = new ArrayList<>();
        errors.path("errors").forEach(e -> reported.add(e.path("line").asLong()));
        // The warm-up file's referrals share the council's identifier system: count only this file's people.
        long referrals = jdbc.queryForObject(
                "SELECT COUNT(*) FROM HFJ_SPIDX_TOKEN t JOIN HFJ_RESOURCE r"
                        + " ON r.RES_ID = t.RES_ID WHERE t.SP_NAME = 'identifier' AND t.RES_TYPE = 'ServiceRequest'"
                        + " AND t.SP_SYSTEM = ? AND t.SP_VALUE LIKE ? AND r.RES_DELETED_AT IS NULL",
                Long.class,
                CldMapper.identifierSystem(la, "referral"),
                la + "-P%");

        String report = String.join(
                "\n",
                "CLD batch backfill, gateway on PostgreSQL (" + Instant.now() + ")",
                "file: " + rows + " rows (" + body.length + " bytes), "
                        + file.badLines().size() + " bad, one person per"
                        + " four rows, event types Request/Assessment/Service/Review in turn",
                "chunk size: " + properties.chunkSize() + ", rows per Bundle: " + properties.bundleRows()
                        + ", writers: " + properties.writers() + ", validate writes: " + properties.validateWrites()
                        + ", warm-up: " + warmUpRows + " rows"
                        + ", available processors: " + Runtime.getRuntime().availableProcessors(),
                String.format("POST to completed: %.1f s, %.0f rows/s", seconds, rows / seconds),
                // On a shared machine the wall clock says as much about the neighbours as about the gateway.
                String.format(
                        "CPU used meanwhile: gateway JVM %.1f s, PostgreSQL backends of this database %s;"
                                + " %.0f rows per JVM CPU-second%s",
                        used.jvmSeconds(),
                        used.postgresSeconds() < 0
                                ? "unknown (server not local)"
                                : String.format("%.1f s", used.postgresSeconds()),
                        rows / used.jvmSeconds(),
                        used.postgresSeconds() < 0
                                ? ""
                                : String.format(
                                        ", %.0f rows per CPU-second of both",
                                        rows / (used.jvmSeconds() + used.postgresSeconds()))),
                "landed: " + landed + ", bad: " + bad + ", bad reported with their lines: " + reported.size(),
                "");
        Path out = Path.of("target", "bench", "cld-batch.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);

        assertThat(progress.path("status").asText()).isEqualTo("completed");
        assertThat(landed).isEqualTo(rows - file.badLines().size());
        assertThat(bad).isEqualTo(file.badLines().size());
        assertThat(reported).containsExactlyElementsOf(file.badLines());
        // Every good Request row (one per four rows, bar the bad ones) is a referral in the FHIR store.
        long goodRequests = 0;
        for (int i = 0; i < rows; i += 4) {
            if (!file.badLines().contains(i + 2L)) {
                goodRequests++;
            }
        }
        assertThat(referrals).isEqualTo(goodRequests);
    }

    private long post(String token, String csv) throws Exception {
        HttpResponse<String> response = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/batches"))
                                .header("Content-Type", "text/csv")
                                .header("Authorization", "Bearer " + token)
                                .POST(HttpRequest.BodyPublishers.ofString(csv))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).path("id").asLong();
    }

    private JsonNode awaitDone(String token, long id, Duration budget) {
        await().atMost(budget).pollInterval(Duration.ofMillis(250)).until(() -> !List.of("queued", "processing")
                .contains(get(token, "/socialcare/batches/" + id).path("status").asText()));
        try {
            return get(token, "/socialcare/batches/" + id);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode get(String token, String path) throws Exception {
        HttpResponse<String> response = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + path))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
