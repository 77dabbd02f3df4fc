package uk.linkwell.gateway.security;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;

/**
 * The patients a requester may see before consent is considered: everyone (admin) or a list (a practice's
 * registered patients, a link worker's caseload, a local authority's cases), possibly empty. Resolved caseloads
 * are cached and asked on every request, so the forms the checks want are worked out once, here.
 */
public final class Caseload {

    /** A Patient id nobody holds: what an empty caseload narrows searches to, so they find nothing. */
    public static final IIdType NOBODY = new IdType("Patient", "linkwell-empty-caseload");

    /** Declared after NOBODY, which its construction uses. */
    public static final Caseload EVERYONE = new Caseload(true, List.of());

    private final boolean everyone;
    private final List<IIdType> patients;
    private final String[] patientReferences;
    private final Set<String> references;

    /** @param patients unqualified versionless Patient ids; meaningless when {@code everyone} */
    public Caseload(boolean everyone, List<IIdType> patients) {
        this.everyone = everyone;
        this.patients = List.copyOf(patients);
        this.patientReferences =
                patientsOrNobody().stream().map(IIdType::getValue).toArray(String[]::new);
        this.references = Set.copyOf(Arrays.asList(patientReferences));
    }

    public static Caseload of(Set<IIdType> patients) {
        return new Caseload(false, List.copyOf(patients));
    }

    public boolean everyone() {
        return everyone;
    }

    public List<IIdType> patients() {
        return patients;
    }

    /** The caseload's patients, or {@link #NOBODY} when there are none. */
    public List<IIdType> patientsOrNobody() {
        return patients.isEmpty() ? List.of(NOBODY) : patients;
    }

    /** {@code Patient/123} strings for fast membership checks; never empty (see {@link #patientsOrNobody()}). */
    public Set<String> references() {
        return references;
    }

    /** {@code Patient/123} strings, as HAPI's search narrowing wants them (a copy: callers may keep it). */
    public String[] patientReferences() {
        return patientReferences.clone();
    }
}
