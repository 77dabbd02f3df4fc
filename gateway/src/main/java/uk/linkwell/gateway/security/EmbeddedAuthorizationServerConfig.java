package uk.linkwell.gateway.security;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.crypto.keygen.Base64StringKeyGenerator;
import org.springframework.security.crypto.keygen.StringKeyGenerator;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2RefreshToken;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2AuthorizationCodeRequestAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientCredentialsAuthenticationProvider;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.web.authentication.OAuth2AuthorizationCodeRequestAuthenticationConverter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;

/**
 * The embedded Spring Authorization Server (on unless {@code linkwell.security.authorization-server.enabled=false}):
 * client-credentials tokens for systems, and SMART App Launch for people (authorization code with PKCE at
 * {@code /oauth2/authorize}, the sign-in and consent pages, refresh tokens), all signed with the persisted key and
 * carrying role, organisation and the fingerprints of the client's (and user's) configuration that each request
 * checks ({@link ConfiguredClients}, {@link ConfiguredUsers}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(
        name = "linkwell.security.authorization-server.enabled",
        havingValue = "true",
        matchIfMissing = true)
public class EmbeddedAuthorizationServerConfig {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedAuthorizationServerConfig.class);

    /** The SMART claim naming the signed-in person's FHIR resource ({@code Practitioner/<id>}). */
    public static final String FHIR_USER_CLAIM = "fhirUser";

    static final String OFFLINE_ACCESS = "offline_access";

    @Bean
    @Order(0)
    public SecurityFilterChain authorizationServerFilterChain(
            HttpSecurity http,
            ConfiguredClients clients,
            RegisteredClientRepository registered,
            SecurityProperties properties)
            throws Exception {
        OAuth2AuthorizationServerConfigurer authorizationServer =
                OAuth2AuthorizationServerConfigurer.authorizationServer();
        http.securityMatcher(authorizationServer.getEndpointsMatcher())
                .with(authorizationServer, server -> server
                        // id_tokens, /userinfo and /.well-known/openid-configuration (SMART sso-openid-connect).
                        .oidc(oidc -> oidc.providerConfigurationEndpoint(
                                endpoint -> endpoint.providerConfigurationCustomizer(config -> config
                                        // Spring lists every grant and method it could do; say what this does.
                                        .grantTypes(grants -> grants.retainAll(SmartEndpoints.GRANT_TYPES))
                                        .tokenEndpointAuthenticationMethods(methods -> {
                                            methods.clear();
                                            methods.addAll(SmartEndpoints.AUTH_METHODS);
                                        })
                                        .claims(claims -> claims.remove("device_authorization_endpoint")))))
                        .authorizationEndpoint(endpoint -> endpoint.consentPage(SignInPages.CONSENT_PATH)
                                .authorizationRequestConverters(converters -> converters.replaceAll(
                                        c -> c instanceof OAuth2AuthorizationCodeRequestAuthenticationConverter
                                                ? SmartScopeRequests.narrowing(c, clients)
                                                : c))
                                .authenticationProviders(providers -> providers.forEach(p -> {
                                    if (p instanceof OAuth2AuthorizationCodeRequestAuthenticationProvider code) {
                                        code.setAuthenticationValidator(
                                                SmartScopeRequests.codeRequestValidator(properties));
                                    }
                                })))
                        .tokenEndpoint(
                                endpoint -> endpoint.authenticationProviders(providers -> providers.forEach(p -> {
                                    if (p instanceof OAuth2ClientCredentialsAuthenticationProvider credentials) {
                                        credentials.setAuthenticationValidator(
                                                SmartScopeRequests::checkClientCredentials);
                                    }
                                })))
                        .clientAuthentication(
                                client -> client.authenticationConverter(new PublicClientRefresh.Converter())
                                        .authenticationProvider(new PublicClientRefresh.Provider(registered))))
                .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
                // Spring Authorization Server exempts its endpoints from CSRF itself (the consent form's state
                // parameter is its guard); the sign-in form, in its own chain below, keeps Spring's CSRF token.
                .csrf(csrf -> csrf.disable())
                // A person not yet signed in is sent to the sign-in page, then back to the authorization request
                // (kept in their session); everything else answers 401 as before.
                .exceptionHandling(e -> e.defaultAuthenticationEntryPointFor(
                        new LoginUrlAuthenticationEntryPoint(SignInPages.LOGIN_PATH),
                        PathPatternRequestMatcher.withDefaults().matcher("/oauth2/authorize")))
                // /userinfo takes the access token of a signed-in app.
                .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()));
        return http.build();
    }

    /**
     * The sign-in form and the consent page. Spring Security's form login checks the password against
     * {@link ConfiguredUsers}; a refusal is logged in one line without the username.
     */
    @Bean
    @Order(1)
    public SecurityFilterChain signInFilterChain(HttpSecurity http, ConfiguredUsers users) throws Exception {
        PathPatternRequestMatcher.Builder path = PathPatternRequestMatcher.withDefaults();
        http.securityMatcher(new OrRequestMatcher(
                        path.matcher(SignInPages.LOGIN_PATH), path.matcher(SignInPages.CONSENT_PATH)))
                .authorizeHttpRequests(requests -> requests.requestMatchers(path.matcher(SignInPages.LOGIN_PATH))
                        .permitAll()
                        .anyRequest()
                        .authenticated())
                .userDetailsService(users.userDetails())
                .formLogin(form -> form.loginPage(SignInPages.LOGIN_PATH).failureHandler(new SignInRefusals()))
                .exceptionHandling(
                        e -> e.authenticationEntryPoint(new LoginUrlAuthenticationEntryPoint(SignInPages.LOGIN_PATH)));
        return http.build();
    }

    /** Wrong username or password: back to the form with a message; one INFO line, no username, no stack trace. */
    static final class SignInRefusals extends SimpleUrlAuthenticationFailureHandler {

        SignInRefusals() {
            super(SignInPages.LOGIN_PATH + "?error");
        }

        @Override
        public void onAuthenticationFailure(
                HttpServletRequest request, HttpServletResponse response, AuthenticationException exception)
                throws IOException, ServletException {
            log.info("Sign-in refused: wrong username or password");
            super.onAuthenticationFailure(request, response, exception);
        }
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
                    "DEMO CLIENTS AND USERS ARE ACTIVE ({}) with secrets published in the documentation; set "
                            + "linkwell.security.demo-clients-enabled=false (LINKWELL_DEMO_CLIENTS=false) outside a "
                            + "test machine",
                    String.join(", ", DemoClients.names(properties)));
        }
        return clients;
    }

    /** The people who sign in, decided once per start under the same rule as the clients. */
    @Bean
    public ConfiguredUsers configuredUsers(
            SecurityProperties properties, @Value("${spring.datasource.url:}") String datasourceUrl) {
        return ConfiguredUsers.of(properties, datasourceUrl);
    }

    @Bean
    public RegisteredClientRepository registeredClientRepository(
            ConfiguredClients configured, SecurityProperties properties) {
        List<RegisteredClient> clients = new ArrayList<>();
        configured.all().forEach((id, client) -> clients.add(registered(id, client, properties)));
        configured.apps().forEach((id, app) -> clients.add(registered(id, app, properties)));
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

    /**
     * An app people sign in to: a public client of the authorization-code grant, PKCE (S256) required, consent asked,
     * refresh tokens (with {@code offline_access}) replaced on every use.
     */
    private static RegisteredClient registered(
            String clientId, SecurityProperties.App app, SecurityProperties properties) {
        if (app.redirectUris().isEmpty() || app.scopes().isEmpty()) {
            throw new IllegalStateException(
                    "linkwell.security app " + clientId + " needs its redirect-uris and the scopes it may be granted");
        }
        return RegisteredClient.withId(clientId)
                .clientId(clientId)
                .clientAuthenticationMethod(ClientAuthenticationMethod.NONE)
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .authorizationGrantType(AuthorizationGrantType.REFRESH_TOKEN)
                .redirectUris(uris -> uris.addAll(app.redirectUris()))
                .scopes(s -> s.addAll(app.scopes()))
                .clientSettings(ClientSettings.builder()
                        .requireProofKey(true)
                        .requireAuthorizationConsent(true)
                        .build())
                .tokenSettings(TokenSettings.builder()
                        .accessTokenTimeToLive(properties.authorizationServer().tokenTtl())
                        .refreshTokenTimeToLive(properties.authorizationServer().refreshTokenTtl())
                        .reuseRefreshTokens(false)
                        .build())
                .build();
    }

    /**
     * Access and id tokens as signed JWTs carrying Linkwell's claims; refresh tokens only where {@code offline_access}
     * was granted (Spring's own generator never gives one to a public client).
     */
    @Bean
    public OAuth2TokenGenerator<?> tokenGenerator(
            JWKSource<SecurityContext> keys, OAuth2TokenCustomizer<JwtEncodingContext> linkwellClaims) {
        JwtGenerator jwt = new JwtGenerator(new NimbusJwtEncoder(keys));
        jwt.setJwtCustomizer(linkwellClaims);
        StringKeyGenerator refreshValues =
                new Base64StringKeyGenerator(Base64.getUrlEncoder().withoutPadding(), 96);
        OAuth2TokenGenerator<OAuth2RefreshToken> offline = context -> {
            if (!OAuth2TokenType.REFRESH_TOKEN.equals(context.getTokenType())
                    || !context.getAuthorizedScopes().contains(OFFLINE_ACCESS)) {
                return null;
            }
            Instant now = Instant.now();
            return new OAuth2RefreshToken(
                    refreshValues.generateKey(),
                    now,
                    now.plus(context.getRegisteredClient().getTokenSettings().getRefreshTokenTimeToLive()));
        };
        return new DelegatingOAuth2TokenGenerator(jwt, offline);
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
     * Adds Linkwell's claims, the configuration fingerprint among them; a system's request without {@code scope} gets
     * every scope the client is allowed. A signed-in user's tokens carry the user's role, organisation and
     * practitioner (as {@code fhirUser} too), so that scoping and consent treat them as they treat a link worker's
     * app client; the id_token carries {@code fhirUser}.
     */
    @Bean
    public OAuth2TokenCustomizer<JwtEncodingContext> linkwellClaims(
            ConfiguredClients configured, ConfiguredUsers users) {
        return context -> {
            String clientId = context.getRegisteredClient().getClientId();
            boolean accessToken = OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType());
            boolean idToken =
                    OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue());
            if (configured.app(clientId).isPresent() && (accessToken || idToken)) {
                // The user as configured now: on a refresh, a user removed since gets no new token.
                String username = context.getPrincipal().getName();
                SecurityProperties.User user = users.get(username)
                        .orElseThrow(() -> new OAuth2AuthenticationException(new OAuth2Error(
                                OAuth2ErrorCodes.INVALID_GRANT, "The signed-in user is no longer configured", null)));
                context.getClaims().claim(FHIR_USER_CLAIM, user.practitioner());
                if (accessToken) {
                    context.getClaims().claims(claims -> {
                        claims.put(Requester.CLIENT_ID_CLAIM, clientId);
                        claims.put(Requester.ROLE_CLAIM, user.role());
                        if (user.organisation() != null && !user.organisation().isBlank()) {
                            claims.put(Requester.ORGANISATION_CLAIM, user.organisation());
                        }
                        claims.put(Requester.PRACTITIONER_CLAIM, user.practitioner());
                        claims.put(
                                Requester.SCOPE_CLAIM,
                                String.join(" ", ConfiguredUsers.scopesFor(user, context.getAuthorizedScopes())));
                        claims.put(
                                ConfiguredClients.FINGERPRINT_CLAIM,
                                configured.fingerprint(clientId).orElseThrow());
                        claims.put(
                                ConfiguredUsers.FINGERPRINT_CLAIM,
                                users.fingerprint(username).orElseThrow());
                    });
                }
                return;
            }
            if (!accessToken) {
                return;
            }
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
     * Sign-ins in progress and refresh tokens, in memory ({@link SignInAuthorizations}); client-credentials grants are
     * not kept, as their tokens are self-contained JWTs that nothing introspects.
     */
    @Bean
    public OAuth2AuthorizationService authorizationService(SecurityProperties properties) {
        return new SignInAuthorizations(properties.authorizationServer().refreshTokenTtl(), 10_000);
    }
}
