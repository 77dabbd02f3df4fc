package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;

/** The message store's operations over HTTP: list and filter, show one, reprocess; errors as problem+json. */
class MessageAdminTest extends HospitalIngestTestBase {

    private final ObjectMapper json = new ObjectMapper();

    private HttpResponse<String> get(String path) throws Exception {
        return http().send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path) throws Exception {
        return http().send(
                        request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theListCarriesTheQueueDepthPerStatusAndPerSource() throws Exception {
        String accepted = AdtMessages.controlId();
        String rejected = AdtMessages.controlId();
        send(AdtMessages.admit(Visit.fresh(), accepted));
        send(AdtMessages.admit(Visit.fresh(), rejected).replace("ADT^A01^ADT_A01", "ADT^A99^ADT_A01"));
        awaitStatus(accepted, "done");

        JsonNode queue = json.readTree(get("/admin/messages?limit=1").body()).get("queue");
        long rejectedRows =
                jdbc.queryForObject("SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE STATUS = 'rejected'", Long.class);
        long doneHospital = jdbc.queryForObject(
                "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE STATUS = 'done' AND SOURCE = 'hospital-mllp'",
                Long.class);
        assertThat(queue.at("/byStatus/rejected").asLong())
                .isEqualTo(rejectedRows)
                .isPositive();
        assertThat(queue.at("/byStatus/processing").isNumber()).isTrue();
        assertThat(queue.at("/bySource/hospital-mllp/done").asLong())
                .isEqualTo(doneHospital)
                .isPositive();
        long total = 0;
        for (JsonNode n : queue.get("byStatus")) {
            total += n.asLong();
        }
        assertThat(total).isEqualTo(jdbc.queryForObject("SELECT COUNT(*) FROM LW_INBOUND_MESSAGE", Long.class));
    }

    @Test
    void prometheusServesTheMetersToAdminAndMetricsRolesOnly() throws Exception {
        HttpResponse<String> scrape = get("/actuator/prometheus");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("linkwell_ingest_received_total").contains("linkwell_ingest_in_flight");
        String metrics = tokenFor(uk.linkwell.gateway.testsupport.TestTokens.Claims.of("metrics", "X26", ""));
        assertThat(http().send(
                                java.net.http.HttpRequest.newBuilder(
                                                java.net.URI.create(gatewayBase() + "/actuator/prometheus"))
                                        .header("Authorization", "Bearer " + metrics)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        String gp = tokenFor(
                uk.linkwell.gateway.testsupport.TestTokens.Claims.of("gp-system", "Y90001", "system/Patient.rs"));
        assertThat(http().send(
                                java.net.http.HttpRequest.newBuilder(
                                                java.net.URI.create(gatewayBase() + "/actuator/prometheus"))
                                        .header("Authorization", "Bearer " + gp)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(403);
        assertThat(http().send(
                                java.net.http.HttpRequest.newBuilder(
                                                java.net.URI.create(gatewayBase() + "/actuator/prometheus"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(401);
    }

    @Test
    void listFiltersByStatusTypeSourceAndTime() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        String accepted = AdtMessages.controlId();
        String rejected = AdtMessages.controlId();
        send(AdtMessages.admit(Visit.fresh(), accepted));
        send(AdtMessages.admit(Visit.fresh(), rejected).replace("ADT^A01^ADT_A01", "ADT^A99^ADT_A01"));
        awaitStatus(accepted, "done");

        JsonNode rejectedPage = json.readTree(get("/admin/messages?status=rejected&type="
                        + URLEncoder.encode("ADT^A99", StandardCharsets.UTF_8) + "&source=hospital-mllp&receivedFrom="
                        + before + "&limit=500")
                .body());
        assertThat(rejectedPage.get("items"))
                .anySatisfy(m -> assertThat(m.get("controlId").asText()).isEqualTo(rejected));
        assertThat(rejectedPage.get("items")).allSatisfy(m -> {
            assertThat(m.get("status").asText()).isEqualTo("rejected");
            assertThat(m.get("messageType").asText()).isEqualTo("ADT^A99");
        });
        assertThat(rejectedPage.get("items").toString()).doesNotContain(accepted);

        JsonNode donePage = json.readTree(get("/admin/messages?status=done&receivedFrom=" + before + "&limit=500")
                .body());
        assertThat(donePage.get("items"))
                .anySatisfy(m -> assertThat(m.get("controlId").asText()).isEqualTo(accepted));

        JsonNode none = json.readTree(get("/admin/messages?receivedTo=" + before.minusSeconds(3600 * 24 * 365))
                .body());
        assertThat(none.get("count").asInt()).isZero();

        JsonNode paged = json.readTree(get("/admin/messages?limit=1&offset=1").body());
        assertThat(paged.get("items")).hasSize(1);
        assertThat(paged.get("offset").asInt()).isEqualTo(1);
    }

    @Test
    void showGivesTheRawBodyItsCharsetAndTheResourcesProduced() throws Exception {
        Visit visit = Visit.fresh();
        String id = AdtMessages.controlId();
        String message = AdtMessages.admit(visit, id);
        send(message);
        Map<String, Object> row = awaitStatus(id, "done");

        HttpResponse<String> response = get("/admin/messages/" + row.get("ID"));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode shown = json.readTree(response.body());
        assertThat(shown.get("body").asText()).isEqualTo(message);
        assertThat(shown.get("bodyCharset").asText()).isEqualTo("UTF-8");
        assertThat(shown.get("status").asText()).isEqualTo("done");
        assertThat(shown.get("provenanceId").asText()).startsWith("Provenance/");
        assertThat(shown.get("resources")).anySatisfy(r -> {
            assertThat(r.get("resourceType").asText()).isEqualTo("Patient");
            assertThat(r.get("identifier").toString()).contains(visit.nhsNumber());
        });
    }

    @Test
    void reprocessingADoneMessageIsAConflict() throws Exception {
        String id = AdtMessages.controlId();
        send(AdtMessages.admit(Visit.fresh(), id));
        Map<String, Object> row = awaitStatus(id, "done");
        HttpResponse<String> response = post("/admin/messages/" + row.get("ID") + "/reprocess");
        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("status").asInt()).isEqualTo(409);
        assertThat(problem.get("detail").asText()).contains("is done");
        assertThat(problem.get("messageStatus").asText()).isEqualTo("done");
    }

    @Test
    void reprocessingARejectedMessageRequeuesIt() throws Exception {
        String id = AdtMessages.controlId();
        send(AdtMessages.admit(Visit.fresh(), id).replace("ADT^A01^ADT_A01", "ADT^A99^ADT_A01"));
        Map<String, Object> row = awaitStatus(id, "rejected");
        HttpResponse<String> response = post("/admin/messages/" + row.get("ID") + "/reprocess");
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(json.readTree(response.body()).get("status").asText()).isIn("received", "processing", "failed");
        // The mapper still refuses it: parked as failed with the reason, not retried.
        Map<String, Object> failed = awaitStatus(id, "failed");
        assertThat((String) failed.get("LAST_ERROR")).contains("201");
    }

    @Test
    void errorsAreProblemJsonNamingTheParameter() throws Exception {
        HttpResponse<String> missing = get("/admin/messages/999999999");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");

        HttpResponse<String> missingReprocess = post("/admin/messages/999999999/reprocess");
        assertThat(missingReprocess.statusCode()).isEqualTo(404);

        HttpResponse<String> badStatus = get("/admin/messages?status=lost");
        assertThat(badStatus.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badStatus.body()).get("parameter").asText()).isEqualTo("status");

        HttpResponse<String> badTime = get("/admin/messages?receivedFrom=yesterday");
        assertThat(badTime.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badTime.body()).get("parameter").asText()).isEqualTo("receivedFrom");

        HttpResponse<String> badLimit = get("/admin/messages?limit=0");
        assertThat(badLimit.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badLimit.body()).get("parameter").asText()).isEqualTo("limit");

        HttpResponse<String> badId = get("/admin/messages/abc");
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(badId.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    }
}
