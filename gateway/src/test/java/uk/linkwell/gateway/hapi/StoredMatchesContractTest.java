package uk.linkwell.gateway.hapi;

import static org.assertj.core.api.Assertions.assertThat;
import static uk.linkwell.gateway.hapi.SeamFixtures.store;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;

/**
 * Contract of {@link StoredMatches} on HAPI's storage: it yields what HAPI's own search finds, every match once at
 * its current version, deleted ones left out, past HAPI's synchronous search limit and across chunks.
 */
class StoredMatchesContractTest extends GatewayIntegrationTest {

    @Autowired
    DaoRegistry daos;

    @Autowired
    StoredMatches matches;

    @Autowired
    JpaStorageSettings storageSettings;

    @Test
    void everyLiveMatchOnceAtItsCurrentVersionPastTheSynchronousLimit() {
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(SeamFixtures.NHS).setValue("9" + SeamFixtures.unique());
        IdType person = store(daos, patient);
        List<String> expected = new ArrayList<>();
        IdType deleted = null;
        IdType updated = null;
        for (int i = 0; i < 23; i++) {
            Goal goal = new Goal()
                    .setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE)
                    .setDescription(new CodeableConcept().setText("Goal " + i))
                    .setSubject(new Reference(person.toUnqualifiedVersionless()));
            IdType id = store(daos, goal).toUnqualifiedVersionless();
            if (i == 0) {
                deleted = id;
            } else {
                expected.add(id.getValue());
            }
            if (i == 1) {
                updated = id;
            }
        }
        SeamFixtures.delete(daos, deleted);
        Goal changed = daos.getResourceDao(Goal.class).read(updated, SeamFixtures.request());
        changed.setDescription(new CodeableConcept().setText("Goal 1, in the person's new words"));
        SeamFixtures.update(daos, changed);

        Integer limit = storageSettings.getInternalSynchronousSearchSize();
        List<IBaseResource> found = new ArrayList<>();
        try {
            storageSettings.setInternalSynchronousSearchSize(5);
            SearchParameterMap map = SearchParameterMap.newSynchronous(
                    Goal.SP_SUBJECT,
                    new ReferenceParam(person.toUnqualifiedVersionless().getValue()));
            matches.all("Goal", map, 4).forEach(found::add);
        } finally {
            storageSettings.setInternalSynchronousSearchSize(limit);
        }

        assertThat(found)
                .extracting(r -> r.getIdElement().toUnqualifiedVersionless().getValue())
                .containsExactlyInAnyOrderElementsOf(expected);
        Goal reread = found.stream()
                .map(Goal.class::cast)
                .filter(g -> g.getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue()
                        .equals(changed.getIdElement()
                                .toUnqualifiedVersionless()
                                .getValue()))
                .findFirst()
                .orElseThrow();
        assertThat(reread.getIdElement().getVersionIdPart()).isEqualTo("2");
        assertThat(reread.getDescription().getText()).isEqualTo("Goal 1, in the person's new words");
    }
}
