package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;

/** A resource's patients as the caseload rules read them, held to HAPI's own compartment walk. */
class PatientCompartmentTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private final PatientCompartment compartment = new PatientCompartment(FHIR);
    private final FhirTerser terser = FHIR.newTerser();

    private List<String> hapi(IBaseResource resource) {
        return terser
                .getCompartmentOwnersForResource(PatientCompartment.NAME, resource, compartment.subjectOnly())
                .stream()
                .filter(id -> PatientCompartment.NAME.equals(id.getResourceType()))
                .map(id -> PatientCompartment.NAME + "/" + id.getIdPart())
                .toList();
    }

    @Test
    void readsTheSamePatientsAsHapisCompartmentWalk() {
        Patient resolved = new Patient();
        resolved.setId("Patient/7");
        List<IBaseResource> resources = List.of(
                new CarePlan().setSubject(new Reference("Patient/1")),
                new CarePlan().setSubject(new Reference("Group/1")),
                new Goal().setSubject(new Reference("Patient/2")),
                new ServiceRequest().setSubject(new Reference("Patient/3")).addPerformer(new Reference("Patient/99")),
                new Task().setFor(new Reference("Patient/4")).setOwner(new Reference("Organization/1")),
                new Condition().setSubject(new Reference("Patient/5")).setAsserter(new Reference("Patient/98")),
                new Observation().setSubject(new Reference("Patient/6")).addPerformer(new Reference("Patient/97")),
                new Observation().setSubject(new Reference(resolved)),
                new EpisodeOfCare().setPatient(new Reference("http://elsewhere.example/fhir/Patient/8")),
                new Consent().setPatient(new Reference("Patient/9/_history/2")),
                new AllergyIntolerance().setPatient(new Reference("Patient/10")),
                new Provenance()
                        .addTarget(new Reference("Patient/11"))
                        .addTarget(new Reference("CarePlan/1"))
                        .addTarget(new Reference("Patient/11")),
                new AuditEvent()
                        .addEntity(new AuditEvent.AuditEventEntityComponent().setWhat(new Reference("Patient/12"))),
                new CarePlan(),
                new Organization().setName("not about a patient"));
        for (IBaseResource resource : resources) {
            assertThat(compartment.patientsOf(resource, terser))
                    .as(resource.fhirType())
                    .isEqualTo(hapi(resource));
        }
        // Spot checks, so the comparison cannot pass on two empty lists.
        assertThat(compartment.patientsOf(resources.get(0), terser)).containsExactly("Patient/1");
        assertThat(compartment.patientsOf(resources.get(3), terser)).containsExactly("Patient/3");
        assertThat(compartment.patientsOf(resources.get(4), terser)).containsExactly("Patient/4");
        assertThat(compartment.patientsOf(resources.get(7), terser)).containsExactly("Patient/7");
        assertThat(compartment.patientsOf(resources.get(11), terser)).containsExactly("Patient/11");
        assertThat(compartment.patientsOf(resources.get(1), terser)).isEmpty();
    }
}
