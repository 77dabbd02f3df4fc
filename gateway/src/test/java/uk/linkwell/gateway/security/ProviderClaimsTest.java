package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An external provider's claim shapes, read as Linkwell's {@code role}, {@code org} and {@code practitioner}. */
class ProviderClaimsTest {

    private static final SecurityProperties.ExternalClaims DEFAULTS =
            new SecurityProperties.ExternalClaims("role", "org", "practitioner");
    private static final SecurityProperties.ExternalClaims KEYCLOAK =
            new SecurityProperties.ExternalClaims("realm_access.roles", "organisation", "practitioner_id");

    private static Map<String, Object> convert(SecurityProperties.ExternalClaims names, Map<String, Object> claims) {
        Map<String, Object> withTimes = new HashMap<>(claims);
        withTimes.put("sub", "person-1");
        withTimes.put("exp", 1_900_000_000L);
        return new ProviderClaims(names).convert(withTimes);
    }

    @Test
    void keycloakStyleRolesTakeTheFirstKnownLinkwellRole() {
        Map<String, Object> out = convert(
                KEYCLOAK,
                Map.of(
                        "realm_access", Map.of("roles", List.of("offline_access", "link-worker-app", "admin")),
                        "organisation", "Y90001",
                        "practitioner_id", "lw-7"));
        assertThat(out)
                .containsEntry("role", "link-worker-app")
                .containsEntry("org", "Y90001")
                .containsEntry("practitioner", "Practitioner/lw-7");
        // The standard conversions still apply: exp becomes an Instant.
        assertThat(out.get("exp")).isEqualTo(Instant.ofEpochSecond(1_900_000_000L));
    }

    @Test
    void aRoleListWithoutAKnownRoleLeavesNoRoleEvenIfTheProviderSentOneUnderLinkwellsName() {
        Map<String, Object> out = convert(
                KEYCLOAK,
                Map.of(
                        "realm_access",
                        Map.of("roles", List.of("offline_access", "uma_authorization")),
                        "role",
                        "admin"));
        assertThat(out).doesNotContainKey("role");
    }

    @Test
    void anUnknownRoleStringIsDropped() {
        assertThat(convert(DEFAULTS, Map.of("role", "superuser"))).doesNotContainKey("role");
        assertThat(convert(DEFAULTS, Map.of("role", "gp-system"))).containsEntry("role", "gp-system");
    }

    @Test
    void aClaimNameContainingDotsIsReadAsANameBeforeAPath() {
        SecurityProperties.ExternalClaims names =
                new SecurityProperties.ExternalClaims("https://linkwell.example/role", "org", "practitioner");
        assertThat(convert(names, Map.of("https://linkwell.example/role", "admin")))
                .containsEntry("role", "admin");
    }

    @Test
    void fhirUserNamesThePractitionerWhenTheConfiguredClaimIsAbsent() {
        assertThat(convert(DEFAULTS, Map.of("role", "link-worker-app", "fhirUser", "Practitioner/abc")))
                .containsEntry("practitioner", "Practitioner/abc");
        assertThat(convert(
                        DEFAULTS,
                        Map.of(
                                "role",
                                "link-worker-app",
                                "fhirUser",
                                "https://linkwell.example/fhir/Practitioner/x-9")))
                .containsEntry("practitioner", "Practitioner/x-9");
    }

    @Test
    void theConfiguredClaimOutranksFhirUser() {
        assertThat(convert(DEFAULTS, Map.of("practitioner", "Practitioner/one", "fhirUser", "Practitioner/two")))
                .containsEntry("practitioner", "Practitioner/one");
    }

    @Test
    void aFhirUserThatIsNotAPractitionerNamesNone() {
        assertThat(convert(DEFAULTS, Map.of("role", "link-worker-app", "fhirUser", "Patient/p1")))
                .doesNotContainKey("practitioner");
        assertThat(convert(DEFAULTS, Map.of("fhirUser", "https://x.example/fhir/Practitioner/a/_history/2")))
                .doesNotContainKey("practitioner");
    }

    @Test
    void anOrganisationGivenAsAListTakesItsFirstEntry() {
        assertThat(convert(DEFAULTS, Map.of("org", List.of("Y90002", "Y90003"))))
                .containsEntry("org", "Y90002");
    }

    @Test
    void nothingMappedNothingAdded() {
        Map<String, Object> out = convert(DEFAULTS, Map.of("scope", "system/Patient.rs"));
        assertThat(out).doesNotContainKeys("role", "org", "practitioner").containsEntry("sub", "person-1");
    }
}
