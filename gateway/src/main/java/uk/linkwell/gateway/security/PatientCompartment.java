package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.auth.CompartmentSearchParameterModifications;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which resource types belong to a patient, and through which search parameter. FHIR's Patient compartment
 * also counts performers, authors and linked patients as members ({@code ServiceRequest.performer},
 * {@code Patient.link}); Linkwell counts only the person the record is about ({@code patient} / {@code subject}),
 * so naming practice A's patient as performer does not open practice B's patient's record. Task, outside the R4
 * compartment, belongs to the patient it is {@code for}: its reads are checked like the others', and its searches
 * are narrowed by {@link CaseloadSearchNarrowing} through {@code patient}, as HAPI does not narrow them.
 */
public final class PatientCompartment {

    static final String NAME = "Patient";
    private static final Set<String> SUBJECT_PARAMS = Set.of("patient", "subject");
    /** Types outside FHIR's Patient compartment that Linkwell holds per patient, with their patient parameter. */
    static final Map<String, String> ADDED = Map.of("Task", "patient");

    private final Set<String> memberTypes;
    private final Set<String> sharedTypes;
    private final CompartmentSearchParameterModifications subjectOnly = new CompartmentSearchParameterModifications();

    public PatientCompartment(FhirContext fhirContext) {
        Set<String> members = new TreeSet<>(ADDED.keySet());
        Set<String> shared = new TreeSet<>();
        for (String type : fhirContext.getResourceTypes()) {
            RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
            boolean member = type.equals(NAME) || members.contains(type);
            for (RuntimeSearchParam param : definition.getSearchParams()) {
                if (param.getProvidesMembershipInCompartments() != null
                        && param.getProvidesMembershipInCompartments().contains(NAME)) {
                    member = true;
                    if (!SUBJECT_PARAMS.contains(param.getName())) {
                        subjectOnly.addSPToOmitFromCompartment(type, param.getName());
                    }
                }
            }
            (member ? members : shared).add(type);
        }
        ADDED.forEach(subjectOnly::addSPToIncludeInCompartment);
        this.memberTypes = Set.copyOf(members);
        this.sharedTypes = Set.copyOf(shared);
    }

    public boolean contains(String type) {
        return memberTypes.contains(type);
    }

    /** Organizations, Practitioners, Questionnaires, conformance resources: not about any one patient. */
    public Set<String> sharedTypes() {
        return sharedTypes;
    }

    /** For HAPI's compartment rules: membership through {@code patient}/{@code subject} only. */
    CompartmentSearchParameterModifications subjectOnly() {
        return subjectOnly;
    }
}
