package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleTester;
import ca.uhn.fhir.util.FhirTerser;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Decides whether one resource belongs to a patient on the caseload: its patient references are read once
 * ({@link PatientCompartment#patientsOf}) and looked up in a set, where HAPI's compartment rule walks the resource
 * again for every patient on the list (200 patients and a page of 20 made that 4,000 walks per search).
 */
final class CaseloadTester implements IAuthRuleTester {

    private final Set<String> patients;
    private final FhirTerser terser;
    private final PatientCompartment compartment;
    /** Records outside the caseload this requester may still reach (referrals addressed to its team); may be null. */
    private final java.util.function.Predicate<IBaseResource> alsoAllowed;

    CaseloadTester(Set<String> patients, FhirContext fhirContext, PatientCompartment compartment) {
        this(patients, fhirContext.newTerser(), compartment, null);
    }

    private CaseloadTester(
            Set<String> patients,
            FhirTerser terser,
            PatientCompartment compartment,
            java.util.function.Predicate<IBaseResource> alsoAllowed) {
        this.patients = patients;
        this.terser = terser;
        this.compartment = compartment;
        this.alsoAllowed = alsoAllowed;
    }

    /** This tester, also matching what {@code extra} allows (asked only for resources outside the caseload). */
    CaseloadTester orAlso(java.util.function.Predicate<IBaseResource> extra) {
        return new CaseloadTester(patients, terser, compartment, extra);
    }

    @Override
    public boolean matches(RuleTestRequest request) {
        return inCaseload(request.resource) || alsoAllowed(request.resource);
    }

    @Override
    public boolean matchesOutput(RuleTestRequest request) {
        return inCaseload(request.resource) || alsoAllowed(request.resource);
    }

    private boolean alsoAllowed(IBaseResource resource) {
        return alsoAllowed != null && resource != null && alsoAllowed.test(resource);
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
        for (String patient : compartment.patientsOf(resource, terser)) {
            if (patients.contains(patient)) {
                return true;
            }
        }
        return false;
    }
}
