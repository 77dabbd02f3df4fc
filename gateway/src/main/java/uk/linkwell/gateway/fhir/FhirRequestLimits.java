package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Limits on the body of a FHIR write ({@code POST}, {@code PUT}, {@code PATCH} under {@code /fhir}), applied before
 * HAPI reads a byte of it: a media type HAPI can parse, or {@code 415}; at most {@code linkwell.fhir.max-request-bytes}
 * (counted as they arrive, so a chunked body without a length is cut off too, and again after a gzip body is
 * inflated), or {@code 413}. Both answers are OperationOutcomes naming what is accepted.
 */
// A servlet filter, not a HAPI interceptor at SERVER_INCOMING_REQUEST_PRE_PROCESSED: HAPI reads the body from the
// servlet request's own stream, which an interceptor cannot replace, so only a filter can count a body of unknown
// length while it arrives and stop before HAPI buffers it whole. It runs after Spring Security, so a request
// without a valid token is refused 401 with its body unread (Tomcat then drops the connection rather than read on).
public class FhirRequestLimits extends OncePerRequestFilter {

    private static final List<String> FHIR_TYPES =
            List.of("application/fhir+json", "application/json", "application/fhir+xml", "application/xml");
    private static final String JSON_PATCH = "application/json-patch+json";
    private static final String XML_PATCH = "application/xml-patch+xml";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String CONTENT_ENCODING = "Content-Encoding";
    /** The FHIR DSTU2 names of the same two formats, which HAPI still reads and older clients still send. */
    private static final Set<String> LEGACY_FHIR_TYPES = Set.of("application/json+fhir", "application/xml+fhir");

    private static final Logger log = LoggerFactory.getLogger(FhirRequestLimits.class);

    private final FhirContext fhirContext;
    private final long maxRequestBytes;

    public FhirRequestLimits(FhirContext fhirContext, FhirProperties properties) {
        this.fhirContext = fhirContext;
        this.maxRequestBytes = properties.maxRequestBytes();
        if (maxRequestBytes < 1 || maxRequestBytes > Integer.MAX_VALUE - 16) {
            // The body is held in one array, as HAPI holds it.
            throw new IllegalStateException(
                    "linkwell.fhir.max-request-bytes must be between 1 and 2 GB, not " + maxRequestBytes);
        }
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String method = request.getMethod();
        long declared = request.getContentLengthLong();
        boolean write = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        boolean hasBody = declared > 0 || (declared < 0 && request.getHeader("Transfer-Encoding") != null);
        if (!write || !hasBody) {
            chain.doFilter(request, response);
            return;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String unsupported = unsupportedMediaType(method, path, request.getContentType());
        if (unsupported != null) {
            refuse(response, 415, OperationOutcome.IssueType.NOTSUPPORTED, unsupported);
            return;
        }
        if (declared > maxRequestBytes) {
            refuseOversize(request, response, declared + " bytes declared");
            return;
        }
        if (isForm(request.getContentType())) {
            // A search sent as a form: Tomcat reads it as parameters, under its own limit
            // (server.tomcat.max-http-form-post-size).
            chain.doFilter(request, response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes(Math.toIntExact(maxRequestBytes + 1));
        if (body.length > maxRequestBytes) {
            refuseOversize(request, response, "more than " + maxRequestBytes + " bytes, cut off there");
            return;
        }
        boolean gzip = "gzip".equalsIgnoreCase(request.getHeader(CONTENT_ENCODING));
        if (gzip) {
            try {
                body = inflate(body);
            } catch (ZipException e) {
                refuse(
                        response,
                        400,
                        OperationOutcome.IssueType.STRUCTURE,
                        "the body is sent with Content-Encoding: gzip but is not gzip data");
                return;
            }
            if (body == null) {
                refuseOversize(request, response, "more than " + maxRequestBytes + " bytes once inflated from gzip");
                return;
            }
        }
        chain.doFilter(new BufferedBody(request, body, gzip), response);
    }

    /** Why this media type cannot be taken for this write, or null when it can. */
    static String unsupportedMediaType(String method, String path, String contentType) {
        String accepted = String.join(", ", FHIR_TYPES) + (method.equals("PATCH") ? ", " + JSON_PATCH : "");
        if (isBinary(path)) {
            // A Binary may be sent as itself, in its own media type (FHIR R4 3.1.0.4.1).
            return null;
        }
        if (contentType == null || contentType.isBlank()) {
            return "the body has no Content-Type; a FHIR write takes " + accepted;
        }
        String type;
        try {
            MediaType parsed = MediaType.parseMediaType(contentType);
            type = (parsed.getType() + "/" + parsed.getSubtype()).toLowerCase(Locale.ROOT);
        } catch (InvalidMediaTypeException e) {
            return "the Content-Type is not a media type; a FHIR write takes " + accepted;
        }
        boolean ok = FHIR_TYPES.contains(type)
                || LEGACY_FHIR_TYPES.contains(type)
                || (method.equals("PATCH") && (type.equals(JSON_PATCH) || type.equals(XML_PATCH)))
                || (method.equals("POST") && type.equals(FORM) && path.endsWith("/_search"));
        return ok
                ? null
                : "Content-Type " + type + " is not accepted; a FHIR write takes " + accepted
                        + (method.equals("POST") ? " (and " + FORM + " for a search by POST to _search)" : "");
    }

    private static boolean isBinary(String path) {
        return path.equals("/fhir/Binary") || path.startsWith("/fhir/Binary/");
    }

    private static boolean isForm(String contentType) {
        try {
            return contentType != null
                    && MediaType.parseMediaType(contentType).isCompatibleWith(MediaType.APPLICATION_FORM_URLENCODED);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    /** The inflated body, or null once it passes the limit (a small body can inflate to gigabytes). */
    private byte[] inflate(byte[] gzip) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            byte[] inflated = in.readNBytes(Math.toIntExact(maxRequestBytes + 1));
            return inflated.length > maxRequestBytes ? null : inflated;
        }
    }

    private void refuseOversize(HttpServletRequest request, HttpServletResponse response, String size)
            throws IOException {
        log.info(
                "FHIR {} {} refused with 413: a body of {} (limit {} bytes)",
                request.getMethod(),
                request.getRequestURI(),
                size,
                maxRequestBytes);
        // The rest is not read: the connection closes behind the answer.
        response.setHeader("Connection", "close");
        refuse(
                response,
                413,
                OperationOutcome.IssueType.TOOLONG,
                "the request body is over the limit of " + maxRequestBytes + " bytes (linkwell.fhir.max-request-bytes)"
                        + "; send smaller writes, or a transaction in several parts");
    }

    private void refuse(HttpServletResponse response, int status, OperationOutcome.IssueType code, String diagnostics)
            throws IOException {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(code)
                .setDiagnostics(diagnostics);
        response.setStatus(status);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setContentType("application/fhir+json");
        response.getWriter().write(fhirContext.newJsonParser().encodeResourceToString(outcome));
    }

    /** The request with its body already read (and inflated): HAPI reads these bytes instead of the socket. */
    private static final class BufferedBody extends HttpServletRequestWrapper {

        private final byte[] body;
        /** Whether the body was sent gzipped: it is inflated now, and HAPI must not inflate it again. */
        private final boolean inflated;

        BufferedBody(HttpServletRequest request, byte[] body, boolean inflated) {
            super(request);
            this.body = body;
            this.inflated = inflated;
        }

        @Override
        public String getHeader(String name) {
            return inflated && CONTENT_ENCODING.equalsIgnoreCase(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return inflated && CONTENT_ENCODING.equalsIgnoreCase(name)
                    ? Collections.emptyEnumeration()
                    : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            if (!inflated) {
                return super.getHeaderNames();
            }
            return Collections.enumeration(Collections.list(super.getHeaderNames()).stream()
                    .filter(name -> !CONTENT_ENCODING.equalsIgnoreCase(name))
                    .toList());
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            Charset charset = StandardCharsets.UTF_8;
            try {
                if (getCharacterEncoding() != null) {
                    charset = Charset.forName(getCharacterEncoding());
                }
            } catch (IllegalArgumentException unknown) {
                // HAPI reads FHIR bodies as UTF-8 whatever is declared; so does this.
            }
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
