package uk.linkwell.gateway.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.server.authorization.OAuth2Authorization;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The embedded Spring Authorization Server (on unless {@code linkwell.security.authorization-server.enabled=false}):
 * client-credentials tokens at {@code /oauth2/token}, signed with the persisted key, carrying role, organisation and
 * the fingerprint of the client's configuration that each request checks ({@link ConfiguredClients}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
        name = "linkwell.security.authorization-server.enabled",
        havingValue = "true",
        matchIfMissing = true)
public class EmbeddedAuthorizationServerConfig {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedAuthorizationServerConfig.class);

    @Bean
    @Order(1)
    public SecurityFilterChain authorizationServerFilterChain(HttpSecurity http) throws Exception {
        OAuth2AuthorizationServerConfigurer authorizationServer =
                OAuth2AuthorizationServerConfigurer.authorizationServer();
        http.securityMatcher(authorizationServer.getEndpointsMatcher())
                .with(authorizationServer, Customizer.withDefaults())
                .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
                // Clients authenticate with their secret on every call; there is no browser session to protect.
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    @Bean
    public JWKSource<SecurityContext> jwkSource(@Value("${linkwell.data-dir}") String dataDir) {
        RSAKey key = SigningKeyStore.loadOrCreate(Path.of(dataDir));
        return new ImmutableJWKSet<>(new JWKSet(key));
    }

    /**
     * Refuses the start when demo clients would be on outside the embedded H2, before any bean is made: HAPI
     * creates or updates its schema early, and a refused start must not have touched the database.
     */
    @Bean
    static BeanFactoryPostProcessor demoClientsGuard(Environment environment) {
        return beanFactory -> DemoClients.enabled(
                Binder.get(environment).bindOrCreate("linkwell.security", SecurityProperties.class),
                environment.getProperty("spring.datasource.url"));
    }

    /** Decided once per start, as the guard above decided (and refused) it. */
    @Bean
    public ConfiguredClients configuredClients(
            SecurityProperties properties, @Value("${spring.datasource.url:}") String datasourceUrl) {
        ConfiguredClients clients = ConfiguredClients.of(properties, datasourceUrl);
        if (clients.demoClientsActive()) {
            log.warn(
                    "DEMO CLIENTS ARE ACTIVE ({}) with secrets published in the documentation; set "
                            + "linkwell.security.demo-clients-enabled=false (LINKWELL_DEMO_CLIENTS=false) outside a "
                            + "test machine",
                    String.join(", ", new TreeSet<>(properties.demoClients().keySet())));
        }
        return clients;
    }

    @Bean
    public RegisteredClientRepository registeredClientRepository(
            ConfiguredClients configured, SecurityProperties properties) {
        List<RegisteredClient> clients = new ArrayList<>();
        configured.all().forEach((id, client) -> clients.add(registered(id, client, properties)));
        if (clients.isEmpty()) {
            log.warn("The embedded authorization server has no clients: no token can be issued");
            // InMemoryRegisteredClientRepository refuses an empty list.
            return new RegisteredClientRepository() {
                @Override
                public void save(RegisteredClient client) {
                    throw new UnsupportedOperationException("clients are declared in linkwell.security.clients");
                }

                @Override
                public RegisteredClient findById(String id) {
                    return null;
                }

                @Override
                public RegisteredClient findByClientId(String clientId) {
                    return null;
                }
            };
        }
        return new InMemoryRegisteredClientRepository(clients);
    }

    private static RegisteredClient registered(
            String clientId, SecurityProperties.Client client, SecurityProperties properties) {
        if (ClientRole.fromCode(client.role()).isEmpty()) {
            throw new IllegalStateException("linkwell.security client " + clientId + " has role '" + client.role()
                    + "'; expected one of " + ClientRole.codes());
        }
        if (client.secret() == null || !client.secret().startsWith("{bcrypt}")) {
            throw new IllegalStateException(
                    "linkwell.security client " + clientId + " needs its secret as a bcrypt hash: {bcrypt}$2a$...");
        }
        return RegisteredClient.withId(clientId)
                .clientId(clientId)
                .clientSecret(client.secret())
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
                .scopes(s -> s.addAll(client.scopes()))
                .clientSettings(ClientSettings.builder()
                        .requireAuthorizationConsent(false)
                        .build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(properties.authorizationServer().tokenTtl())
                        .build())
                .build();
    }

    @Bean
    public AuthorizationServerSettings authorizationServerSettings(SecurityProperties properties) {
        AuthorizationServerSettings.Builder settings = AuthorizationServerSettings.builder();
        if (!properties.authorizationServer().issuer().isBlank()) {
            settings.issuer(properties.authorizationServer().issuer());
        }
        return settings.build();
    }

    /**
     * Adds Linkwell's claims, the configuration fingerprint among them; a request without {@code scope} gets every
     * scope the client is allowed.
     */
    @Bean
    public OAuth2TokenCustomizer<JwtEncodingContext> linkwellClaims(ConfiguredClients configured) {
        return context -> {
            if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
                return;
            }
            String clientId = context.getRegisteredClient().getClientId();
            // The repository is built from the same clients, so this cannot miss; if it ever did, no token at all
            // rather than one without the fingerprint the per-request check relies on.
            SecurityProperties.Client client = configured
                    .get(clientId)
                    .orElseThrow(() -> new OAuth2AuthenticationException(OAuth2ErrorCodes.INVALID_CLIENT));
            String fingerprint = configured.fingerprint(clientId).orElseThrow();
            var scopes = context.getAuthorizedScopes().isEmpty()
                    ? context.getRegisteredClient().getScopes()
                    : context.getAuthorizedScopes();
            context.getClaims().claims(claims -> {
                claims.put(Requester.CLIENT_ID_CLAIM, clientId);
                claims.put(Requester.ROLE_CLAIM, client.role());
                if (client.organisation() != null && !client.organisation().isBlank()) {
                    claims.put(Requester.ORGANISATION_CLAIM, client.organisation());
                }
                if (client.practitioner() != null && !client.practitioner().isBlank()) {
                    claims.put(Requester.PRACTITIONER_CLAIM, client.practitioner());
                }
                // RFC 9068 form: one space-separated string.
                claims.put(Requester.SCOPE_CLAIM, String.join(" ", scopes));
                claims.put(ConfiguredClients.FINGERPRINT_CLAIM, fingerprint);
            });
        };
    }

    /**
     * Access tokens are self-contained JWTs and nothing introspects or revokes them, so issued tokens are not
     * kept: memory stays flat and gateway instances share nothing but the signing key.
     */
    @Bean
    public OAuth2AuthorizationService authorizationService() {
        return new OAuth2AuthorizationService() {
            @Override
            public void save(OAuth2Authorization authorization) {}

            @Override
            public void remove(OAuth2Authorization authorization) {}

            @Override
            public OAuth2Authorization findById(String id) {
                return null;
            }

            @Override
            public OAuth2Authorization findByToken(String token, OAuth2TokenType tokenType) {
                return null;
            }
        };
    }
}
