package uk.linkwell.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * A {@link JwtDecoder} that remembers tokens it has verified. A client sends the same access token with every
 * request for the token's lifetime, and checking its RSA signature again each time cost a few percent of a
 * search. A remembered token is matched by its exact text (so by its signature too) and its times and claims
 * are validated again on every use, so an expired token is refused as before; only the signature check is
 * saved. Tokens that fail are not remembered.
 */
public final class VerifiedTokens implements JwtDecoder {

    private final JwtDecoder delegate;
    private final OAuth2TokenValidator<Jwt> validator;
    private final Cache<String, Jwt> verified;

    /**
     * @param delegate the decoder that verifies signatures and validates
     * @param validator the delegate's validator, run again on every remembered token
     * @param size how many distinct tokens are remembered (0 turns remembering off)
     * @param ttl how long a verified token is remembered at most
     */
    public VerifiedTokens(JwtDecoder delegate, OAuth2TokenValidator<Jwt> validator, long size, Duration ttl) {
        this.delegate = delegate;
        this.validator = validator;
        this.verified =
                Caffeine.newBuilder().maximumSize(size).expireAfterWrite(ttl).build();
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Jwt known = verified.getIfPresent(token);
        if (known == null) {
            Jwt jwt = delegate.decode(token);
            verified.put(token, jwt);
            return jwt;
        }
        OAuth2TokenValidatorResult result = validator.validate(known);
        if (result.hasErrors()) {
            verified.invalidate(token);
            throw new JwtValidationException(
                    "An error occurred while attempting to decode the Jwt: "
                            + result.getErrors().iterator().next().getDescription(),
                    result.getErrors());
        }
        return known;
    }
}
