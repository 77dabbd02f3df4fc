package uk.linkwell.gateway.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which of the scopes a client asks for it may be granted, reading SMART resource scopes as permissions rather than
 * opaque strings: a client allowed {@code system/Patient.crus} may ask for {@code system/Patient.rs}. Other scopes
 * ({@code openid}, {@code fhirUser}, {@code offline_access}) are granted only as configured, letter for letter.
 */
final class ScopeGrants {

    private ScopeGrants() {}

    /** Whether the requested scope is one of the allowed ones or a narrower form of one. */
    static boolean allowed(String requested, Collection<String> allowed) {
        if (allowed.contains(requested)) {
            return true;
        }
        Optional<SmartScope> scope = SmartScope.parse(requested);
        return scope.isPresent() && smart(allowed).stream().anyMatch(a -> a.covers(scope.get()));
    }

    /**
     * What an app may have of what it asked for (the SMART App Launch server "may grant fewer scopes"): each
     * requested scope cut to what the allowed ones grant ({@code user/*.rs} asked by an app allowed
     * {@code user/Goal.cruds} and {@code user/Patient.rs} becomes {@code user/Goal.rs user/Patient.rs}), anything
     * else kept only if allowed as it is. A scope that another granted one covers is left out.
     */
    static Set<String> narrowed(Collection<String> requested, Collection<String> allowed) {
        List<SmartScope> allowedSmart = smart(allowed);
        Set<String> plain = new LinkedHashSet<>();
        List<SmartScope> granted = new ArrayList<>();
        for (String scope : requested) {
            Optional<SmartScope> asked = SmartScope.parse(scope);
            if (asked.isEmpty()) {
                if (allowed.contains(scope)) {
                    plain.add(scope);
                }
                continue;
            }
            for (SmartScope permitted : allowedSmart) {
                asked.get().intersect(permitted).ifPresent(granted::add);
            }
        }
        Set<String> result = new LinkedHashSet<>(plain);
        for (SmartScope scope : granted) {
            boolean coveredByAnother = granted.stream()
                    .anyMatch(other -> other != scope
                            && other.covers(scope)
                            && (!scope.covers(other) || granted.indexOf(other) < granted.indexOf(scope)));
            if (!coveredByAnother) {
                result.add(scope.toString());
            }
        }
        return result;
    }

    private static List<SmartScope> smart(Collection<String> scopes) {
        return scopes.stream().map(SmartScope::parse).flatMap(Optional::stream).toList();
    }
}
