package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static uk.linkwell.gateway.hapi.SeamFixtures.store;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.param.ReferenceParam;
import jakarta.persistence.EntityManagerFactory;
import java.util.List;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.PlatformTransactionManager;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * Contract of {@link RegisteredPatients} on HAPI's storage: it answers what HAPI's own search
 * {@code Patient?general-practitioner=Organization/<id>} answers (deleted patients and those who moved practice
 * left out), up to its limit.
 */
class RegisteredPatientsContractTest extends GatewayIntegrationTest {

    @Autowired
    DaoRegistry daos;

    @Autowired
    EntityManagerFactory entityManagerFactory;

    @Autowired
    PlatformTransactionManager transactionManager;

    private RegisteredPatients registered(int limit) {
        return new StoreRegisteredPatients(
                SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory), transactionManager, limit);
    }

    private IdType patientAt(IdType practice) {
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(SeamFixtures.NHS).setValue("9" + SeamFixtures.unique());
        patient.addGeneralPractitioner().setReference(practice.getValue());
        return store(daos, patient);
    }

    private List<String> searched(IdType practice) {
        return daos
                .getResourceDao(Patient.class)
                .searchForResources(
                        SearchParameterMap.newSynchronous(
                                Patient.SP_GENERAL_PRACTITIONER, new ReferenceParam(practice.getValue())),
                        SeamFixtures.request())
                .stream()
                .map(p -> p.getIdElement().getIdPart())
                .toList();
    }

    @Test
    void theRegisteredListIsWhatHapisSearchFinds() {
        IdType practice = store(daos, new Organization().setName("Practice " + SeamFixtures.unique()));
        IdType other = store(daos, new Organization().setName("Practice " + SeamFixtures.unique()));
        IdType stays = patientAt(practice);
        IdType alsoStays = patientAt(practice);
        IdType deleted = patientAt(practice);
        SeamFixtures.delete(daos, deleted);
        IdType moved = patientAt(practice);
        Patient movedNow = daos.getResourceDao(Patient.class).read(moved, SeamFixtures.request());
        movedNow.getGeneralPractitioner().clear();
        movedNow.addGeneralPractitioner().setReference(other.getValue());
        SeamFixtures.update(daos, movedNow);

        List<String> found = registered(10).apply(List.of(practice.getValue()));

        assertThat(found).containsExactlyInAnyOrder(stays.getIdPart(), alsoStays.getIdPart());
        assertThat(found).containsExactlyInAnyOrderElementsOf(searched(practice));
        assertThat(registered(10).apply(List.of(other.getValue()))).containsExactly(moved.getIdPart());
        assertThat(registered(10).apply(List.of(practice.getValue(), other.getValue())))
                .hasSize(3);
        assertThat(registered(1).apply(List.of(practice.getValue()))).hasSize(1);
        assertThat(registered(10).apply(List.of())).isEmpty();
    }
}
