package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.security.SmartScope.Permission;

/** SMART scope strings as clients send them, v2 and v1, and the ones Linkwell ignores. */
class SmartScopeTest {

    @Test
    void v2LettersGrantExactlyTheirInteractions() {
        SmartScope scope = SmartScope.parse("system/CarePlan.rs").orElseThrow();
        assertThat(scope.resourceType()).isEqualTo("CarePlan");
        assertThat(scope.permissions()).containsExactlyInAnyOrder(Permission.READ, Permission.SEARCH);
        assertThat(scope.appliesTo("CarePlan")).isTrue();
        assertThat(scope.appliesTo("Goal")).isFalse();
        assertThat(SmartScope.parse("user/Goal.cruds").orElseThrow().permissions())
                .containsExactlyInAnyOrder(Permission.values());
        assertThat(SmartScope.parse("system/ServiceRequest.c").orElseThrow().permissions())
                .containsExactly(Permission.CREATE);
    }

    @Test
    void wildcardTypeAppliesToEveryType() {
        SmartScope scope = SmartScope.parse("system/*.rs").orElseThrow();
        assertThat(scope.appliesTo("Patient")).isTrue();
        assertThat(scope.appliesTo("Organization")).isTrue();
        assertThat(scope.grants(Permission.CREATE)).isFalse();
    }

    @Test
    void v1SuffixesAreUnderstood() {
        assertThat(SmartScope.parse("system/Goal.read").orElseThrow().permissions())
                .containsExactlyInAnyOrder(Permission.READ, Permission.SEARCH);
        assertThat(SmartScope.parse("user/Goal.write").orElseThrow().permissions())
                .containsExactlyInAnyOrder(Permission.CREATE, Permission.UPDATE, Permission.DELETE);
        assertThat(SmartScope.parse("system/*.*").orElseThrow().permissions()).hasSize(5);
    }

    @Test
    void malformedAndPatientContextScopesAreIgnored() {
        for (String ignored : new String[] {
            "openid",
            "launch",
            "patient/CarePlan.rs",
            "system/CarePlan.sr",
            "system/CarePlan.rr",
            "system/CarePlan.x",
            "system/.rs",
            "system/carePlan.rs",
            "system/CarePlan."
        }) {
            assertThat(SmartScope.parse(ignored)).as(ignored).isEmpty();
        }
    }

    @Test
    void aRequesterIsGrantedWhatAnyOfItsScopesGrants() {
        Requester requester = new Requester(
                "c", ClientRole.GP_SYSTEM, "A1", null, Set.of("system/CarePlan.r", "system/CarePlan.s", "openid"));
        assertThat(requester.isGranted("CarePlan", Permission.SEARCH)).isTrue();
        assertThat(requester.isGranted("CarePlan", Permission.UPDATE)).isFalse();
        assertThat(requester.isGranted("Goal", Permission.READ)).isFalse();
        assertThat(new Requester("c", ClientRole.LINK_WORKER_APP, "A1", "123", Set.of()).practitioner())
                .isEqualTo("Practitioner/123");
    }

    @Test
    void aScopeCoversItsNarrowerForms() {
        SmartScope crus = SmartScope.parse("system/Patient.crus").orElseThrow();
        assertThat(crus.covers(SmartScope.parse("system/Patient.rs").orElseThrow()))
                .isTrue();
        assertThat(crus.covers(crus)).isTrue();
        assertThat(crus.covers(SmartScope.parse("system/Patient.d").orElseThrow()))
                .isFalse();
        assertThat(crus.covers(SmartScope.parse("system/Goal.r").orElseThrow())).isFalse();
        assertThat(crus.covers(SmartScope.parse("user/Patient.r").orElseThrow()))
                .isFalse();
        assertThat(SmartScope.parse("user/*.rs")
                        .orElseThrow()
                        .covers(SmartScope.parse("user/Goal.s").orElseThrow()))
                .isTrue();
        assertThat(SmartScope.parse("user/Goal.rs")
                        .orElseThrow()
                        .covers(SmartScope.parse("user/*.r").orElseThrow()))
                .isFalse();
    }

    @Test
    void theIntersectionOfTwoScopesIsWhatBothGrant() {
        SmartScope any = SmartScope.parse("user/*.rs").orElseThrow();
        assertThat(any.intersect(SmartScope.parse("user/Goal.cruds").orElseThrow())
                        .map(SmartScope::toString))
                .contains("user/Goal.rs");
        assertThat(SmartScope.parse("user/Goal.cruds")
                        .orElseThrow()
                        .intersect(any)
                        .map(SmartScope::toString))
                .contains("user/Goal.rs");
        assertThat(any.intersect(SmartScope.parse("user/Goal.cud").orElseThrow()))
                .isEmpty();
        assertThat(any.intersect(SmartScope.parse("system/Goal.rs").orElseThrow()))
                .isEmpty();
        assertThat(SmartScope.parse("user/Goal.rs")
                        .orElseThrow()
                        .intersect(SmartScope.parse("user/CarePlan.rs").orElseThrow()))
                .isEmpty();
    }
}
