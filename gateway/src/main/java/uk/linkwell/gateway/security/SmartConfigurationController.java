package uk.linkwell.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * SMART App Launch discovery ({@code /.well-known/smart-configuration}), open to all, so clients find the endpoints:
 * it advertises only what the gateway really does (each entry is checked by {@code SmartAppLaunchTest}).
 */
@RestController
public class SmartConfigurationController {

    private final SecurityProperties properties;
    private final ObjectProvider<ConfiguredClients> clients;
    private final String externalIssuer;

    public SmartConfigurationController(
            SecurityProperties properties,
            ObjectProvider<ConfiguredClients> clients,
            @Value("${spring.security.oauth2.resourceserver.jwt.issuer-uri:}") String externalIssuer) {
        this.properties = properties;
        this.clients = clients;
        this.externalIssuer = externalIssuer;
    }

    @GetMapping(path = "/.well-known/smart-configuration", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> smartConfiguration(HttpServletRequest request) {
        String base =
                ServletUriComponentsBuilder.fromContextPath(request).build().toUriString();
        Map<String, Object> body = new LinkedHashMap<>();
        if (properties.authorizationServer().enabled()) {
            String issuer = SmartEndpoints.issuerBase(properties, base);
            body.put("issuer", issuer);
            body.put("jwks_uri", issuer + SmartEndpoints.JWKS_PATH);
        } else if (!externalIssuer.isBlank()) {
            body.put("issuer", externalIssuer);
        }
        boolean embedded = properties.authorizationServer().enabled();
        SmartEndpoints.authorizationEndpoint(properties, base).ifPresent(a -> body.put("authorization_endpoint", a));
        SmartEndpoints.tokenEndpoint(properties, base).ifPresent(t -> body.put("token_endpoint", t));
        // An external provider's grants and methods are its own; only client credentials is known to work with it.
        body.put("grant_types_supported", embedded ? SmartEndpoints.GRANT_TYPES : List.of("client_credentials"));
        body.put(
                "token_endpoint_auth_methods_supported",
                embedded ? SmartEndpoints.AUTH_METHODS : List.of("client_secret_basic", "client_secret_post"));
        TreeSet<String> scopes = new TreeSet<>(List.of("system/*.cruds", "system/*.rs", "user/*.cruds", "user/*.rs"));
        // Only the embedded server has clients of its own; an external provider's are not known here.
        clients.ifAvailable(known -> {
            known.all().values().forEach(c -> scopes.addAll(c.scopes()));
            known.apps().values().forEach(a -> scopes.addAll(a.scopes()));
        });
        if (embedded) {
            scopes.addAll(List.of("openid", "fhirUser", "offline_access"));
        }
        body.put("scopes_supported", List.copyOf(scopes));
        if (embedded) {
            body.put("response_types_supported", List.of("code"));
            // S256 only: Spring Authorization Server refuses "plain".
            body.put("code_challenge_methods_supported", List.of("S256"));
            // No patient picker, so no context-standalone-patient (and no launch/patient scope): a link worker's
            // app chooses among the people on the caseload itself.
            body.put(
                    "capabilities",
                    List.of(
                            "launch-standalone",
                            "client-public",
                            "client-confidential-symmetric",
                            "sso-openid-connect",
                            "permission-offline",
                            "permission-user",
                            "permission-v1",
                            "permission-v2"));
        } else {
            body.put("response_types_supported", List.of("token"));
            body.put("capabilities", List.of("client-confidential-symmetric", "permission-v1", "permission-v2"));
        }
        return body;
    }
}
