package uk.linkwell.gateway.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Narrows every search to the requester's {@link Caseload} (HAPI adds {@code patient=...} or {@code _id=...}
 * to the query), so the database returns only reachable records and paging and totals stay right. Task, which
 * HAPI does not narrow (it is outside FHIR's Patient compartment), is narrowed here through its {@code patient}.
 */
public class CaseloadSearchNarrowing extends SearchNarrowingInterceptor {

    private final CaseloadResolver caseloads;

    public CaseloadSearchNarrowing(CaseloadResolver caseloads) {
        this.caseloads = caseloads;
    }

    @Override
    protected AuthorizedList buildAuthorizedList(RequestDetails request) {
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isEmpty()) {
            return new AuthorizedList().addCompartment(Caseload.NOBODY.getValue());
        }
        if (requester.get().role() == ClientRole.HOSPITAL) {
            // Hospitals cannot search at all (SmartScopeInterceptor); nothing to narrow.
            return null;
        }
        Caseload caseload = caseloads.caseloadOf(requester.get());
        if (caseload.everyone()) {
            return null;
        }
        return new AuthorizedList().addCompartments(caseload.patientReferences());
    }

    /**
     * Adds the caseload to a Task search as one more {@code patient} clause: repeated parameters are ANDed, so
     * a client's own {@code patient=} is intersected with the caseload rather than replaced.
     */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void narrowTaskSearch(RequestDetails request) {
        if (request.getRestOperationType() != RestOperationTypeEnum.SEARCH_TYPE
                || !PatientCompartment.ADDED.containsKey(request.getResourceName())) {
            return;
        }
        Optional<Requester> requester = FhirRequesters.of(request);
        String[] reachable;
        if (requester.isEmpty()) {
            reachable = new String[] {Caseload.NOBODY.getValue()};
        } else if (requester.get().role() == ClientRole.HOSPITAL) {
            return;
        } else {
            Caseload caseload = caseloads.caseloadOf(requester.get());
            if (caseload.everyone()) {
                return;
            }
            reachable = caseload.patientReferences();
        }
        String parameter = PatientCompartment.ADDED.get(request.getResourceName());
        Map<String, String[]> parameters = new LinkedHashMap<>(request.getParameters());
        String[] clauses = parameters.getOrDefault(parameter, new String[0]);
        String[] narrowed = Arrays.copyOf(clauses, clauses.length + 1);
        narrowed[clauses.length] = String.join(",", reachable);
        parameters.put(parameter, narrowed);
        request.setParameters(parameters);
    }
}
