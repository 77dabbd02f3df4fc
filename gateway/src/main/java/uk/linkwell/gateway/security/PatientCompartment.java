package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.interceptor.auth.CompartmentSearchParameterModifications;
import ca.uhn.fhir.util.FhirTerser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

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
    /** R4's form of a compartment path: {@code CarePlan.subject.where(resolve() is Patient)}. */
    private static final Pattern TYPED_PATH = Pattern.compile("(.+)\\.where\\(resolve\\(\\) is ([A-Za-z]+)\\)");

    private final Set<String> memberTypes;
    private final Set<String> sharedTypes;
    private final CompartmentSearchParameterModifications subjectOnly = new CompartmentSearchParameterModifications();
    /**
     * Per member type, the element paths its patient/subject parameters index ({@code CarePlan.subject}), worked
     * out once; empty for Patient itself.
     */
    private final Map<String, List<String>> subjectPaths = new HashMap<>();

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
        for (String type : members) {
            RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
            List<String> paths = new ArrayList<>();
            for (RuntimeSearchParam param : definition.getSearchParams()) {
                boolean subject = SUBJECT_PARAMS.contains(param.getName())
                        && param.getProvidesMembershipInCompartments() != null
                        && param.getProvidesMembershipInCompartments().contains(NAME);
                if (!subject && !param.getName().equals(ADDED.get(type))) {
                    continue;
                }
                for (String path : param.getPathsSplit()) {
                    Matcher typed = TYPED_PATH.matcher(path.trim());
                    if (!typed.matches()) {
                        paths.add(path.trim());
                    } else if (typed.group(2).equals(NAME)) {
                        paths.add(typed.group(1));
                    }
                }
            }
            subjectPaths.put(type, List.copyOf(paths));
        }
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

    /**
     * The patients a resource belongs to ({@code Patient/<id>}), through its {@code patient}/{@code subject}
     * parameters: HAPI's compartment owners under {@link #subjectOnly()}, except that a reference counts only when
     * it names a Patient. Read straight off the elements those parameters index, where HAPI's
     * {@code getCompartmentOwnersForResource} re-derives the parameters and their paths through streams and a
     * regular expression for every resource (its allocations were two thirds of what authorization added to a
     * search, per JFR).
     */
    List<String> patientsOf(IBaseResource resource, FhirTerser terser) {
        List<String> paths = subjectPaths.get(resource.fhirType());
        if (paths == null || paths.isEmpty()) {
            return List.of();
        }
        List<String> patients = new ArrayList<>(1);
        for (String path : paths) {
            for (IBaseReference reference : terser.getValues(resource, path, IBaseReference.class)) {
                IIdType target = reference.getReferenceElement();
                if (!target.hasIdPart() && reference.getResource() != null) {
                    target = reference.getResource().getIdElement();
                    if (!target.hasResourceType()) {
                        target = target.withResourceType(reference.getResource().fhirType());
                    }
                }
                if (NAME.equals(target.getResourceType()) && target.hasIdPart()) {
                    String patient = NAME + "/" + target.getIdPart();
                    if (!patients.contains(patient)) {
                        patients.add(patient);
                    }
                }
            }
        }
        return patients;
    }

    /**
     * The same membership in HAPI's terms ({@code FhirTerser.getCompartmentOwnersForResource}), which
     * {@link #patientsOf} is held to by its test.
     */
    CompartmentSearchParameterModifications subjectOnly() {
        return subjectOnly;
    }
}
