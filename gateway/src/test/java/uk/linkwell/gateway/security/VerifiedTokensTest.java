package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import uk.linkwell.gateway.testsupport.TestTokens;

/** Remembered tokens skip the signature check only: expiry is checked on every use, forgeries never hit. */
class VerifiedTokensTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final JWKSource<SecurityContext> keys = TestTokens.strangerKey();
    private final AtomicInteger signatureChecks = new AtomicInteger();
    private final JwtTimestampValidator validator = new JwtTimestampValidator(Duration.ZERO);
    private final VerifiedTokens tokens;

    VerifiedTokensTest() throws Exception {
        validator.setClock(clock);
        RSAKey key = (RSAKey) keys.get(
                        new com.nimbusds.jose.jwk.JWKSelector(new com.nimbusds.jose.jwk.JWKMatcher.Builder().build()),
                        null)
                .get(0);
        NimbusJwtDecoder nimbus =
                NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey()).build();
        nimbus.setJwtValidator(validator);
        JwtDecoder counting = token -> {
            signatureChecks.incrementAndGet();
            return nimbus.decode(token);
        };
        tokens = new VerifiedTokens(counting, validator, 100, Duration.ofMinutes(10));
    }

    private String token(Duration lifetime) {
        return TestTokens.mint(
                keys,
                TestTokens.Claims.of("gp-system", "A81001", "system/CarePlan.rs")
                        .issuedAt(now.get(), lifetime));
    }

    @Test
    void aTokenSeenBeforeIsNotVerifiedAgain() {
        String token = token(Duration.ofMinutes(5));
        Jwt first = tokens.decode(token);
        Jwt second = tokens.decode(token);
        assertThat(second.getClaimAsString("org")).isEqualTo("A81001");
        assertThat(second).isSameAs(first);
        assertThat(signatureChecks).hasValue(1);
    }

    @Test
    void aRememberedTokenIsRefusedOnceExpired() {
        String token = token(Duration.ofMinutes(5));
        tokens.decode(token);
        now.set(now.get().plus(Duration.ofMinutes(6)));
        assertThatThrownBy(() -> tokens.decode(token))
                .isInstanceOf(JwtValidationException.class)
                .hasMessageContaining("expired");
        // Forgotten: a later attempt goes through the full check again (and fails there too).
        assertThatThrownBy(() -> tokens.decode(token)).isInstanceOf(JwtValidationException.class);
        assertThat(signatureChecks).hasValue(2);
    }

    @Test
    void aRememberedTokenMeetsTheGatewaysOwnValidatorsOnEveryUseWithThirtySecondsOfSkewAtMost() throws Exception {
        // The validators the gateway's decoders use, on this test's clock.
        var gateway = WebSecurityConfig.validators(
                null,
                Duration.ofSeconds(30),
                new IssuedClientCheck(new ConfiguredClients(java.util.Map.of(), false)),
                clock);
        RSAKey key = (RSAKey) keys.get(
                        new com.nimbusds.jose.jwk.JWKSelector(new com.nimbusds.jose.jwk.JWKMatcher.Builder().build()),
                        null)
                .get(0);
        NimbusJwtDecoder nimbus =
                NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey()).build();
        nimbus.setJwtValidator(gateway);
        VerifiedTokens remembering = new VerifiedTokens(nimbus, gateway, 100, Duration.ofMinutes(10));

        String token = token(Duration.ofMinutes(5));
        remembering.decode(token);
        Instant expiry = remembering.decode(token).getExpiresAt();
        now.set(expiry.plusSeconds(29));
        assertThat(remembering.decode(token).getClaimAsString("org")).isEqualTo("A81001");
        now.set(expiry.plusSeconds(31));
        assertThatThrownBy(() -> remembering.decode(token))
                .isInstanceOf(JwtValidationException.class)
                .hasMessageContaining("expired");
        // Not before its nbf either, beyond the same skew.
        String early = TestTokens.mint(
                keys,
                TestTokens.Claims.of("gp-system", "A81001", "system/CarePlan.rs")
                        .issuedAt(now.get().plusSeconds(31), Duration.ofMinutes(5)));
        assertThatThrownBy(() -> remembering.decode(early)).isInstanceOf(JwtValidationException.class);
    }

    @Test
    void aTamperedTokenNeverMatchesARememberedOne() {
        String token = token(Duration.ofMinutes(5));
        tokens.decode(token);
        String[] parts = token.split("\\.");
        String otherPayload = TestTokens.mint(
                        keys,
                        TestTokens.Claims.of("admin", "X26", "system/*.cruds")
                                .issuedAt(now.get(), Duration.ofMinutes(5)))
                .split("\\.")[1];
        String forged = parts[0] + "." + otherPayload + "." + parts[2];
        assertThatThrownBy(() -> tokens.decode(forged)).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> tokens.decode(forged)).isInstanceOf(BadJwtException.class);
        assertThat(signatureChecks).hasValue(3);
    }
}
