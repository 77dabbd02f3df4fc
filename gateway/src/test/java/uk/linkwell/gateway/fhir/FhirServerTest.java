package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/** The FHIR server on PostgreSQL, exercised through HAPI's client over HTTP. */
class FhirServerTest extends GatewayIntegrationTest {

    static final String NHS = LinkwellFixtures.NHS;

    static Patient patient(String nhsNumber) {
        return LinkwellFixtures.patient(nhsNumber);
    }

    private Reference create(IGenericClient client, org.hl7.fhir.r4.model.Resource resource) {
        return new Reference(
                client.create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private String createPatient(IGenericClient client) {
        return client.create()
                .resource(patient(SyntheticNhsNumbers.next()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    @Test
    void capabilityStatementListsTheResourcesLinkwellServes() {
        CapabilityStatement cs =
                client().capabilities().ofType(CapabilityStatement.class).execute();
        Set<String> types = cs.getRestFirstRep().getResource().stream()
                .map(CapabilityStatement.CapabilityStatementRestResourceComponent::getType)
                .collect(Collectors.toSet());
        assertThat(types)
                .contains(
                        "Patient",
                        "RelatedPerson",
                        "Organization",
                        "Practitioner",
                        "PractitionerRole",
                        "CareTeam",
                        "EpisodeOfCare",
                        "Encounter",
                        "Condition",
                        "Flag",
                        "ServiceRequest",
                        "Task",
                        "CarePlan",
                        "Goal",
                        "Observation",
                        "Questionnaire",
                        "QuestionnaireResponse",
                        "Consent",
                        "Communication",
                        "Endpoint",
                        "Subscription",
                        "AuditEvent",
                        "Provenance",
                        "Bundle");
        assertThat(cs.getRestFirstRep().getInteraction())
                .extracting(i -> i.getCode().toCode())
                .contains("transaction", "batch", "history-system");
        assertThat(cs.getImplementation().getDescription()).isEqualTo("Linkwell FHIR gateway");
    }

    @Test
    void patientIsFoundByNhsNumberAndNotByAnother() {
        IGenericClient client = client();
        String nhsNumber = SyntheticNhsNumbers.next();
        MethodOutcome created = client.create().resource(patient(nhsNumber)).execute();
        assertThat(created.getCreated()).isTrue();

        Bundle found = client.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndCode(NHS, nhsNumber))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getTotal()).isEqualTo(1);
        assertThat(found.getEntryFirstRep().getResource().getIdElement().getIdPart())
                .isEqualTo(created.getId().getIdPart());

        Bundle none = client.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndCode(NHS, SyntheticNhsNumbers.next()))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(none.getTotal()).isZero();
    }

    @Test
    void conditionalCreateWithIfNoneExistIsIdempotent() {
        IGenericClient client = client();
        String nhsNumber = SyntheticNhsNumbers.next();
        String condition = "identifier=" + NHS + "|" + nhsNumber;

        MethodOutcome first = client.create()
                .resource(patient(nhsNumber))
                .conditionalByUrl("Patient?" + condition)
                .execute();
        MethodOutcome second = client.create()
                .resource(patient(nhsNumber))
                .conditionalByUrl("Patient?" + condition)
                .execute();

        assertThat(first.getCreated()).isTrue();
        assertThat(second.getCreated()).isNotEqualTo(Boolean.TRUE);
        assertThat(second.getId().getIdPart()).isEqualTo(first.getId().getIdPart());
        Bundle all = client.search()
                .byUrl("Patient?" + condition)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(all.getTotal()).isEqualTo(1);
    }

    @Test
    void carePlanWithGoalsAndReferralsInOneTransactionReadsBackWithIncludeAndRevinclude() {
        IGenericClient client = client();
        Reference gpPractice = create(client, LinkwellFixtures.organisation("A81001", "Riverside Surgery"));
        Reference linkWorkers = create(client, LinkwellFixtures.organisation("LW0001", "Link worker team"));
        String nhsNumber = SyntheticNhsNumbers.next();
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        tx.addEntry()
                .setFullUrl("urn:uuid:0f3f0b4e-0000-4000-8000-000000000001")
                .setResource(patient(nhsNumber))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient")
                .setIfNoneExist("identifier=" + NHS + "|" + nhsNumber);
        Reference subject = new Reference("urn:uuid:0f3f0b4e-0000-4000-8000-000000000001");
        CarePlan plan = LinkwellFixtures.actionPlan(subject, linkWorkers);
        for (int i = 1; i <= 2; i++) {
            String goalUrl = "urn:uuid:0f3f0b4e-0000-4000-8000-00000000001" + i;
            String referralUrl = "urn:uuid:0f3f0b4e-0000-4000-8000-00000000002" + i;
            Goal goal = LinkwellFixtures.goal(subject, i == 1 ? "Get out of the house more" : "Sort my debts");
            ServiceRequest referral = LinkwellFixtures.referral(subject, gpPractice, linkWorkers);
            tx.addEntry()
                    .setFullUrl(goalUrl)
                    .setResource(goal)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Goal");
            tx.addEntry()
                    .setFullUrl(referralUrl)
                    .setResource(referral)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("ServiceRequest");
            plan.addGoal(new Reference(goalUrl));
            plan.addActivity().setReference(new Reference(referralUrl));
        }
        tx.addEntry()
                .setFullUrl("urn:uuid:0f3f0b4e-0000-4000-8000-000000000031")
                .setResource(plan)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("CarePlan");

        Bundle response = client.transaction().withBundle(tx).execute();
        assertThat(response.getEntry())
                .hasSize(6)
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
        String patientId =
                response.getEntry().get(0).getResponse().getLocation().replaceAll("/_history/.*", "");

        Bundle withGoals = client.search()
                .byUrl("CarePlan?subject=" + patientId + "&_include=CarePlan:goal&_include=CarePlan:activity-reference")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(resourceTypes(withGoals))
                .containsExactlyInAnyOrder("CarePlan", "Goal", "Goal", "ServiceRequest", "ServiceRequest");
        assertThat(withGoals.getTotal()).isEqualTo(1);

        Bundle patientWithPlans = client.search()
                .byUrl(patientId.replace("Patient/", "Patient?_id=")
                        + "&_revinclude=CarePlan:subject&_revinclude=Goal:subject")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(resourceTypes(patientWithPlans)).containsExactlyInAnyOrder("Patient", "CarePlan", "Goal", "Goal");
    }

    @Test
    void consentIsCreatedAndFoundByPatient() {
        IGenericClient client = client();
        String patientId = createPatient(client);
        String otherPatientId = createPatient(client);
        Reference linkWorker = create(client, LinkwellFixtures.practitioner("Linkworker"));
        client.create()
                .resource(LinkwellFixtures.verbalConsent(new Reference(patientId), linkWorker))
                .execute();

        Bundle mine = client.search()
                .byUrl("Consent?patient=" + patientId)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(mine.getTotal()).isEqualTo(1);
        assertThat(((Consent) mine.getEntryFirstRep().getResource())
                        .getProvision()
                        .getType())
                .isEqualTo(Consent.ConsentProvisionType.PERMIT);
        Bundle theirs = client.search()
                .byUrl("Consent?patient=" + otherPatientId)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(theirs.getTotal()).isZero();
    }

    @Test
    void searchResultsPageAcrossThreePages() {
        IGenericClient client = client();
        String patientId = createPatient(client);
        for (int i = 0; i < 7; i++) {
            client.create()
                    .resource(LinkwellFixtures.goal(new Reference(patientId), "goal " + i))
                    .execute();
        }
        Bundle page = client.search()
                .byUrl("Goal?subject=" + patientId + "&_count=3&_sort=_id")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(page.getTotal()).isEqualTo(7);
        List<String> seen = new java.util.ArrayList<>();
        int pages = 0;
        while (page != null) {
            pages++;
            page.getEntry().forEach(e -> seen.add(e.getResource().getIdElement().getIdPart()));
            page = page.getLink(Bundle.LINK_NEXT) == null
                    ? null
                    : client.loadPage().next(page).execute();
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(7).doesNotHaveDuplicates();
    }

    @Test
    void updatesKeepHistory() {
        IGenericClient client = client();
        String nhsNumber = SyntheticNhsNumbers.next();
        Patient p = patient(nhsNumber);
        String id = client.create().resource(p).execute().getId().getIdPart();
        p.setId(id);
        p.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1961-04-12"));
        client.update().resource(p).execute();

        Bundle history = client.history()
                .onInstance("Patient/" + id)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(history.getEntry()).hasSize(2);
        Patient current = client.read().resource(Patient.class).withId(id).execute();
        assertThat(current.getMeta().getVersionId()).isEqualTo("2");
        assertThat(current.getBirthDateElement().getValueAsString()).isEqualTo("1961-04-12");
    }

    @Test
    void batchProcessesEachEntryOnItsOwn() {
        IGenericClient client = client();
        String patientId = createPatient(client);
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(patientId);
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Patient/does-not-exist");

        Bundle response = client.transaction().withBundle(batch).execute();

        assertThat(response.getType()).isEqualTo(Bundle.BundleType.BATCHRESPONSE);
        assertThat(response.getEntry().get(0).getResponse().getStatus()).startsWith("200");
        assertThat(response.getEntry()
                        .get(0)
                        .getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .isEqualTo(patientId);
        assertThat(response.getEntry().get(1).getResponse().getStatus()).startsWith("404");
    }

    static List<String> resourceTypes(Bundle bundle) {
        return bundle.getEntry().stream().map(e -> e.getResource().fhirType()).toList();
    }
}
