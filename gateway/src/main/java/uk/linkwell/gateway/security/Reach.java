package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Binary;
import uk.linkwell.gateway.security.SmartScope.Permission;

/**
 * Whether a requester may reach a resource at all, before consent is asked: its role and scopes allow the type,
 * and a record about a person is about someone on its caseload (or is a referral addressed to its team). The
 * first half of the one access decision ({@code consent.AccessDecisions}); the same rules as the HAPI
 * authorization rules {@link CaseloadAuthorizationInterceptor} builds, asked of one resource as it is now.
 */
public final class Reach {

    /**
     * Types about no one person that any client whose scopes name them may read: the directory of who is who and
     * the server's conformance resources. Every other type outside the patient compartment (a stored Bundle, a
     * Subscription, an Endpoint with its headers, the disclosure trail) is for operators unless a rule admits it.
     */
    public static final Set<String> OPEN_TYPES = Set.of(
            "Organization",
            "Practitioner",
            "PractitionerRole",
            "Location",
            "HealthcareService",
            "CapabilityStatement",
            "StructureDefinition",
            "ValueSet",
            "CodeSystem",
            "ConceptMap",
            "NamingSystem",
            "SearchParameter",
            "OperationDefinition",
            "ImplementationGuide",
            "Questionnaire",
            "Measure",
            "Medication",
            "Substance");

    /**
     * Types whose readers are decided by a rule of their own, before this one is asked: a Subscription by its
     * owner ({@link SubscriptionOwnership}), the disclosure trail by its audience ({@link DisclosureTrailAudience}).
     */
    static final Set<String> OWN_RULES = Set.of("Subscription", "AuditEvent");

    private final CaseloadResolver caseloads;
    private final PatientCompartment compartment;
    private final FhirContext fhirContext;

    public Reach(CaseloadResolver caseloads, PatientCompartment compartment, FhirContext fhirContext) {
        this.caseloads = caseloads;
        this.compartment = compartment;
        this.fhirContext = fhirContext;
    }

    /** Whether the requester may read the resource as it is, by role, scope and caseload. */
    public boolean readable(Requester requester, IBaseResource resource) {
        if (requester.role() == ClientRole.ADMIN) {
            return true;
        }
        String type = resource.fhirType();
        if (requester.role() == ClientRole.HOSPITAL
                || requester.role() == ClientRole.METRICS
                || (!requester.isGranted(type, Permission.READ) && !requester.isGranted(type, Permission.SEARCH))) {
            return false;
        }
        if (OPEN_TYPES.contains(type) || OWN_RULES.contains(type)) {
            return true;
        }
        if (resource instanceof Binary binary) {
            // A document's bytes belong to the person its securityContext names; without one, to operators.
            String context = binary.getSecurityContext()
                    .getReferenceElement()
                    .toUnqualifiedVersionless()
                    .getValue();
            return context != null
                    && context.startsWith(PatientCompartment.NAME + "/")
                    && onCaseload(requester, Set.of(context));
        }
        if (!compartment.contains(type)) {
            return false;
        }
        Caseload caseload = caseloads.caseloadOf(requester);
        if (caseload.everyone()) {
            return true;
        }
        Set<String> patients = PatientCompartment.NAME.equals(type)
                ? Set.of(PatientCompartment.NAME + "/" + resource.getIdElement().getIdPart())
                : Set.copyOf(compartment.patientsOf(resource, terser()));
        return onCaseload(requester, patients)
                || new AddressedReferrals(requester.organisation(), caseloads).readable(resource);
    }

    private boolean onCaseload(Requester requester, Set<String> patients) {
        Caseload caseload = caseloads.caseloadOf(requester);
        if (caseload.everyone()) {
            return true;
        }
        for (String patient : patients) {
            if (caseload.references().contains(patient)) {
                return true;
            }
        }
        return false;
    }

    private FhirTerser terser() {
        return fhirContext.newTerser();
    }

    /** Whether the type is about one person (its records are reached through the caseload). */
    public boolean aboutAPerson(String type) {
        return compartment.contains(type) || "Binary".equals(type);
    }
}
