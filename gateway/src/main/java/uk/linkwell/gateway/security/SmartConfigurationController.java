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

/** SMART App Launch discovery ({@code /.well-known/smart-configuration}), open to all, so clients find the token endpoint. */
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
        SmartEndpoints.tokenEndpoint(properties, base).ifPresent(t -> body.put("token_endpoint", t));
        body.put("grant_types_supported", List.of("client_credentials"));
        body.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        TreeSet<String> scopes = new TreeSet<>(List.of("system/*.cruds", "system/*.rs", "user/*.cruds", "user/*.rs"));
        // Only the embedded server has clients of its own; an external provider's are not known here.
        clients.ifAvailable(known -> known.all().values().forEach(c -> scopes.addAll(c.scopes())));
        body.put("scopes_supported", List.copyOf(scopes));
        body.put("response_types_supported", List.of("token"));
        body.put("capabilities", List.of("client-confidential-symmetric", "permission-v1", "permission-v2"));
        return body;
    }
}
