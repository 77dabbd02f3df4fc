package uk.linkwell.gateway.security;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;

/**
 * The patients a requester may see before consent is considered: everyone (admin) or a list (a practice's
 * registered patients, a link worker's caseload, a local authority's cases), possibly empty.
 *
 * @param patients unqualified versionless Patient ids; meaningless when {@code everyone}
 */
public record Caseload(boolean everyone, List<IIdType> patients) {

    public static final Caseload EVERYONE = new Caseload(true, List.of());

    public Caseload {
        patients = List.copyOf(patients);
    }

    public static Caseload of(Set<IIdType> patients) {
        return new Caseload(false, List.copyOf(patients));
    }

    /** A Patient id nobody holds: what an empty caseload narrows searches to, so they find nothing. */
    public static final IIdType NOBODY = new IdType("Patient", "linkwell-empty-caseload");

    /** The caseload's patients, or {@link #NOBODY} when there are none. */
    public List<IIdType> patientsOrNobody() {
        return patients.isEmpty() ? List.of(NOBODY) : patients;
    }

    /** {@code Patient/123} strings for fast membership checks; never empty (see {@link #patientsOrNobody()}). */
    public Set<String> references() {
        return Set.copyOf(Arrays.asList(patientReferences()));
    }

    /** {@code Patient/123} strings, as HAPI's search narrowing wants them. */
    public String[] patientReferences() {
        return patientsOrNobody().stream().map(IIdType::getValue).toArray(String[]::new);
    }
}
