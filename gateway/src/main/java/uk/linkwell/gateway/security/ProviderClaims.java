package uk.linkwell.gateway.security;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;

/**
 * Copies an external OpenID Connect provider's claims into Linkwell's {@code role}, {@code org} and
 * {@code practitioner}, as configured under {@code linkwell.security.external-claims}. Set on the decoder only when
 * the embedded authorization server is off: a provider names its claims its own way (Keycloak puts roles in
 * {@code realm_access.roles}), and asking it to mint Linkwell's names is often impossible.
 */
public final class ProviderClaims implements Converter<Map<String, Object>, Map<String, Object>> {

    /** SMART's claim naming the signed-in user's FHIR resource; the practitioner when no other claim names one. */
    static final String FHIR_USER_CLAIM = "fhirUser";

    private static final Pattern PRACTITIONER = Pattern.compile("(?:^|/)(Practitioner/[A-Za-z0-9\\-.]{1,64})$");
    private static final Pattern BARE_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private final Converter<Map<String, Object>, Map<String, Object>> standard =
            MappedJwtClaimSetConverter.withDefaults(Map.of());
    private final SecurityProperties.ExternalClaims names;

    public ProviderClaims(SecurityProperties.ExternalClaims names) {
        this.names = names;
    }

    @Override
    public Map<String, Object> convert(Map<String, Object> claims) {
        Map<String, Object> converted = new HashMap<>(standard.convert(claims));
        put(converted, Requester.ROLE_CLAIM, role(claims));
        put(converted, Requester.ORGANISATION_CLAIM, firstString(claim(claims, names.org())));
        put(
                converted,
                Requester.PRACTITIONER_CLAIM,
                practitioner(claim(claims, names.practitioner()))
                        .or(() -> practitioner(claims.get(FHIR_USER_CLAIM)))
                        .orElse(null));
        return converted;
    }

    /** The claim's value if it is a known role code, or the first known code in a list; otherwise none. */
    private Optional<String> roleValue(Object value) {
        if (value instanceof String s) {
            return ClientRole.fromCode(s.trim()).map(ClientRole::code);
        }
        if (value instanceof Collection<?> c) {
            return c.stream()
                    .map(v -> ClientRole.fromCode(String.valueOf(v).trim()))
                    .flatMap(Optional::stream)
                    .map(ClientRole::code)
                    .findFirst();
        }
        return Optional.empty();
    }

    private String role(Map<String, Object> claims) {
        return roleValue(claim(claims, names.role())).orElse(null);
    }

    /**
     * {@code Practitioner/<id>} from a reference, a full URL ending in one, or a bare id; a reference to another
     * type (a patient signed in through SMART) names no practitioner.
     */
    static Optional<String> practitioner(Object value) {
        String s = firstString(value);
        if (s == null) {
            return Optional.empty();
        }
        Matcher m = PRACTITIONER.matcher(s);
        if (m.find()) {
            return Optional.of(m.group(1));
        }
        return BARE_ID.matcher(s).matches() ? Optional.of("Practitioner/" + s) : Optional.empty();
    }

    /**
     * A claim by name, or by a dotted path into nested objects ({@code realm_access.roles}); a name that itself
     * contains dots is tried first.
     */
    static Object claim(Map<String, Object> claims, String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        if (claims.containsKey(name)) {
            return claims.get(name);
        }
        Object current = claims;
        for (String part : name.split("\\.")) {
            if (!(current instanceof Map<?, ?> map)) {
                return null;
            }
            current = map.get(part);
        }
        return current;
    }

    private static String firstString(Object value) {
        if (value instanceof String s && !s.isBlank()) {
            return s.trim();
        }
        if (value instanceof List<?> list) {
            return list.stream()
                    .filter(v -> v instanceof String s && !s.isBlank())
                    .map(v -> ((String) v).trim())
                    .findFirst()
                    .orElse(null);
        }
        return null;
    }

    /** Linkwell's claim is the mapped value or absent: a provider's own claim of that name is not trusted as is. */
    private static void put(Map<String, Object> claims, String name, Object value) {
        if (value == null) {
            claims.remove(name);
        } else {
            claims.put(name, value);
        }
    }
}
