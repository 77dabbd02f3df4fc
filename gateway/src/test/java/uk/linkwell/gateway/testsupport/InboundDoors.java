package uk.linkwell.gateway.testsupport;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The inbound doors of one running gateway as a sender uses them: HL7 v2 over MLLP, social-care events and CLD
 * files over HTTP, and the message store's rows to watch what became of them.
 */
public final class InboundDoors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final GatewayInstance gateway;
    private String socialCareToken;

    public InboundDoors(GatewayInstance gateway) {
        this.gateway = gateway;
    }

    public int mllpPort() {
        return gateway.mllpPort();
    }

    /** Sends one HL7 v2 message on a connection of its own; returns the ACK's MSA-1 code. */
    public String sendHl7(String message) {
        try (MllpClient client = new MllpClient(gateway.mllpPort())) {
            return ackCode(client.send(message));
        } catch (IOException e) {
            throw new IllegalStateException("MLLP send failed: " + e.getMessage(), e);
        }
    }

    /** The code in MSA-1 of an ACK. */
    public static String ackCode(String ack) {
        for (String segment : ack.split("\r")) {
            if (segment.startsWith("MSA|")) {
                return segment.split("\\|", -1)[1];
            }
        }
        throw new AssertionError("no MSA in ACK: " + ack);
    }

    /** Posts one social-care event as the test council's case system; returns the stored message id. */
    public long postCaseEvent(String eventJson) {
        HttpResponse<String> response = post("/socialcare/events", "application/json", eventJson);
        if (response.statusCode() != 202) {
            throw new AssertionError("case event not accepted: " + response.statusCode() + " " + response.body());
        }
        try {
            return JSON.readTree(response.body())
                    .path("results")
                    .get(0)
                    .path("messageId")
                    .asLong();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Posts a CLD file as the test council and waits until it has been applied; returns its progress. */
    public JsonNode applyCldFile(String csv) {
        HttpResponse<String> response = post("/socialcare/batches", "text/csv", csv);
        if (response.statusCode() != 202) {
            throw new AssertionError("CLD file not accepted: " + response.statusCode() + " " + response.body());
        }
        String location = response.headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> !List.of("queued", "processing")
                        .contains(get(location).path("status").asText()));
        return get(location);
    }

    private HttpResponse<String> post(String path, String contentType, String body) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(gateway.base() + path))
                            .header("Authorization", "Bearer " + socialCareToken())
                            .header("Content-Type", contentType)
                            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(URI.create(gateway.base() + path))
                            .header("Authorization", "Bearer " + socialCareToken())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private synchronized String socialCareToken() {
        if (socialCareToken == null) {
            socialCareToken = gateway.token(GatewayInstance.SOCIAL_CARE);
        }
        return socialCareToken;
    }

    /** The newest store row with this control id (null if none). */
    public Map<String, Object> rowByControlId(String controlId) {
        List<Map<String, Object>> rows = gateway.jdbc()
                .queryForList("SELECT * FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ? ORDER BY ID DESC", controlId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    public Map<String, Object> row(long id) {
        return gateway.jdbc().queryForMap("SELECT * FROM LW_INBOUND_MESSAGE WHERE ID = ?", id);
    }

    /** Waits until the message is settled; fails at once, with its stored reason, if it was parked failed. */
    public Map<String, Object> awaitDone(String controlId) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> settled(rowByControlId(controlId)));
        return rowByControlId(controlId);
    }

    public Map<String, Object> awaitDone(long id) {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> settled(row(id)));
        return row(id);
    }

    private static boolean settled(Map<String, Object> row) {
        if (row == null) {
            return false;
        }
        Object status = row.get("STATUS");
        Object attempts = row.get("ATTEMPTS");
        if ("failed".equals(status) || "rejected".equals(status) || "unmatched".equals(status)) {
            throw new AssertionError("message " + row.get("ID") + " " + status + ": " + row.get("LAST_ERROR"));
        }
        // A retried attempt is as much a failure here: nothing in these flows is transient.
        if ("received".equals(status) && row.get("LAST_ERROR") != null) {
            throw new AssertionError(
                    "message " + row.get("ID") + " was retried (attempt " + attempts + "): " + row.get("LAST_ERROR"));
        }
        return "done".equals(status);
    }
}
