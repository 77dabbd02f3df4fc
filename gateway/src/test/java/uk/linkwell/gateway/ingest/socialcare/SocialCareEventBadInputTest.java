package uk.linkwell.gateway.ingest.socialcare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * Bad input to {@code POST /socialcare/events}: each gets its status and an RFC 9457 problem naming the field (never
 * quoting a value), is kept in the store as rejected, and the door goes on accepting good events.
 */
class SocialCareEventBadInputTest extends SocialCareEventsTestBase {

    /** After every bad input, a good event is still accepted. */
    @AfterEach
    void aGoodEventIsStillAccepted() throws Exception {
        HttpResponse<String> response = post(event("carer-identified", newCase()));
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(json(response).path("results").get(0).path("status").asText())
                .isEqualTo("accepted");
    }

    /** Asserts a problem+json answer with this status and one error at this pointer; returns the problem. */
    private static JsonNode problem(HttpResponse<String> response, int status, String pointer) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asText()).startsWith("https://fhir.linkwell.example/problems/");
        assertThat(problem.path("title").asText()).isNotBlank();
        assertThat(problem.path("detail").asText()).isNotBlank();
        assertThat(problem.path("errors")).hasSize(1);
        assertThat(problem.path("errors").get(0).path("pointer").asText()).isEqualTo(pointer);
        assertThat(problem.path("errors").get(0).path("reason").asText()).isNotBlank();
        return problem;
    }

    /** The store row of a refused event (found by its event id), checked to be rejected with the reason. */
    private Map<String, Object> rejected(String eventId, String reasonStart) {
        List<Map<String, Object>> rows = jdbc.queryForList(
                "SELECT * FROM LW_INBOUND_MESSAGE WHERE SOURCE = 'socialcare-events' AND CONTROL_ID = ? "
                        + "ORDER BY ID DESC",
                eventId);
        assertThat(rows).isNotEmpty();
        return assertRejected(rows.get(0), reasonStart);
    }

    private static Map<String, Object> assertRejected(Map<String, Object> row, String reasonStart) {
        assertThat(row).isNotNull();
        assertThat(row.get("STATUS")).isEqualTo("rejected");
        assertThat((String) row.get("LAST_ERROR")).startsWith(reasonStart);
        return row;
    }

    private Map<String, Object> rowWithBody(byte[] body) {
        List<Map<String, Object>> rows =
                jdbc.queryForList("SELECT * FROM LW_INBOUND_MESSAGE WHERE BODY = ? ORDER BY ID DESC", (Object) body);
        return rows.isEmpty() ? null : rows.get(0);
    }

    @Test
    void malformedJson() throws Exception {
        String body = "{\"schemaVersion\": \"1\", \"eventId\": \"" + UUID.randomUUID() + "\",\n \"eventType\": ";
        JsonNode problem = problem(post(body), 400, "");
        assertThat(problem.path("type").asText()).endsWith("/malformed-request");
        assertThat(problem.path("detail").asText()).contains("malformed JSON (line 2)");
        Map<String, Object> row = assertRejected(rowWithBody(body.getBytes(StandardCharsets.UTF_8)), "400");
        assertThat(problem.path("messageId").asLong()).isEqualTo(((Number) row.get("ID")).longValue());
    }

    @Test
    void notAnEventAtAll() throws Exception {
        String body = "\"referral-received\"";
        problem(post(body), 400, "");
        assertRejected(rowWithBody(body.getBytes(StandardCharsets.UTF_8)), "400");
    }

    @Test
    void emptyArray() throws Exception {
        String body = "[ ]";
        JsonNode problem = problem(post(body), 400, "");
        assertThat(problem.path("detail").asText()).contains("no events");
    }

    @Test
    void unknownEventType() throws Exception {
        ObjectNode event = event("case-allocated", newCase());
        event.put("eventType", "case-reopened");
        JsonNode problem = problem(post(event), 422, "/eventType");
        assertThat(problem.path("type").asText()).endsWith("/invalid-case-events");
        assertThat(problem.path("errors").get(0).path("reason").asText()).isEqualTo("unknown event type");
        assertThat(problem.path("errors").get(0).path("status").asInt()).isEqualTo(422);
        Map<String, Object> row = rejected(event.path("eventId").asText(), "422 at /eventType");
        assertThat(row.get("MESSAGE_TYPE")).isNull();
        assertThat(problem.path("errors").get(0).path("messageId").asLong())
                .isEqualTo(((Number) row.get("ID")).longValue());
        assertThat(problem.path("results").get(0).path("status").asText()).isEqualTo("rejected");
    }

    @Test
    void neitherNhsNumberNorPersonId() throws Exception {
        ObjectNode event = event("case-allocated", newCase());
        event.putObject("person");
        problem(post(event), 422, "/person");
        rejected(event.path("eventId").asText(), "422 at /person: needs an NHS number");
    }

    @Test
    void nhsNumberWithABadCheckDigit() throws Exception {
        Case c = newCase();
        String good = c.nhsNumber();
        String bad = good.substring(0, 9) + ((good.charAt(9) - '0' + 1) % 10);
        ObjectNode event = event("case-allocated", c);
        ((ObjectNode) event.path("person")).put("nhsNumber", bad);
        HttpResponse<String> response = post(event);
        JsonNode problem = problem(response, 422, "/person/nhsNumber");
        assertThat(problem.path("errors").get(0).path("reason").asText()).isEqualTo("fails the Modulus 11 check");
        assertThat(response.body()).doesNotContain(bad);
        Map<String, Object> row = rejected(event.path("eventId").asText(), "422 at /person/nhsNumber");
        assertThat((String) row.get("LAST_ERROR")).doesNotContain(bad);
        // The raw event is kept as sent.
        assertThat(JSON.readTree((byte[]) row.get("BODY"))).isEqualTo(event);
    }

    @Test
    void aBodyDateInTheWrongFormat() throws Exception {
        ObjectNode event = event("referral-received", newCase());
        ((ObjectNode) event.path("body")).put("receivedOn", "02/11/2026");
        HttpResponse<String> response = post(event);
        problem(response, 422, "/body/receivedOn");
        assertThat(response.body()).doesNotContain("02/11/2026");
        rejected(event.path("eventId").asText(), "422 at /body/receivedOn");
    }

    @Test
    void occurredAtWithoutAnOffset() throws Exception {
        ObjectNode event = event("referral-received", newCase());
        event.put("occurredAt", "2026-11-02T09:30:00");
        JsonNode problem = problem(post(event), 422, "/occurredAt");
        assertThat(problem.path("errors").get(0).path("reason").asText()).contains("offset");
        rejected(event.path("eventId").asText(), "422 at /occurredAt");
    }

    @Test
    void aTwentyMegabyteBodyIsRefusedWith413() throws Exception {
        String marker = UUID.randomUUID().toString();
        byte[] body = new byte[20 * 1024 * 1024];
        byte[] head = ("[{\"marker\":\"" + marker + "\",\"padding\":\"").getBytes(StandardCharsets.UTF_8);
        Arrays.fill(body, (byte) 'x');
        System.arraycopy(head, 0, body, 0, head.length);
        HttpResponse<String> response =
                post(HttpRequest.BodyPublishers.ofByteArray(body), socialCareToken(), "application/json");
        JsonNode problem = problem(response, 413, "");
        assertThat(problem.path("type").asText()).endsWith("/request-too-large");
        assertThat(problem.path("detail").asText()).contains("10485760");
        Map<String, Object> row = row(problem.path("messageId").asLong());
        assertRejected(row, "413");
        byte[] kept = (byte[]) row.get("BODY");
        assertThat(kept).hasSize(64 * 1024);
        assertThat(new String(kept, 0, head.length, StandardCharsets.UTF_8)).contains(marker);
    }

    @Test
    void anArrayIsJudgedEventByEvent() throws Exception {
        Case c = newCase();
        ObjectNode first = event("referral-received", c);
        ObjectNode bad = event("case-allocated", c);
        ((ObjectNode) bad.path("body")).put("complexity", "purple");
        ObjectNode third = event("referral-accepted", c);
        ArrayNode array = JSON.createArrayNode().add(first).add(bad).add(third);
        HttpResponse<String> response = post(array);
        JsonNode problem = problem(response, 422, "/1/body/complexity");
        assertThat(problem.path("errors").get(0).path("index").asInt()).isEqualTo(1);
        assertThat(problem.path("accepted").asInt()).isEqualTo(2);
        assertThat(problem.path("detail").asText())
                .contains("1 of 3 events refused")
                .contains("2 accepted");
        JsonNode results = problem.path("results");
        assertThat(results.get(0).path("status").asText()).isEqualTo("accepted");
        assertThat(results.get(1).path("status").asText()).isEqualTo("rejected");
        assertThat(results.get(1).path("pointer").asText()).isEqualTo("/1/body/complexity");
        assertThat(results.get(2).path("status").asText()).isEqualTo("accepted");
        rejected(bad.path("eventId").asText(), "422 at /body/complexity");
        // The good ones land.
        awaitDone(results.get(0).path("messageId").asLong());
        awaitDone(results.get(2).path("messageId").asLong());
        assertThat(one(Task.class, "referral-task", c.key()).getStatus()).isEqualTo(Task.TaskStatus.ACCEPTED);
        // The corrected event, same event id, is accepted: a rejected event does not count as seen.
        ((ObjectNode) bad.path("body")).put("complexity", "green");
        HttpResponse<String> corrected = post(bad);
        assertThat(corrected.statusCode()).isEqualTo(202);
        assertThat(json(corrected).path("results").get(0).path("status").asText())
                .isEqualTo("accepted");
    }

    @Test
    void anEventForAnotherCouncilIs403() throws Exception {
        Case c = newCase();
        ObjectNode event = event("case-allocated", c);
        event.put("localAuthority", "X26OTH");
        JsonNode problem = problem(post(event), 403, "/localAuthority");
        assertThat(problem.path("type").asText()).endsWith("/wrong-local-authority");
        Map<String, Object> row = rejected(event.path("eventId").asText(), "403 at /localAuthority");
        assertThat(row.get("SENDER")).isEqualTo(LA);
        // The same from a minted token of that other council's system: its own council's events only.
        String other = tokenFor(Claims.of("social-care-system", "X26OTH", "system/*.rs"));
        ObjectNode ours = event("case-allocated", c);
        problem(post(JSON.writeValueAsString(ours), other, "application/json"), 403, "/localAuthority");
    }

    @Test
    void otherRolesAreRefused403() throws Exception {
        for (String role : List.of("gp-system", "hospital", "link-worker-app")) {
            HttpResponse<String> response = post(
                    JSON.writeValueAsString(event("case-allocated", newCase())),
                    tokenFor(Claims.of(role, "Y90001", "system/*.cruds")),
                    "application/json");
            assertThat(response.statusCode()).as(role).isEqualTo(403);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
            assertThat(json(response).path("status").asInt()).isEqualTo(403);
        }
        HttpResponse<String> anonymous = http().send(
                        HttpRequest.newBuilder(java.net.URI.create(gatewayBase() + "/socialcare/events"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    @Test
    void notJsonContentTypeIs415() throws Exception {
        ObjectNode event = event("case-allocated", newCase());
        String body = JSON.writeValueAsString(event);
        JsonNode problem = problem(post(body, socialCareToken(), "text/plain"), 415, "");
        assertThat(problem.path("type").asText()).endsWith("/unsupported-media-type");
        assertRejected(rowWithBody(body.getBytes(StandardCharsets.UTF_8)), "415");
    }
}
