package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** SMART scopes read as permissions when a client asks for them: narrower forms granted, more refused or cut. */
class ScopeGrantsTest {

    private static final List<String> GP = List.of("system/Patient.crus", "system/CarePlan.rs");
    private static final List<String> APP =
            List.of("openid", "fhirUser", "user/Patient.rs", "user/Goal.cruds", "user/CareTeam.rs");

    @Test
    void aNarrowerFormOfAHeldScopeIsAllowed() {
        assertThat(ScopeGrants.allowed("system/Patient.rs", GP)).isTrue();
        assertThat(ScopeGrants.allowed("system/Patient.c", GP)).isTrue();
        assertThat(ScopeGrants.allowed("system/Patient.read", GP)).isTrue();
        assertThat(ScopeGrants.allowed("system/Patient.crus", GP)).isTrue();
        assertThat(ScopeGrants.allowed("system/*.rs", List.of("system/*.cruds")))
                .isTrue();
    }

    @Test
    void moreThanIsHeldIsNotAllowed() {
        assertThat(ScopeGrants.allowed("system/Patient.d", GP)).isFalse();
        assertThat(ScopeGrants.allowed("system/Patient.cruds", GP)).isFalse();
        assertThat(ScopeGrants.allowed("system/*.rs", GP)).isFalse();
        assertThat(ScopeGrants.allowed("system/Goal.rs", GP)).isFalse();
        // Another context is another permission.
        assertThat(ScopeGrants.allowed("user/Patient.rs", GP)).isFalse();
        // Anything else only letter for letter.
        assertThat(ScopeGrants.allowed("openid", GP)).isFalse();
        assertThat(ScopeGrants.allowed("openid", APP)).isTrue();
    }

    @Test
    void anAppsRequestIsCutToWhatItMayHave() {
        assertThat(ScopeGrants.narrowed(
                        List.of("openid", "offline_access", "user/*.rs", "user/Patient.cruds", "patient/*.rs"), APP))
                .containsExactlyInAnyOrder("openid", "user/Patient.rs", "user/Goal.rs", "user/CareTeam.rs");
        assertThat(ScopeGrants.narrowed(List.of("user/Goal.read"), APP)).containsExactly("user/Goal.rs");
        assertThat(ScopeGrants.narrowed(List.of("user/Observation.rs", "system/*.rs"), APP))
                .isEmpty();
    }

    @Test
    void aScopeCoveredByAnotherGrantedOneIsLeftOut() {
        assertThat(ScopeGrants.narrowed(List.of("user/Goal.rs", "user/Goal.cruds", "user/Goal.r"), APP))
                .containsExactly("user/Goal.cruds");
    }
}
