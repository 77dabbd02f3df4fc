package uk.linkwell.gateway.fhir;

import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import uk.linkwell.profiles.LinkwellProfiles;

/** Settings of profile validation on write, under {@code linkwell.validation}. */
@ConfigurationProperties(prefix = "linkwell.validation")
public record ValidationProperties(
        /* Validate writes at all (turn off only to measure its cost). */
        Boolean enabled,
        /* Resource types held to their Linkwell profile even when they claim none. */
        List<String> profiledTypes) {

    public ValidationProperties {
        enabled = enabled == null || enabled;
        profiledTypes = profiledTypes == null
                ? List.copyOf(new java.util.TreeSet<>(LinkwellProfiles.DEFAULT_PROFILES.keySet()))
                : List.copyOf(profiledTypes);
    }

    Set<String> profiledTypeSet() {
        return Set.copyOf(profiledTypes);
    }
}
