package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** The HAPI rules built from a token, checked without a server: role, scopes and caseload together. */
class CaseloadRulesTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private final CaseloadResolver caseloads = mock(CaseloadResolver.class);
    private final CaseloadAuthorizationInterceptor rules =
            new CaseloadAuthorizationInterceptor(caseloads, new PatientCompartment(FHIR), FHIR);

    private ServletRequestDetails request(Requester requester, String resourceName) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServer(new RestfulServer(FHIR));
        request.setResourceName(resourceName);
        request.getUserData().put(FhirRequesters.KEY, requester);
        return request;
    }

    private PolicyEnum decide(
            Requester requester, RestOperationTypeEnum operation, IIdType id, IBaseResource input, Pointcut pointcut) {
        return rules.applyRulesAndReturnDecision(
                        operation, request(requester, id.getResourceType()), input, id, null, pointcut)
                .getDecision();
    }

    /** As HAPI asks just before a resource is shown (read, search result, include, history). */
    private PolicyEnum show(Requester requester, IBaseResource output) {
        return rules.applyRulesAndReturnDecision(
                        RestOperationTypeEnum.SEARCH_TYPE,
                        request(requester, output.fhirType()),
                        null,
                        null,
                        output,
                        Pointcut.STORAGE_PRESHOW_RESOURCES)
                .getDecision();
    }

    @Test
    void adminMayUpdateAnything() {
        Requester admin = new Requester("a", ClientRole.ADMIN, "X", null, Set.of("system/*.cruds"));
        when(caseloads.caseloadOf(admin)).thenReturn(Caseload.EVERYONE);
        Patient p = new Patient();
        p.setId("Patient/1");
        assertThat(decide(
                        admin,
                        RestOperationTypeEnum.UPDATE,
                        new IdType("Patient/1"),
                        null,
                        Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED))
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(decide(
                        admin,
                        RestOperationTypeEnum.UPDATE,
                        new IdType("Patient/1"),
                        p,
                        Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED))
                .isEqualTo(PolicyEnum.ALLOW);
    }

    @Test
    void gpReadsInsideItsListOnly() {
        Requester gp = new Requester("g", ClientRole.GP_SYSTEM, "A1", null, Set.of("system/CarePlan.rs"));
        when(caseloads.caseloadOf(gp)).thenReturn(new Caseload(false, List.of(new IdType("Patient/1"))));
        CarePlan own = new CarePlan().setSubject(new Reference("Patient/1"));
        own.setId("CarePlan/10");
        CarePlan other = new CarePlan().setSubject(new Reference("Patient/2"));
        other.setId("CarePlan/20");
        assertThat(show(gp, own)).isEqualTo(PolicyEnum.ALLOW);
        assertThat(show(gp, other)).isEqualTo(PolicyEnum.DENY);
        // A type its scopes do not name is refused even inside the list.
        org.hl7.fhir.r4.model.Goal goal = new org.hl7.fhir.r4.model.Goal().setSubject(new Reference("Patient/1"));
        goal.setId("Goal/30");
        assertThat(show(gp, goal)).isEqualTo(PolicyEnum.DENY);
    }

    @Test
    void hospitalCreatesForAnyPatientButIsShownNothing() {
        Requester hospital = new Requester("h", ClientRole.HOSPITAL, "RXX", null, Set.of("system/*.cruds"));
        CarePlan plan = new CarePlan().setSubject(new Reference("Patient/2"));
        plan.setId("CarePlan/40");
        assertThat(decide(
                        hospital,
                        RestOperationTypeEnum.CREATE,
                        new IdType("CarePlan/40"),
                        plan,
                        Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED))
                .isEqualTo(PolicyEnum.ALLOW);
        assertThat(show(hospital, plan)).isEqualTo(PolicyEnum.DENY);
    }
}
