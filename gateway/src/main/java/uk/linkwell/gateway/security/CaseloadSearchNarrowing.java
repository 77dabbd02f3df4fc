package uk.linkwell.gateway.security;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizedList;
import ca.uhn.fhir.rest.server.interceptor.auth.SearchNarrowingInterceptor;
import java.util.Optional;

/**
 * Narrows every search to the requester's {@link Caseload} (HAPI adds {@code patient=...} or {@code _id=...}
 * to the query), so the database returns only reachable records and paging and totals stay right.
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
}
