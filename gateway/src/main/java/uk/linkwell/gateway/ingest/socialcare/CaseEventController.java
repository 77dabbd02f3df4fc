package uk.linkwell.gateway.ingest.socialcare;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.Requester;

/**
 * {@code POST /socialcare/events}: a council's case system pushes one case event or an array of them (JSON). Every
 * event is stored before the answer: 202 with each event's message id, or problem+json (RFC 9457) naming each
 * refused event's field. A plain Spring MVC door rather than a Camel route: the request is answered synchronously
 * after the store commits, and Spring Security guards it like every other door.
 */
@RestController
@RequestMapping("/socialcare/events")
public class CaseEventController {

    static final String PROBLEM_BASE = "https://fhir.linkwell.example/problems/";
    /** How much of an over-size body is read and thrown away so the client can read the 413 (beyond: hang up). */
    static final long MAX_DRAINED_BYTES = 256L * 1024 * 1024;

    private static final Requester SECURITY_OFF =
            new Requester("security-off", ClientRole.ADMIN, null, null, java.util.Set.of());

    private final CaseEventReception reception;
    private final SocialCareProperties properties;
    private final Clock clock;

    public CaseEventController(CaseEventReception reception, SocialCareProperties properties, Clock clock) {
        this.reception = reception;
        this.properties = properties;
        this.clock = clock;
    }

    @PostMapping
    public ResponseEntity<Object> receive(HttpServletRequest request) throws IOException {
        // Only social-care systems and admins get here (WebSecurityConfig), always with a verified token; without
        // one, security is off (linkwell.security.enabled=false, benchmarks only) and every door is open anyway.
        Requester requester = Requester.current().orElse(SECURITY_OFF);
        int limit = properties.maxBodyBytes();
        InputStream in = request.getInputStream();
        byte[] body = in.readNBytes(limit + 1);
        if (body.length > limit) {
            boolean drained = drain(in);
            ReceptionOutcome outcome = reception.refuseWhole(
                    CaseEventReception.oversizeKept(body),
                    requester,
                    clock.instant(),
                    413,
                    "request-too-large",
                    "Request too large",
                    "the body is over the limit of " + limit + " bytes (linkwell.socialcare.max-body-bytes); send "
                            + "fewer events per request; only the first " + CaseEventReception.OVERSIZE_KEPT_BYTES
                            + " bytes are kept");
            ResponseEntity<Object> response = respond(outcome, request);
            return drained
                    ? response
                    : ResponseEntity.status(response.getStatusCode())
                            .headers(response.getHeaders())
                            .header(HttpHeaders.CONNECTION, "close")
                            .body(response.getBody());
        }
        if (!isJson(request.getContentType())) {
            return respond(
                    reception.refuseWhole(
                            body,
                            requester,
                            clock.instant(),
                            415,
                            "unsupported-media-type",
                            "Unsupported media type",
                            "the body must be sent as Content-Type: application/json"),
                    request);
        }
        return respond(reception.receive(body, requester), request);
    }

    /** Reads and drops the rest of an over-size body, up to a bound; false when more was left unread. */
    private static boolean drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(sink)) >= 0) {
            total += n;
            if (total > MAX_DRAINED_BYTES) {
                return false;
            }
        }
        return true;
    }

    static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return false;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return type.isCompatibleWith(MediaType.APPLICATION_JSON)
                    || ("application".equals(type.getType())
                            && type.getSubtype().endsWith("+json"));
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    private ResponseEntity<Object> respond(ReceptionOutcome outcome, HttpServletRequest request) {
        if (outcome.refusal() != null) {
            ReceptionOutcome.Refusal refusal = outcome.refusal();
            ProblemDetail problem =
                    problem(refusal.status(), refusal.type(), refusal.title(), refusal.reason(), request);
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("pointer", "");
            error.put("reason", refusal.reason());
            problem.setProperty("errors", List.of(error));
            problem.setProperty("messageId", refusal.messageId());
            return problemResponse(problem);
        }
        List<EventResult> results = outcome.results();
        List<Map<String, Object>> listed =
                results.stream().map(r -> result(r, outcome.array())).toList();
        List<EventResult> refused =
                results.stream().filter(EventResult::refused).toList();
        long accepted = results.stream()
                .filter(r -> r.disposition() == EventResult.Disposition.ACCEPTED)
                .count();
        long duplicates = results.stream()
                .filter(r -> r.disposition() == EventResult.Disposition.DUPLICATE)
                .count();
        if (refused.isEmpty()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("accepted", accepted);
            body.put("duplicates", duplicates);
            body.put("results", listed);
            ResponseEntity.BodyBuilder response =
                    ResponseEntity.status(HttpStatus.ACCEPTED).contentType(MediaType.APPLICATION_JSON);
            if (results.size() == 1) {
                response.location(URI.create(adminLink(results.get(0).messageId())));
            }
            return response.body(body);
        }
        // One status for the request: the one every refused event shares (a single event's own), else 422.
        int status = refused.stream().map(EventResult::status).distinct().count() == 1
                ? refused.get(0).status()
                : 422;
        String type =
                switch (status) {
                    case 403 -> "wrong-local-authority";
                    case 503 -> "not-stored";
                    default -> "invalid-case-events";
                };
        String title =
                switch (status) {
                    case 403 -> "Event for another council";
                    case 503 -> "Events not stored";
                    default -> "Invalid case events";
                };
        String detail = refused.size() + " of " + results.size() + (results.size() == 1 ? " event" : " events")
                + " refused (stored as rejected, nothing applied from them); " + accepted + " accepted, "
                + duplicates + " duplicates" + (accepted + duplicates > 0 ? " (see results)" : "")
                + (status == 503 ? "; send the request again: events already stored are recognised as duplicates" : "");
        ProblemDetail problem = problem(status, type, title, detail, request);
        List<Map<String, Object>> errors = new ArrayList<>();
        for (EventResult r : refused) {
            Map<String, Object> error = new LinkedHashMap<>();
            if (outcome.array()) {
                error.put("index", r.index());
            }
            if (r.pointer() != null) {
                error.put("pointer", (outcome.array() ? "/" + r.index() : "") + r.pointer());
            }
            error.put("reason", r.reason());
            error.put("status", r.status());
            if (r.messageId() != null) {
                error.put("messageId", r.messageId());
            }
            errors.add(error);
        }
        problem.setProperty("errors", errors);
        problem.setProperty("accepted", accepted);
        problem.setProperty("duplicates", duplicates);
        problem.setProperty("results", listed);
        return problemResponse(problem);
    }

    private static Map<String, Object> result(EventResult r, boolean array) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("index", r.index());
        item.put("eventId", r.eventId());
        item.put("eventType", r.eventType());
        item.put("status", r.disposition().code());
        item.put("messageId", r.messageId());
        if (r.messageId() != null) {
            item.put("message", adminLink(r.messageId()));
        }
        if (r.refused() && r.pointer() != null) {
            item.put("pointer", (array ? "/" + r.index() : "") + r.pointer());
            item.put("reason", r.reason());
        }
        return item;
    }

    private static String adminLink(Long messageId) {
        return "/admin/messages/" + messageId;
    }

    private static ProblemDetail problem(
            int status, String type, String title, String detail, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(status), detail);
        problem.setType(URI.create(PROBLEM_BASE + type));
        problem.setTitle(title);
        problem.setInstance(URI.create(request.getRequestURI()));
        return problem;
    }

    private static ResponseEntity<Object> problemResponse(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
