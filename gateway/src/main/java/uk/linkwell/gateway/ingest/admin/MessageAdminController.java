package uk.linkwell.gateway.ingest.admin;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
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
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageFilter;
import uk.linkwell.gateway.ingest.store.MessageStatus;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.store.ReprocessOutcome;

/**
 * Operations on the inbound message store over HTTP, under {@code /admin/messages}: list and filter, show one
 * (raw body and the resources it produced), reprocess a failed, rejected or unmatched one. Errors are problem+json.
 */
@RestController
@RequestMapping(path = "/admin/messages", produces = MediaType.APPLICATION_JSON_VALUE)
public class MessageAdminController {

    static final int MAX_LIMIT = 500;

    private final MessageStore store;
    private final DaoRegistry daos;
    private final FhirContext fhirContext;
    private final ObjectMapper json;

    public MessageAdminController(MessageStore store, DaoRegistry daos, FhirContext fhirContext, ObjectMapper json) {
        this.store = store;
        this.daos = daos;
        this.fhirContext = fhirContext;
        this.json = json;
    }

    @GetMapping
    public Map<String, Object> list(
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String type,
            @RequestParam(required = false) String source,
            @RequestParam(required = false) String receivedFrom,
            @RequestParam(required = false) String receivedTo,
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(defaultValue = "0") int offset) {
        AdminPage.checkBounds(limit, offset, MAX_LIMIT);
        MessageFilter filter = new MessageFilter(
                status(status),
                blankToNull(type),
                blankToNull(source),
                instant("receivedFrom", receivedFrom),
                instant("receivedTo", receivedTo));
        List<Map<String, Object>> items =
                store.list(filter, limit, offset).stream().map(this::summary).toList();
        return AdminPage.of("queue", queue(), limit, offset, items);
    }

    /** The depth of the queue at a glance: how many messages stand in each status, overall and by source. */
    private Map<String, Object> queue() {
        Map<String, Map<String, Long>> bySource = store.countsBySourceAndStatus();
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (MessageStatus status : MessageStatus.values()) {
            byStatus.put(status.code(), 0L);
        }
        bySource.values().forEach(counts -> counts.forEach((status, n) -> byStatus.merge(status, n, Long::sum)));
        Map<String, Object> queue = new LinkedHashMap<>();
        queue.put("byStatus", byStatus);
        queue.put("bySource", bySource);
        return queue;
    }

    @GetMapping("/{id}")
    public Map<String, Object> show(@PathVariable long id) {
        InboundMessage message = store.find(id)
                .orElseThrow(() -> AdminProblem.notFound("No such message", "No inbound message with id " + id));
        Map<String, Object> detail = summary(message);
        detail.put("bodyCharset", message.getCharset());
        Charset charset = message.getCharset() == null ? StandardCharsets.UTF_8 : Charset.forName(message.getCharset());
        try {
            detail.put(
                    "body",
                    charset.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(message.getBody()))
                            .toString());
        } catch (CharacterCodingException e) {
            // Not text in that charset: show what can be shown, and the exact bytes.
            detail.put("body", new String(message.getBody(), charset));
            detail.put("bodyBase64", Base64.getEncoder().encodeToString(message.getBody()));
            detail.put("bodyDecodingError", "bytes are not valid " + charset.name());
        }
        detail.put("resources", resources(message));
        return detail;
    }

    @PostMapping("/{id}/reprocess")
    public ResponseEntity<Map<String, Object>> reprocess(@PathVariable long id) {
        ReprocessOutcome outcome = store.reprocess(id);
        return switch (outcome) {
            case NOT_FOUND -> throw AdminProblem.notFound("No such message", "No inbound message with id " + id);
            case NOT_REPROCESSABLE -> {
                String status = store.find(id).map(m -> m.getStatus().code()).orElse("?");
                throw AdminProblem.conflict(
                        "Message cannot be reprocessed",
                        "Message " + id + " is " + status
                                + "; only failed, rejected or unmatched messages can be reprocessed",
                        "messageStatus",
                        status);
            }
            case REQUEUED -> ResponseEntity.accepted()
                    .body(summary(store.find(id).orElseThrow()));
        };
    }

    private Map<String, Object> summary(InboundMessage m) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", m.getId());
        s.put("source", m.getSource());
        s.put("sender", m.getSender());
        s.put("messageType", m.getMessageType());
        s.put("controlId", m.getControlId());
        s.put("receivedAt", m.getReceivedAt());
        s.put("status", m.getStatus().code());
        s.put("attempts", m.getAttempts());
        s.put("nextAttemptAt", m.getNextAttemptAt());
        s.put("claimedBy", m.getClaimedBy());
        s.put("lastError", m.getLastError());
        s.put("notes", lines(m.getNotes()));
        s.put("bodyBytes", m.getBody().length);
        s.put("resourceIds", resourceIds(m));
        s.put("provenanceId", m.getProvenanceId());
        s.put("updatedAt", m.getUpdatedAt());
        return s;
    }

    private static List<String> resourceIds(InboundMessage m) {
        return lines(m.getResourceIds());
    }

    private static List<String> lines(String text) {
        return text == null || text.isBlank() ? List.of() : Arrays.asList(text.split("\n"));
    }

    /** The resources as this message left them (the versions it wrote). */
    private List<JsonNode> resources(InboundMessage message) {
        List<JsonNode> resources = new ArrayList<>();
        for (String id : resourceIds(message)) {
            IdType versioned = new IdType(id);
            try {
                IBaseResource resource =
                        daos.getResourceDao(versioned.getResourceType()).read(versioned, new SystemRequestDetails());
                resources.add(json.readTree(fhirContext.newJsonParser().encodeResourceToString(resource)));
            } catch (Exception e) {
                resources.add(json.createObjectNode().put("id", id).put("error", SafeErrorText.of(e)));
            }
        }
        return resources;
    }

    private static MessageStatus status(String status) {
        if (status == null || status.isBlank()) {
            return null;
        }
        try {
            return MessageStatus.ofCode(status);
        } catch (IllegalArgumentException e) {
            throw AdminProblem.badParameter(
                    "status",
                    "must be one of "
                            + java.util.Arrays.stream(MessageStatus.values())
                                    .map(MessageStatus::code)
                                    .collect(java.util.stream.Collectors.joining(", ")));
        }
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw AdminProblem.badParameter(name, "must be an ISO-8601 instant, e.g. 2026-11-26T09:00:00Z");
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
