package uk.linkwell.gateway.security;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;

/**
 * Referrals addressed to the requester's organisation: the referral Tasks it owns ({@code Task.owner}) and the
 * ServiceRequests naming it as performer. A receiving team must see and decide these before the person is on its
 * caseload (sharing beyond the referral starts once it is accepted, which opens the case). The organisation's
 * server ids are looked up only when a record outside the caseload is met.
 */
final class AddressedReferrals {

    private final String odsCode;
    private final CaseloadResolver caseloads;

    AddressedReferrals(String odsCode, CaseloadResolver caseloads) {
        this.odsCode = odsCode;
        this.caseloads = caseloads;
    }

    /** A Task the organisation owns, or a ServiceRequest it is asked to perform. */
    boolean readable(IBaseResource resource) {
        if (resource instanceof ServiceRequest request) {
            return request.getPerformer().stream().anyMatch(this::isOurs);
        }
        return writable(resource);
    }

    /** A Task the organisation owns, before and after the update. */
    boolean writable(IBaseResource resource) {
        return resource instanceof Task task && isOurs(task.getOwner());
    }

    private boolean isOurs(Reference reference) {
        if (odsCode == null || reference == null || !reference.hasReference()) {
            return false;
        }
        // Asked each time (the resolver caches it): these rules are reused across requests.
        return caseloads
                .organisationIds(odsCode)
                .contains(new org.hl7.fhir.r4.model.IdType(reference.getReference())
                        .toUnqualifiedVersionless()
                        .getValue());
    }
}
