package uk.linkwell.gateway.admin;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * A refusal by an operator's view ({@code /admin/messages}, {@code /admin/deliveries}), answered as
 * {@code application/problem+json} with a title, the detail and, where it helps, the property at fault.
 */
public final class AdminProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final HttpStatus status;
    private final String title;
    private final String property;
    private final String value;

    private AdminProblem(HttpStatus status, String title, String detail, String property, String value) {
        super(detail);
        this.status = status;
        this.title = title;
        this.property = property;
        this.value = value;
    }

    /** 400 naming the query parameter: {@code Parameter 'limit' must be between 1 and 500}. */
    public static AdminProblem badParameter(String parameter, String message) {
        return new AdminProblem(
                HttpStatus.BAD_REQUEST,
                "Invalid parameter",
                "Parameter '" + parameter + "' " + message,
                "parameter",
                parameter);
    }

    public static AdminProblem notFound(String title, String detail) {
        return new AdminProblem(HttpStatus.NOT_FOUND, title, detail, null, null);
    }

    /** 409 for an action the record's state does not allow, the state named in {@code property}. */
    public static AdminProblem conflict(String title, String detail, String property, String state) {
        return new AdminProblem(HttpStatus.CONFLICT, title, detail, property, state);
    }

    public ResponseEntity<ProblemDetail> response() {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, getMessage());
        problem.setType(URI.create("about:blank"));
        problem.setTitle(title);
        if (property != null) {
            problem.setProperty(property, value);
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
