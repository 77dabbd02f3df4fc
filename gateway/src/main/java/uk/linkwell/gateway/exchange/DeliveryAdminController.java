package uk.linkwell.gateway.exchange;

import java.security.Principal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Endpoint;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import uk.linkwell.gateway.admin.AdminPage;
import uk.linkwell.gateway.admin.AdminProblem;

/**
 * Operations on the outbox over HTTP, under {@code /admin/deliveries} (admin role, as all of {@code /admin}): list
 * and filter (status, endpoint, event, creation time) with the counts per status, show one (attempts, the receiver's last
 * answer, the basis of a withholding, the payload as last sent), retry a dead one, pause and resume an endpoint.
 * Errors are problem+json.
 */
@RestController
@RequestMapping(path = "/admin/deliveries", produces = MediaType.APPLICATION_JSON_VALUE)
public class DeliveryAdminController {

    static final int MAX_LIMIT = 500;
    private static final String ENDPOINT_ID = "[A-Za-z0-9\\-.]{1,64}";

    private final Outbox outbox;
    private final ExchangeRecipients recipients;

    public DeliveryAdminController(Outbox outbox, ExchangeRecipients recipients) {
        this.outbox = outbox;
        this.recipients = recipients;
    }

    /** The paused endpoints. */
    @GetMapping("/endpoints/paused")
    public Map<String, Object> paused() {
        List<Map<String, Object>> items =
                outbox.paused().stream().map(DeliveryAdminController::pause).toList();
        return Map.of("items", items);
    }

    /**
     * Pauses sending to {@code Endpoint/<id>}: its deliveries wait, pending, with no attempt counted (a receiver's
     * planned downtime, a fault being fixed). Idempotent.
     */
    @PostMapping("/endpoints/{id}/pause")
    public Map<String, Object> pause(
            @PathVariable String id, @RequestParam(required = false) String reason, Principal admin) {
        return pause(outbox.pause(knownEndpoint(id), admin == null ? null : admin.getName(), reason));
    }

    /** Resumes sending to {@code Endpoint/<id>}; 404 if it is not paused. */
    @PostMapping("/endpoints/{id}/resume")
    public Map<String, Object> resume(@PathVariable String id) {
        // The Endpoint may have been deleted while paused: its deliveries must still be able to go (and die).
        if (!id.matches(ENDPOINT_ID)) {
            throw AdminProblem.notFound("Endpoint not paused", "Endpoint/" + id + " is not paused");
        }
        String endpoint = "Endpoint/" + id;
        if (!outbox.resume(endpoint)) {
            throw AdminProblem.notFound("Endpoint not paused", endpoint + " is not paused");
        }
        return Map.of("endpoint", endpoint, "paused", false);
    }

    private String knownEndpoint(String id) {
        String endpoint = "Endpoint/" + id;
        if (!id.matches(ENDPOINT_ID)
                || recipients.read(Endpoint.class, endpoint).isEmpty()) {
            throw AdminProblem.notFound("No such endpoint", "No Endpoint with id " + id);
        }
        return endpoint;
    }

    private static Map<String, Object> pause(EndpointPause p) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("endpoint", p.getEndpoint());
        s.put("paused", true);
        s.put("pausedAt", p.getPausedAt());
        s.put("pausedBy", p.getPausedBy());
        s.put("reason", p.getReason());
        return s;
    }

    @GetMapping
    public Map<String, Object> list(
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String endpoint,
            @RequestParam(required = false) String event,
            @RequestParam(required = false) String createdFrom,
            @RequestParam(required = false) String createdTo,
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(defaultValue = "0") int offset) {
        AdminPage.checkBounds(limit, offset, MAX_LIMIT);
        List<Map<String, Object>> items = outbox
                .list(
                        status(status),
                        blankToNull(endpoint),
                        blankToNull(event),
                        instant("createdFrom", createdFrom, false),
                        instant("createdTo", createdTo, true),
                        limit,
                        offset)
                .stream()
                .map(DeliveryAdminController::summary)
                .toList();
        return AdminPage.of("byStatus", outbox.countsByStatus(), limit, offset, items);
    }

    /** One delivery, with the payload its last attempt sent (the list leaves it out). */
    @GetMapping("/{id}")
    public Map<String, Object> show(@PathVariable long id) {
        Delivery d = outbox.find(id)
                .orElseThrow(() -> AdminProblem.notFound("No such delivery", "No delivery with id " + id));
        Map<String, Object> shown = summary(d);
        if (d.getSentPayload() != null) {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("contentType", contentType(d.getChannel()));
            payload.put("bytes", d.getSentBytes());
            payload.put("truncated", d.getSentBytes() != null && d.getSentBytes() > Delivery.MAX_PAYLOAD_BYTES);
            payload.put("text", d.getSentPayload());
            shown.put("payload", payload);
        }
        return shown;
    }

    private static String contentType(String channel) {
        return switch (channel) {
            case Channels.WEBHOOK, Channels.AMQP -> "application/cloudevents+json";
            case Channels.HL7V2_MLLP -> "x-application/hl7-v2+er7";
            default -> "application/fhir+json";
        };
    }

    @PostMapping("/{id}/retry")
    public ResponseEntity<Map<String, Object>> retry(@PathVariable long id) {
        return switch (outbox.retry(id)) {
            case NOT_FOUND -> throw AdminProblem.notFound("No such delivery", "No delivery with id " + id);
            case NOT_DEAD -> {
                String status = outbox.find(id).map(d -> d.getStatus().code()).orElse("?");
                throw AdminProblem.conflict(
                        "Delivery cannot be retried",
                        "Delivery " + id + " is " + status + "; only a dead delivery can be retried",
                        "deliveryStatus",
                        status);
            }
            case REQUEUED -> ResponseEntity.accepted()
                    .body(summary(outbox.find(id).orElseThrow()));
        };
    }

    private static Map<String, Object> summary(Delivery d) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", d.getId());
        s.put("event", d.getEvent());
        s.put("status", d.getStatus().code());
        s.put("endpoint", d.getEndpoint());
        s.put("channel", d.getChannel());
        s.put("address", d.getAddress());
        s.put("recipientOrganisation", d.getRecipientOrganisation());
        s.put("recipientRole", d.getRecipientRole());
        s.put("patient", d.getPatient());
        s.put("focus", d.getFocus());
        s.put("idempotencyKey", d.getIdempotencyKey());
        s.put("attempts", d.getAttempts());
        s.put("nextAttemptAt", d.getNextAttemptAt());
        s.put("claimedBy", d.getClaimedBy());
        s.put("lastStatusCode", d.getLastStatusCode());
        s.put("lastAnswer", d.getLastAnswer());
        s.put("withheldBasis", d.getWithheldBasis());
        s.put("createdAt", d.getCreatedAt());
        s.put("updatedAt", d.getUpdatedAt());
        s.put("deliveredAt", d.getDeliveredAt());
        return s;
    }

    private static DeliveryStatus status(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return DeliveryStatus.ofCode(status);
        } catch (IllegalArgumentException e) {
            throw AdminProblem.badParameter(
                    "status",
                    "must be one of "
                            + Arrays.stream(DeliveryStatus.values())
                                    .map(DeliveryStatus::code)
                                    .collect(Collectors.joining(", ")));
        }
    }

    /**
     * An ISO-8601 instant, as {@code /admin/messages}' receivedFrom and receivedTo take, or a date: the start of that
     * day (UTC) as a lower bound, the end of it as an upper one, so {@code createdFrom=D&createdTo=D} lists day D.
     */
    static Instant instant(String name, String value, boolean upperBound) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException notAnInstant) {
            try {
                LocalDate day = LocalDate.parse(value);
                return (upperBound ? day.plusDays(1) : day)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant();
            } catch (DateTimeParseException notADate) {
                throw AdminProblem.badParameter(
                        name, "must be an ISO-8601 instant or date, e.g. 2026-11-26T09:00:00Z or 2026-11-26");
            }
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    @ExceptionHandler(AdminProblem.class)
    ResponseEntity<ProblemDetail> problem(AdminProblem e) {
        return e.response();
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        return AdminProblem.badParameter(e.getName(), "must be a number").response();
    }
}
