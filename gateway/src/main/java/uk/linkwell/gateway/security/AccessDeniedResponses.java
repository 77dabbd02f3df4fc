package uk.linkwell.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 bodies a caller can act on: a FHIR OperationOutcome under {@code /fhir}, problem+json elsewhere;
 * the {@code WWW-Authenticate: Bearer} header as RFC 6750 asks. Nothing from the token is echoed.
 */
public class AccessDeniedResponses implements AuthenticationEntryPoint, AccessDeniedHandler {

    private final BearerTokenAuthenticationEntryPoint bearerEntryPoint = new BearerTokenAuthenticationEntryPoint();
    private final BearerTokenAccessDeniedHandler bearerDenied = new BearerTokenAccessDeniedHandler();

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        bearerEntryPoint.commence(request, response, e);
        write(
                request,
                response,
                401,
                "login",
                "Unauthorized",
                "A valid bearer access token is required (missing, expired, not signed by a trusted issuer, or "
                        + "issued to a client since removed or reconfigured; the WWW-Authenticate header says which)");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        bearerDenied.handle(request, response, e);
        write(
                request,
                response,
                403,
                "forbidden",
                "Forbidden",
                "The access token does not allow this request (role or scope)");
    }

    private static void write(
            HttpServletRequest request,
            HttpServletResponse response,
            int status,
            String fhirCode,
            String title,
            String detail)
            throws IOException {
        response.setStatus(status);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        if (isFhir(request)) {
            response.setContentType("application/fhir+json");
            response.getWriter()
                    .write("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\"," + "\"code\":\""
                            + fhirCode + "\",\"diagnostics\":\"" + detail + "\"}]}");
        } else {
            response.setContentType("application/problem+json");
            response.getWriter()
                    .write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
                            + ",\"detail\":\"" + detail + "\",\"instance\":\"" + jsonSafe(request.getRequestURI())
                            + "\"}");
        }
    }

    private static boolean isFhir(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.equals("/fhir") || path.startsWith("/fhir/");
    }

    private static String jsonSafe(String s) {
        return s.replaceAll("[\"\\\\\\p{Cntrl}]", "");
    }
}
