package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static uk.linkwell.gateway.hapi.SeamFixtures.store;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.List;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * Contract of {@link ConsentLookup} on HAPI's storage: it finds what HAPI's search
 * {@code Consent?patient=...&status=active} finds, each Consent at its current stored version, read from HAPI's
 * inline JSON rather than through the DAO.
 */
class ConsentLookupContractTest extends GatewayIntegrationTest {

    @Autowired
    DaoRegistry daos;

    @Autowired
    DataSource dataSource;

    private IdType person() {
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(SeamFixtures.NHS).setValue("9" + SeamFixtures.unique());
        return store(daos, patient);
    }

    private static Consent consent(IdType patient, Consent.ConsentState state) {
        Consent consent = new Consent().setStatus(state).setPatient(new org.hl7.fhir.r4.model.Reference(patient));
        consent.setScope(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)));
        consent.addCategory(new CodeableConcept(new Coding("http://loinc.org", "59284-0", null)));
        consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        return consent;
    }

    private List<String> searched(IdType patient) {
        SearchParameterMap active = SearchParameterMap.newSynchronous(
                        Consent.SP_PATIENT, new ReferenceParam(patient.getValue()))
                .add(Consent.SP_STATUS, new TokenParam("active"));
        return daos.getResourceDao(Consent.class).searchForResources(active, SeamFixtures.request()).stream()
                .map(c -> c.getIdElement().toUnqualifiedVersionless().getValue())
                .toList();
    }

    @Test
    void theActiveConsentsAreWhatHapisSearchFindsAtTheirCurrentVersion() {
        IdType person = person();
        IdType other = person();
        IdType active = store(daos, consent(person, Consent.ConsentState.ACTIVE));
        store(daos, consent(person, Consent.ConsentState.INACTIVE));
        IdType deleted = store(daos, consent(person, Consent.ConsentState.ACTIVE));
        SeamFixtures.delete(daos, deleted);
        store(daos, consent(other, Consent.ConsentState.ACTIVE));
        Consent current = daos.getResourceDao(Consent.class).read(active, SeamFixtures.request());
        current.getProvision()
                .addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", null));
        SeamFixtures.update(daos, current);

        StoreConsentLookup lookup = new StoreConsentLookup(dataSource, daos);
        List<Consent> found = lookup.apply(person.getValue());

        assertThat(found)
                .extracting(c -> c.getIdElement().toUnqualifiedVersionless().getValue())
                .containsExactly(active.getValue())
                .containsExactlyInAnyOrderElementsOf(searched(person));
        assertThat(found.get(0).getIdElement().getVersionIdPart()).isEqualTo("2");
        assertThat(found.get(0).getProvision().getPurpose()).hasSize(1);
        assertThat(lookup.readThroughDao())
                .as("HAPI still stores new versions as inline JSON")
                .isZero();
        assertThat(lookup.apply("Patient/" + SeamFixtures.unique())).isEmpty();
    }
}
