package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.auth.CompartmentSearchParameterModifications;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleTester;
import ca.uhn.fhir.util.FhirTerser;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Decides whether one resource belongs to a patient on the caseload: its patient references are read once and
 * looked up in a set, where HAPI's compartment rule walks the resource again for every patient on the list
 * (200 patients and a page of 20 made that 4,000 walks per search).
 */
final class CaseloadTester implements IAuthRuleTester {

    private final Set<String> patients;
    private final FhirTerser terser;
    private final CompartmentSearchParameterModifications subjectOnly;

    CaseloadTester(Set<String> patients, FhirContext fhirContext, CompartmentSearchParameterModifications subjectOnly) {
        this.patients = patients;
        this.terser = fhirContext.newTerser();
        this.subjectOnly = subjectOnly;
    }

    @Override
    public boolean matches(RuleTestRequest request) {
        return inCaseload(request.resource);
    }

    @Override
    public boolean matchesOutput(RuleTestRequest request) {
        return inCaseload(request.resource);
    }

    /**
     * Without the resource at hand (a read or search on its way in) the answer waits for the resource itself:
     * HAPI asks again before showing it and before storing it.
     */
    private boolean inCaseload(IBaseResource resource) {
        if (resource == null) {
            return true;
        }
        if (PatientCompartment.NAME.equals(resource.fhirType())) {
            IIdType id = resource.getIdElement();
            return id.hasIdPart() && patients.contains(PatientCompartment.NAME + "/" + id.getIdPart());
        }
        return terser.getCompartmentOwnersForResource(PatientCompartment.NAME, resource, subjectOnly).stream()
                .anyMatch(owner -> patients.contains(PatientCompartment.NAME + "/" + owner.getIdPart()));
    }
}
