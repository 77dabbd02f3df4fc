package uk.linkwell.gateway.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers SMART discovery at the FHIR base too ({@code /fhir/.well-known/smart-configuration}), where SMART App
 * Launch puts it ({@code [base]/.well-known/smart-configuration}) and where clients such as {@code fhirclient} look;
 * HAPI owns {@code /fhir/*}, so the request is forwarded to {@link SmartConfigurationController}.
 */
@Component
public class SmartDiscoveryAtFhirBase extends OncePerRequestFilter {

    /** The discovery document under the FHIR base, open to all as the one at the root is. */
    public static final String PATH = "/fhir/.well-known/smart-configuration";

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"GET".equals(request.getMethod()) || !PATH.equals(request.getServletPath() + pathInfo(request));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        request.getRequestDispatcher("/.well-known/smart-configuration").forward(request, response);
    }

    private static String pathInfo(HttpServletRequest request) {
        return request.getPathInfo() == null ? "" : request.getPathInfo();
    }
}
