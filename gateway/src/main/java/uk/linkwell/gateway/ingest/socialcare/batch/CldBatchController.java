package uk.linkwell.gateway.ingest.socialcare.batch;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import uk.linkwell.gateway.ingest.store.MessageHeader;
import uk.linkwell.gateway.ingest.store.MessageStatus;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.store.NewMessage;
import uk.linkwell.gateway.ingest.store.StoreReceipt;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.Requester;
import uk.linkwell.mappings.socialcare.cld.CldFileException;
import uk.linkwell.mappings.socialcare.cld.CldReader;

/**
 * {@code /socialcare/batches}: a local authority posts a CLD file (text/csv); it is stored in the message store
 * before the 202, applied in the background, and its progress and per-row error report can be read back.
 * A file that cannot be taken at all is refused with problem+json and stored as rejected.
 */
@RestController
@RequestMapping(path = "/socialcare/batches")
public class CldBatchController {

    private static final Logger log = LoggerFactory.getLogger(CldBatchController.class);
    static final String PROBLEM_BASE = "https://fhir.linkwell.example/problem/cld-batch/";
    private static final int REJECTED_KEEP_BYTES = 64 * 1024;
    private static final MediaType TEXT_CSV = MediaType.parseMediaType("text/csv");

    private final MessageStore messages;
    private final CldBatchStore batches;
    private final CldBatchProperties properties;
    private final Clock clock;

    public CldBatchController(
            MessageStore messages, CldBatchStore batches, CldBatchProperties properties, Clock clock) {
        this.messages = messages;
        this.batches = batches;
        this.properties = properties;
        this.clock = clock;
    }

    @PostMapping
    public ResponseEntity<?> post(
            HttpServletRequest request,
            @RequestParam(name = "localAuthority", required = false) String localAuthorityParam)
            throws IOException {
        Requester requester = allowed();
        String localAuthority = localAuthority(requester, localAuthorityParam);
        long limit = properties.maxFileSize().toBytes();
        // Read no more than the limit and a byte: whatever the sender declares, memory stays bounded.
        byte[] body = read(request.getInputStream(), limit + 1);
        if (body.length > limit) {
            return refuse(
                    localAuthority,
                    Arrays.copyOf(body, REJECTED_KEEP_BYTES),
                    HttpStatus.PAYLOAD_TOO_LARGE,
                    "too-large",
                    "File too large",
                    "The file is larger than the limit of " + limit + " bytes.",
                    List.of());
        }
        if (!isCsv(request.getContentType())) {
            return refuse(
                    localAuthority,
                    body,
                    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "not-csv",
                    "Not a CSV file",
                    "The body must be a CLD file sent as text/csv.",
                    List.of());
        }
        try {
            CldReader.open(body);
        } catch (CldFileException e) {
            return refuse(
                    localAuthority,
                    body,
                    HttpStatus.BAD_REQUEST,
                    e.problem(),
                    title(e.problem()),
                    e.getMessage(),
                    e.columns());
        }
        StoreReceipt receipt = messages.store(new NewMessage(
                CldBatchJob.SOURCE,
                localAuthority,
                "CLD",
                sha256(body),
                CldBatchJob.SOURCE + ":" + localAuthority,
                clock.instant(),
                body,
                "UTF-8",
                null));
        batches.open(receipt.id(), localAuthority, requester.clientId());
        log.info(
                "CLD batch {} stored for local authority {} ({} bytes{})",
                receipt.id(),
                localAuthority,
                body.length,
                receipt.duplicate() ? ", a repeat of an accepted file" : "");
        Map<String, Object> progress = progress(receipt.id());
        progress.put("duplicate", receipt.duplicate());
        return ResponseEntity.accepted()
                .location(URI.create("/socialcare/batches/" + receipt.id()))
                .contentType(MediaType.APPLICATION_JSON)
                .body(progress);
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> get(@PathVariable long id) {
        Requester requester = allowed();
        visible(requester, id);
        return progress(id);
    }

    @GetMapping(path = "/{id}/errors")
    public ResponseEntity<?> errors(
            @PathVariable long id,
            @RequestParam(name = "offset", defaultValue = "0") int offset,
            @RequestParam(name = "limit", required = false) Integer limit,
            @RequestParam(name = "format", required = false) String format,
            @RequestHeader(name = "Accept", required = false) String accept) {
        Requester requester = allowed();
        visible(requester, id);
        int pageSize = Math.max(
                0, Math.min(limit == null ? properties.maxErrorsPerPage() : limit, properties.maxErrorsPerPage()));
        List<CldBatchError> errors = batches.errors(id, Math.max(0, offset), pageSize);
        boolean csv =
                "csv".equalsIgnoreCase(format) || (format == null && accept != null && accept.contains("text/csv"));
        if (csv) {
            StringWriter out = new StringWriter();
            try (CSVPrinter printer = new CSVPrinter(
                    out,
                    CSVFormat.DEFAULT
                            .builder()
                            .setHeader("line", "column", "reason")
                            .build())) {
                for (CldBatchError error : errors) {
                    printer.printRecord(error.getLineNumber(), error.getColumn(), error.getReason());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return ResponseEntity.ok().contentType(TEXT_CSV).body(out.toString());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("batch", id);
        body.put("offset", Math.max(0, offset));
        body.put("count", errors.size());
        body.put(
                "errors",
                errors.stream()
                        .map(e -> {
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("line", e.getLineNumber());
                            row.put("column", e.getColumn());
                            row.put("reason", e.getReason());
                            return row;
                        })
                        .toList());
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    private Map<String, Object> progress(long id) {
        // The header only: the body is the whole file, and progress is polled.
        MessageHeader message = messages.findHeader(id)
                .filter(m -> CldBatchJob.SOURCE.equals(m.source()))
                .orElseThrow(() -> new NotFound(id));
        Optional<CldBatch> batch = batches.find(id);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("status", status(message.status()));
        body.put("localAuthority", message.sender());
        body.put("receivedAt", message.receivedAt().toString());
        batch.map(CldBatch::getStartedAt).ifPresent(t -> body.put("startedAt", t.toString()));
        batch.map(CldBatch::getFinishedAt).ifPresent(t -> body.put("finishedAt", t.toString()));
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("total", batch.map(CldBatch::getRowsTotal).orElse(null));
        rows.put("processed", batch.map(CldBatch::getRowsProcessed).orElse(0L));
        rows.put("landed", batch.map(CldBatch::getRowsLanded).orElse(0L));
        rows.put("bad", batch.map(CldBatch::getRowsBad).orElse(0L));
        body.put("rows", rows);
        body.put("errors", "/socialcare/batches/" + id + "/errors");
        if (message.status() == MessageStatus.FAILED
                || message.status() == MessageStatus.REJECTED
                || message.lastError() != null) {
            body.put("problem", message.lastError());
        }
        return body;
    }

    private static String status(MessageStatus status) {
        return switch (status) {
            case RECEIVED -> "queued";
            case PROCESSING -> "processing";
            case DONE -> "completed";
            case FAILED -> "failed";
            case REJECTED -> "rejected";
                // Batches name no one person; the worker never sets one aside, but the status exists.
            case UNMATCHED -> "unmatched";
        };
    }

    private ResponseEntity<ProblemDetail> refuse(
            String localAuthority,
            byte[] body,
            HttpStatus status,
            String code,
            String title,
            String detail,
            List<String> columns) {
        StoreReceipt receipt = messages.store(new NewMessage(
                CldBatchJob.SOURCE,
                localAuthority,
                "CLD",
                null,
                null,
                clock.instant(),
                body,
                "UTF-8",
                title + ": " + detail));
        log.info("CLD batch {} refused for local authority {}: {}", receipt.id(), localAuthority, code);
        ProblemDetail problem = described(status, code, title, detail);
        problem.setInstance(URI.create("/socialcare/batches/" + receipt.id()));
        problem.setProperty("batch", receipt.id());
        if (!columns.isEmpty()) {
            problem.setProperty("columns", columns);
        }
        return problem(problem);
    }

    private static String title(String code) {
        return switch (code) {
            case "empty" -> "Empty file";
            case "missing-columns" -> "Required columns missing";
            case "duplicate-columns" -> "Column named twice";
            default -> "Not a CSV file";
        };
    }

    private static boolean isCsv(String contentType) {
        if (contentType == null) {
            return false;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return (type.getType().equals("text") || type.getType().equals("application"))
                    && type.getSubtype().equals("csv");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The caller may use batches: a local authority's case system, or an administrator. */
    private static Requester allowed() {
        Requester requester = Requester.current().orElseThrow(() -> new Forbidden("The token names no known role."));
        if (requester.role() != ClientRole.SOCIAL_CARE_SYSTEM && requester.role() != ClientRole.ADMIN) {
            throw new Forbidden("CLD batches are for social-care systems and administrators.");
        }
        return requester;
    }

    /** A case system posts for its own council; an administrator for the one named (default: its own organisation). */
    private static String localAuthority(Requester requester, String param) {
        String own = requester.organisation();
        if (requester.role() == ClientRole.ADMIN && param != null && !param.isBlank()) {
            return checkedOds(param.strip());
        }
        if (own == null || own.isBlank()) {
            throw new Forbidden("The token names no organisation (local authority).");
        }
        if (param != null && !param.isBlank() && !param.strip().equals(own)) {
            throw new Forbidden("A case system may post batches only for its own local authority.");
        }
        return checkedOds(own);
    }

    private static String checkedOds(String code) {
        if (!code.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new BadParameter("localAuthority", "must be an ODS code");
        }
        return code;
    }

    private void visible(Requester requester, long id) {
        if (requester.role() == ClientRole.ADMIN) {
            return;
        }
        String owner = messages.findHeader(id).map(MessageHeader::sender).orElse(null);
        if (owner == null || !owner.equals(requester.organisation())) {
            throw new NotFound(id);
        }
    }

    private static byte[] read(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while (total < max && (n = in.read(buffer, 0, (int) Math.min(buffer.length, max - total))) > 0) {
            out.write(buffer, 0, n);
            total += n;
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] body) {
        try {
            return "sha256:"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @ExceptionHandler(Forbidden.class)
    ResponseEntity<ProblemDetail> forbidden(Forbidden e) {
        return problem(described(HttpStatus.FORBIDDEN, "forbidden", "Not allowed", e.getMessage()));
    }

    @ExceptionHandler(NotFound.class)
    ResponseEntity<ProblemDetail> notFound(NotFound e) {
        return problem(described(HttpStatus.NOT_FOUND, "not-found", "No such batch", e.getMessage()));
    }

    @ExceptionHandler(BadParameter.class)
    ResponseEntity<ProblemDetail> badParameter(BadParameter e) {
        ProblemDetail problem = described(
                HttpStatus.BAD_REQUEST,
                "invalid-parameter",
                "Invalid parameter",
                "Parameter '" + e.parameter + "' " + e.getMessage());
        problem.setProperty("parameter", e.parameter);
        return problem(problem);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        return badParameter(new BadParameter(e.getName(), "must be a number"));
    }

    private static ProblemDetail described(HttpStatus status, String code, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(PROBLEM_BASE + code));
        problem.setTitle(title);
        return problem;
    }

    private static ResponseEntity<ProblemDetail> problem(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    private static final class Forbidden extends RuntimeException {
        Forbidden(String message) {
            super(message);
        }
    }

    private static final class NotFound extends RuntimeException {
        NotFound(long id) {
            super("No CLD batch " + id + " is visible to this client.");
        }
    }

    private static final class BadParameter extends RuntimeException {
        final String parameter;

        BadParameter(String parameter, String message) {
            super(message);
            this.parameter = parameter;
        }
    }
}
