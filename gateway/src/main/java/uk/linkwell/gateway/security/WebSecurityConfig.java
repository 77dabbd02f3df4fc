package uk.linkwell.gateway.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.servlet.DispatcherType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.convert.converter.Converter;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtGrantedAuthoritiesConverter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * Every door but the open ones ({@code GET /fhir/metadata}, health, SMART discovery, the web app's files at
 * {@code /app/}) needs a bearer token;
 * {@code /admin/**} needs the admin role. Tokens come from the embedded server or an external provider.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
public class WebSecurityConfig {

    private static final Logger log = LoggerFactory.getLogger(WebSecurityConfig.class);

    @Bean
    @Order(2)
    public SecurityFilterChain gatewayFilterChain(HttpSecurity http, SecurityProperties properties) throws Exception {
        PathPatternRequestMatcher.Builder path = PathPatternRequestMatcher.withDefaults();
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        if (!properties.enabled()) {
            openEveryDoor(properties);
            http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll());
            return http.build();
        }
        AccessDeniedResponses responses = new AccessDeniedResponses();
        http.authorizeHttpRequests(requests -> requests.dispatcherTypeMatchers(DispatcherType.ERROR)
                        .permitAll()
                        .requestMatchers(path.matcher(HttpMethod.GET, "/fhir/metadata"))
                        .permitAll()
                        .requestMatchers(path.matcher("/actuator/health"), path.matcher("/actuator/health/**"))
                        .permitAll()
                        .requestMatchers(
                                path.matcher(HttpMethod.GET, "/.well-known/smart-configuration"),
                                path.matcher(HttpMethod.GET, SmartDiscoveryAtFhirBase.PATH))
                        .permitAll()
                        // The link workers' web app: static files, public like any app's; its data comes from
                        // /fhir with the token the person signs in for.
                        .requestMatchers(path.matcher(HttpMethod.GET, "/app"), path.matcher(HttpMethod.GET, "/app/**"))
                        .permitAll()
                        .requestMatchers(path.matcher("/actuator/prometheus"))
                        .hasAnyAuthority(ClientRole.METRICS.authority(), ClientRole.ADMIN.authority())
                        .requestMatchers(path.matcher("/admin/**"))
                        .hasAuthority(ClientRole.ADMIN.authority())
                        // Case events (POST /socialcare/events) come from councils' case systems and operators.
                        .requestMatchers(path.matcher("/socialcare/**"))
                        .hasAnyAuthority(ClientRole.SOCIAL_CARE_SYSTEM.authority(), ClientRole.ADMIN.authority())
                        .anyRequest()
                        .authenticated())
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .jwt(jwt -> jwt.jwtAuthenticationConverter(WebSecurityConfig::authentication))
                        .authenticationEntryPoint(responses)
                        .accessDeniedHandler(responses))
                .exceptionHandling(e -> e.authenticationEntryPoint(responses).accessDeniedHandler(responses));
        return http.build();
    }

    private static void openEveryDoor(SecurityProperties properties) {
        if (!properties.allowDisabled()) {
            throw new IllegalStateException(
                    "linkwell.security.enabled=false would open every door; it is honoured "
                            + "only with linkwell.security.allow-disabled=true as well (benchmarks and tests, never production)");
        }
        log.error("**********************************************************************************");
        log.error("SECURITY IS OFF: linkwell.security.enabled=false. Every door is open, no token is");
        log.error("checked and no organisation scoping applies. Never run this way with real data.");
        log.error("**********************************************************************************");
    }

    /** Role as an authority ({@code ROLE_admin}) beside Spring's usual {@code SCOPE_...} ones. */
    static AbstractAuthenticationToken authentication(Jwt jwt) {
        Converter<Jwt, java.util.Collection<GrantedAuthority>> scopes = new JwtGrantedAuthoritiesConverter();
        List<GrantedAuthority> authorities = new ArrayList<>(scopes.convert(jwt));
        ClientRole.fromCode(jwt.getClaimAsString(Requester.ROLE_CLAIM))
                .ifPresent(role -> authorities.add(new SimpleGrantedAuthority(role.authority())));
        return new JwtAuthenticationToken(jwt, authorities, jwt.getSubject());
    }

    /**
     * One decoder for both set-ups: the embedded server's key when it runs, otherwise the external provider's
     * keys from {@code issuer-uri} (discovered on first use) or {@code jwk-set-uri}, its claims mapped to
     * Linkwell's names ({@link ProviderClaims}).
     */
    @Bean
    public JwtDecoder jwtDecoder(
            ObjectProvider<JWKSource<SecurityContext>> embeddedKeys,
            ObjectProvider<ConfiguredClients> embeddedClients,
            ObjectProvider<ConfiguredUsers> embeddedUsers,
            SecurityProperties properties,
            @Value("${spring.security.oauth2.resourceserver.jwt.issuer-uri:}") String issuerUri,
            @Value("${spring.security.oauth2.resourceserver.jwt.jwk-set-uri:}") String jwkSetUri) {
        if (properties.authorizationServer().enabled()) {
            DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
            processor.setJWSKeySelector(
                    new JWSVerificationKeySelector<>(new HashSet<>(JWSAlgorithm.Family.RSA), embeddedKeys.getObject()));
            // Spring's validators below check time and claims; Nimbus's own claim checks would duplicate them.
            processor.setJWTClaimsSetVerifier((claims, context) -> {});
            NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
            String issuer = properties.authorizationServer().issuer();
            OAuth2TokenValidator<Jwt> validator = validators(
                    issuer.isBlank() ? null : issuer,
                    properties.clockSkew(),
                    new IssuedClientCheck(embeddedClients.getObject(), embeddedUsers.getObject()));
            decoder.setJwtValidator(validator);
            return remembering(decoder, validator, properties);
        }
        if (!jwkSetUri.isBlank()) {
            NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwkSetUri).build();
            decoder.setClaimSetConverter(new ProviderClaims(properties.externalClaims()));
            OAuth2TokenValidator<Jwt> validator =
                    validators(issuerUri.isBlank() ? null : issuerUri, properties.clockSkew(), null);
            decoder.setJwtValidator(validator);
            return remembering(decoder, validator, properties);
        }
        if (!issuerUri.isBlank()) {
            OAuth2TokenValidator<Jwt> validator = validators(issuerUri, properties.clockSkew(), null);
            return remembering(
                    new SupplierJwtDecoder(() -> {
                        NimbusJwtDecoder decoder =
                                NimbusJwtDecoder.withIssuerLocation(issuerUri).build();
                        decoder.setClaimSetConverter(new ProviderClaims(properties.externalClaims()));
                        decoder.setJwtValidator(validator);
                        return decoder;
                    }),
                    validator,
                    properties);
        }
        if (!properties.enabled()) {
            return token -> {
                throw new org.springframework.security.oauth2.jwt.BadJwtException("Security is off");
            };
        }
        throw new IllegalStateException("linkwell.security.authorization-server.enabled=false needs "
                + "spring.security.oauth2.resourceserver.jwt.issuer-uri or .jwk-set-uri of the identity provider");
    }

    private static JwtDecoder remembering(
            JwtDecoder decoder, OAuth2TokenValidator<Jwt> validator, SecurityProperties properties) {
        SecurityProperties.VerifiedTokenCache cache = properties.verifiedTokenCache();
        return cache.size() <= 0 ? decoder : new VerifiedTokens(decoder, validator, cache.size(), cache.ttl());
    }

    /**
     * What every token must satisfy, on first sight and again on every later use ({@link VerifiedTokens}): its
     * times within {@code clockSkew} (Spring's default would honour an expired token for a minute), the issuer
     * when one is fixed, a Linkwell role, and for the embedded server's tokens, a client still configured as it was
     * when the token was issued. An external provider's tokens cannot be checked against local configuration.
     *
     * @param issuedClients null when an external provider issues the tokens
     */
    static OAuth2TokenValidator<Jwt> validators(String issuer, Duration clockSkew, IssuedClientCheck issuedClients) {
        return validators(issuer, clockSkew, issuedClients, Clock.systemUTC());
    }

    /** As above, against the given clock (tests). */
    static OAuth2TokenValidator<Jwt> validators(
            String issuer, Duration clockSkew, IssuedClientCheck issuedClients, Clock clock) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        JwtTimestampValidator times = new JwtTimestampValidator(clockSkew);
        times.setClock(clock);
        validators.add(times);
        if (issuer != null) {
            validators.add(new JwtIssuerValidator(issuer));
        }
        validators.add(WebSecurityConfig::knownRole);
        if (issuedClients != null) {
            validators.add(issuedClients);
        }
        // Spring's defaults (the certificate-bound token check) with this timestamp validator instead of its own.
        return JwtValidators.createDefaultWithValidators(validators);
    }

    /** A token without a Linkwell role could reach nothing; it is refused as invalid rather than half-admitted. */
    private static OAuth2TokenValidatorResult knownRole(Jwt jwt) {
        if (ClientRole.fromCode(jwt.getClaimAsString(Requester.ROLE_CLAIM)).isPresent()) {
            return OAuth2TokenValidatorResult.success();
        }
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(
                "invalid_token", "The token carries no Linkwell role claim (" + ClientRole.codes() + ")", null));
    }
}
