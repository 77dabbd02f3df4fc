package uk.linkwell.gateway.exchange;

import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
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

/**
 * Operations on the outbox over HTTP, under {@code /admin/deliveries} (admin role, as all of {@code /admin}): list
 * and filter (status, endpoint, event) with the counts per status, show one (attempts, the receiver's last
 * answer, the basis of a withholding), retry a dead one. Errors are problem+json.
 */
@RestController
@RequestMapping(path = "/admin/deliveries", produces = MediaType.APPLICATION_JSON_VALUE)
public class DeliveryAdminController {

    static final int MAX_LIMIT = 500;

    private final Outbox outbox;

    public DeliveryAdminController(Outbox outbox) {
        this.outbox = outbox;
    }

    @GetMapping
    public Map<String, Object> list(
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String endpoint,
            @RequestParam(required = false) String event,
            @RequestParam(defaultValue = "50") int limit,
            @RequestParam(defaultValue = "0") int offset) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadParameter("limit", "must be between 1 and " + MAX_LIMIT);
        }
        if (offset < 0) {
            throw new BadParameter("offset", "must not be negative");
        }
        List<Map<String, Object>> items =
                outbox.list(status(status), blankToNull(endpoint), blankToNull(event), limit, offset).stream()
                        .map(DeliveryAdminController::summary)
                        .toList();
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("byStatus", outbox.countsByStatus());
        page.put("limit", limit);
        page.put("offset", offset);
        page.put("count", items.size());
        page.put("items", items);
        return page;
    }

    @GetMapping("/{id}")
    public Map<String, Object> show(@PathVariable long id) {
        return summary(outbox.find(id).orElseThrow(() -> new NotFound(id)));
    }

    @PostMapping("/{id}/retry")
    public ResponseEntity<Map<String, Object>> retry(@PathVariable long id) {
        return switch (outbox.retry(id)) {
            case NOT_FOUND -> throw new NotFound(id);
            case NOT_DEAD -> throw new Conflict(
                    id, outbox.find(id).map(d -> d.getStatus().code()).orElse("?"));
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
            throw new BadParameter(
                    "status",
                    "must be one of "
                            + Arrays.stream(DeliveryStatus.values())
                                    .map(DeliveryStatus::code)
                                    .collect(Collectors.joining(", ")));
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    @ExceptionHandler(BadParameter.class)
    ResponseEntity<ProblemDetail> badParameter(BadParameter e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST, "Parameter '" + e.parameter + "' " + e.getMessage());
        problem.setTitle("Invalid parameter");
        problem.setProperty("parameter", e.parameter);
        return problem(problem);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        return badParameter(new BadParameter(e.getName(), "must be a number"));
    }

    @ExceptionHandler(NotFound.class)
    ResponseEntity<ProblemDetail> notFound(NotFound e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setTitle("No such delivery");
        return problem(problem);
    }

    @ExceptionHandler(Conflict.class)
    ResponseEntity<ProblemDetail> conflict(Conflict e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        problem.setTitle("Delivery cannot be retried");
        problem.setProperty("deliveryStatus", e.status);
        return problem(problem);
    }

    private static ResponseEntity<ProblemDetail> problem(ProblemDetail problem) {
        problem.setType(URI.create("about:blank"));
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    private static final class BadParameter extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String parameter;

        BadParameter(String parameter, String message) {
            super(message);
            this.parameter = parameter;
        }
    }

    private static final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFound(long id) {
            super("No delivery with id " + id);
        }
    }

    private static final class Conflict extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String status;

        Conflict(long id, String status) {
            super("Delivery " + id + " is " + status + "; only a dead delivery can be retried");
            this.status = status;
        }
    }
}
