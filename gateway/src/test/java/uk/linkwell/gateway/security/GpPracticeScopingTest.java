package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.hapi.StoreRegisteredPatients;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * GP practice A's system cannot read, search, include, revinclude, history or $everything its way to a patient
 * registered at practice B; each path checks the body (no id, no NHS number of B's patient) and the totals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GpPracticeScopingTest extends GatewayIntegrationTest {

    private static final String GP_SCOPES = "system/Patient.crus system/CarePlan.rs system/Goal.rs "
            + "system/Observation.rs system/ServiceRequest.crs system/Organization.rs system/Task.rs";

    private final String practiceA =
            "A" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String practiceB =
            "B" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private String patientA;
    private String patientA2;
    private String patientB;
    private String nhsB;
    private String carePlanA2;
    private String carePlanB;
    private String observationOfB;
    private String taskA;
    private String taskB;
    private String referralAboutBNamingA;

    @BeforeAll
    void twoPracticesTheirPatientsAndCrossReferences() {
        IGenericClient admin = client();
        Reference orgA = create(admin, LinkwellFixtures.organisation(practiceA, "Practice A"));
        Reference orgB = create(admin, LinkwellFixtures.organisation(practiceB, "Practice B"));
        patientA = createPatient(admin, SyntheticNhsNumbers.next(), orgA);
        patientA2 = createPatient(admin, SyntheticNhsNumbers.next(), orgA);
        nhsB = SyntheticNhsNumbers.next();
        patientB = createPatient(admin, nhsB, orgB);
        // The records here are written by the test admin, not by the practice: A's patients consented to share
        // them with those caring for them, so what remains is organisation scoping (consent: see consent/*Probes).
        Reference worker = create(admin, LinkwellFixtures.practitioner("Consent-taker"));
        consentsToSharing(admin, patientA, worker);
        consentsToSharing(admin, patientA2, worker);
        create(admin, LinkwellFixtures.actionPlan(new Reference(patientA), orgA));
        taskA = create(
                        admin,
                        task(
                                patientA,
                                orgA,
                                create(admin, LinkwellFixtures.referral(new Reference(patientA), orgA, orgA))))
                .getReference();
        taskB = create(
                        admin,
                        task(
                                patientB,
                                orgB,
                                create(admin, LinkwellFixtures.referral(new Reference(patientB), orgB, orgB))))
                .getReference();
        // About B, naming A's patient as performer: FHIR's compartment would count it as A's; Linkwell does not.
        referralAboutBNamingA = create(
                        admin, LinkwellFixtures.referral(new Reference(patientB), orgB, new Reference(patientA)))
                .getReference();
        carePlanA2 = create(admin, LinkwellFixtures.actionPlan(new Reference(patientA2), orgA))
                .getReference();
        carePlanB = create(admin, LinkwellFixtures.actionPlan(new Reference(patientB), orgB))
                .getReference();
        // A2's observation names B as performer; B's observation has A2 as its focus: include/revinclude bait.
        create(admin, observation(patientA2).addPerformer(new Reference(patientB)));
        Observation ofB = observation(patientB);
        ofB.addFocus(new Reference(patientA2));
        observationOfB = create(admin, ofB).getReference();
    }

    static void consentsToSharing(IGenericClient admin, String patient, Reference recordedBy) {
        admin.create()
                .resource(LinkwellFixtures.verbalConsent(new Reference(patient), recordedBy))
                .execute();
    }

    private static Observation observation(String subject) {
        Observation o = new Observation()
                .setStatus(Observation.ObservationStatus.FINAL)
                .setCode(new CodeableConcept().setText("Wellbeing score"))
                .setSubject(new Reference(subject));
        return o;
    }

    private static org.hl7.fhir.r4.model.Task task(String patient, Reference owner, Reference referral) {
        org.hl7.fhir.r4.model.Task task = new org.hl7.fhir.r4.model.Task()
                .setStatus(org.hl7.fhir.r4.model.Task.TaskStatus.REQUESTED)
                .setIntent(org.hl7.fhir.r4.model.Task.TaskIntent.ORDER)
                .setFor(new Reference(patient))
                .setOwner(owner)
                .setFocus(referral)
                .setAuthoredOnElement(new org.hl7.fhir.r4.model.DateTimeType("2026-09-28T10:15:00Z"));
        return task;
    }

    private static Reference create(IGenericClient client, Resource resource) {
        return new Reference(
                client.create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private static String createPatient(IGenericClient client, String nhsNumber, Reference practice) {
        Patient p = LinkwellFixtures.patient(nhsNumber);
        p.addGeneralPractitioner(practice);
        return client.create()
                .resource(p)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    private String practiceAToken() {
        return tokenFor(Claims.of("gp-system", practiceA, GP_SCOPES));
    }

    private HttpResponse<String> asPracticeA(String path) throws Exception {
        return http().send(
                        HttpRequest.newBuilder(URI.create(fhirBase() + "/" + path.replace("|", "%7C")))
                                .header("Authorization", "Bearer " + practiceAToken())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private Bundle bundle(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(Bundle.class, response.body());
    }

    private void assertNothingOfB(HttpResponse<String> response) {
        assertThat(response.body()).doesNotContain(nhsB);
        assertNoMention(response.body(), patientB, carePlanB, observationOfB);
    }

    /**
     * Neither the reference ({@code Patient/2026}) nor a resource with its id appears. (A bare id would do no
     * good: ids such as 2026 turn up in every timestamp.)
     */
    private static void assertNoMention(String body, String... references) {
        for (String reference : references) {
            // Whole ids only: Patient/20 must not match Patient/2026.
            String end = "(?![0-9A-Za-z.-])";
            assertThat(body)
                    .doesNotContainPattern(java.util.regex.Pattern.quote(reference) + end)
                    .doesNotContainPattern(java.util.regex.Pattern.quote(reference.replace("/", "%2F")) + end);
            String id = java.util.regex.Pattern.quote(idPart(reference));
            assertThat(body).doesNotContainPattern("\"id\"\\s*:\\s*\"" + id + "\"");
        }
    }

    private static String idPart(String reference) {
        return reference.substring(reference.indexOf('/') + 1);
    }

    private static List<String> ids(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
    }

    @Test
    void readOfPracticeBsPatientIsRefused() throws Exception {
        // Refused exactly as a record that does not exist is: the same status and the same words.
        HttpResponse<String> patient = asPracticeA(patientB);
        assertThat(patient.statusCode()).isEqualTo(404);
        assertThat(patient.body()).contains("OperationOutcome");
        assertNothingOfB(patient);
        HttpResponse<String> missing = asPracticeA("Patient/linkwell-no-such-patient");
        assertThat(patient.body().replace(idPart(patientB), "X"))
                .isEqualTo(missing.body().replace("linkwell-no-such-patient", "X"));
        HttpResponse<String> plan = asPracticeA(carePlanB);
        assertThat(plan.statusCode()).isEqualTo(404);
        assertNothingOfB(plan);
        // Its own patient reads fine.
        assertThat(asPracticeA(patientA).statusCode()).isEqualTo(200);
    }

    @Test
    void searchesAreNarrowedToThePracticeWithRightTotals() throws Exception {
        Bundle byNhsNumber = bundle(asPracticeA("Patient?identifier=" + LinkwellFixtures.NHS + "|" + nhsB));
        assertThat(byNhsNumber.getTotal()).isZero();
        assertThat(byNhsNumber.getEntry()).isEmpty();

        HttpResponse<String> allPatients = asPracticeA("Patient?_total=accurate");
        assertNothingOfB(allPatients);
        Bundle patients = bundle(allPatients);
        assertThat(patients.getTotal()).isEqualTo(2);
        assertThat(ids(patients)).containsExactlyInAnyOrder(patientA, patientA2);

        HttpResponse<String> allPlans = asPracticeA("CarePlan?_total=accurate&_count=1");
        assertNothingOfB(allPlans);
        Bundle plans = bundle(allPlans);
        // Narrowed in the query itself: the total counts A's plans only, and paging walks A's plans only.
        assertThat(plans.getTotal()).isEqualTo(2);
        assertThat(plans.getEntry()).hasSize(1);
        Bundle next = clientAs(Claims.of("gp-system", practiceA, GP_SCOPES))
                .loadPage()
                .next(plans)
                .execute();
        assertThat(next.getEntry()).hasSize(1);
        assertThat(ids(plans).get(0)).isNotEqualTo(ids(next).get(0));
        assertThat(next.getLink(Bundle.LINK_NEXT)).isNull();

        // Naming B's patient outright finds nothing (the practice's registration clause is ANDed to the
        // client's own), never B's plans.
        // Naming its own patient needs no narrowing beyond the client's clause; naming one of its own and one of
        // B's finds only its own.
        Bundle own = bundle(asPracticeA("CarePlan?patient=" + patientA2 + "&_total=accurate"));
        assertThat(ids(own)).containsExactly(carePlanA2);
        assertThat(own.getTotal()).isEqualTo(1);
        Bundle mixed =
                bundle(asPracticeA("Patient?_id=" + idPart(patientA) + "," + idPart(patientB) + "&_total=accurate"));
        assertThat(ids(mixed)).containsExactly(patientA);
        assertThat(mixed.getTotal()).isEqualTo(1);
        // (The self link echoes the id the client itself sent; no entry, no count.)
        HttpResponse<String> bySubject = asPracticeA("CarePlan?subject=" + patientB + "&_total=accurate");
        assertThat(bySubject.statusCode()).isEqualTo(200);
        assertThat(bundle(bySubject).getTotal()).isZero();
        assertThat(bundle(bySubject).getEntry()).isEmpty();
        // (The self link echoes the NHS number the client itself sent; no entry, no count.)
        Bundle chained =
                bundle(asPracticeA("CarePlan?subject:Patient.identifier=" + LinkwellFixtures.NHS + "|" + nhsB));
        assertThat(chained.getTotal()).isZero();
        assertThat(chained.getEntry()).isEmpty();
    }

    @Test
    void searchesInsideABatchAreNarrowedAndReadsStayReads() {
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("CarePlan");
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Task");
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(carePlanA2);
        batch.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(carePlanB);
        Bundle response = clientAs(Claims.of("gp-system", practiceA, GP_SCOPES))
                .transaction()
                .withBundle(batch)
                .execute();

        Bundle plans = (Bundle) response.getEntry().get(0).getResource();
        assertThat(ids(plans))
                .as(plans.getLink(Bundle.LINK_SELF).getUrl())
                .hasSize(2)
                .contains(carePlanA2)
                .doesNotContain(carePlanB);
        Bundle tasks = (Bundle) response.getEntry().get(1).getResource();
        assertThat(ids(tasks)).contains(taskA).doesNotContain(taskB);
        // A read inside a batch is answered as a read (the plan itself), not turned into a search.
        assertThat(response.getEntry().get(2).getResponse().getStatus()).startsWith("200");
        assertThat(response.getEntry().get(2).getResource()).isInstanceOf(CarePlan.class);
        assertThat(response.getEntry()
                        .get(2)
                        .getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .isEqualTo(carePlanA2);
        // A read of B's record answers as for a record that does not exist.
        assertThat(response.getEntry().get(3).getResponse().getStatus()).startsWith("404");
        assertNoMention(fhirContext.newJsonParser().encodeResourceToString(response), patientB);
    }

    @Test
    void tasksOfPracticeBStayHidden() throws Exception {
        // Task lies outside FHIR's Patient compartment; the gateway narrows its searches to the caseload itself,
        // so the search answers with A's task, and the total counts only what A may see.
        HttpResponse<String> all = asPracticeA("Task?_total=accurate");
        assertThat(all.statusCode()).isEqualTo(200);
        assertNoMention(all.body(), taskB, patientB);
        Bundle tasks = bundle(all);
        assertThat(ids(tasks)).contains(taskA).doesNotContain(taskB);
        assertThat(tasks.getTotal()).isEqualTo(tasks.getEntry().size());
        // Asking for B's patient's tasks outright finds nothing (the caseload clause is ANDed with it).
        Bundle forB = bundle(asPracticeA("Task?patient=" + patientB));
        assertThat(forB.getEntry()).isEmpty();
        assertNoMention(asPracticeA("Task?patient=" + patientB).body(), taskB);
        HttpResponse<String> read = asPracticeA(taskB);
        assertThat(read.statusCode()).isEqualTo(404);
        assertNoMention(read.body(), patientB);
        assertThat(asPracticeA(taskA).statusCode()).isEqualTo(200);
    }

    @Test
    void namingAPracticePatientAsPerformerDoesNotOpenAnotherPatientsRecord() throws Exception {
        HttpResponse<String> read = asPracticeA(referralAboutBNamingA);
        assertThat(read.statusCode()).isEqualTo(404);
        assertNothingOfB(read);
        Bundle search = bundle(asPracticeA("ServiceRequest?performer=" + patientA));
        assertThat(ids(search)).doesNotContain(referralAboutBNamingA);
    }

    @Test
    void summaryCountCountsThePracticeOnly() throws Exception {
        Bundle count = bundle(asPracticeA("CarePlan?_summary=count"));
        assertThat(count.getTotal()).isEqualTo(2);
    }

    @Test
    void includeCannotPullInPracticeBsPatient() throws Exception {
        HttpResponse<String> response =
                asPracticeA("Observation?subject=" + patientA2 + "&_include=Observation:performer");
        // A2's observation names B (its own content); B's record is not included, nor anything of it.
        assertThat(response.body()).doesNotContain(nhsB);
        // Filtered, not refused: a 403 would say that something hidden was there.
        assertThat(ids(bundle(response))).doesNotContain(patientB);
        Bundle plansWithSubjects = bundle(asPracticeA("CarePlan?_include=CarePlan:subject"));
        assertThat(ids(plansWithSubjects)).contains(patientA, patientA2).doesNotContain(patientB);
    }

    @Test
    void revincludeCannotPullInPracticeBsRecords() throws Exception {
        HttpResponse<String> response =
                asPracticeA("Patient?_id=" + idPart(patientA2) + "&_revinclude=Observation:focus");
        assertNothingOfB(response);
        assertThat(ids(bundle(response))).doesNotContain(observationOfB);
        Bundle withPlans = bundle(asPracticeA("Patient?_revinclude=CarePlan:subject&_total=accurate"));
        assertThat(withPlans.getTotal()).isEqualTo(2);
        assertThat(ids(withPlans)).doesNotContain(patientB, carePlanB);
        // Asking for B by id finds nothing (B is not registered at A), never B's plans.
        HttpResponse<String> ofB = asPracticeA("Patient?_id=" + idPart(patientB) + "&_revinclude=CarePlan:subject");
        assertThat(ofB.statusCode()).isEqualTo(200);
        assertNoMention(ofB.body(), carePlanB);
        assertThat(bundle(ofB).getEntry()).isEmpty();
    }

    @Test
    void historyOfPracticeBsRecordsIsRefused() throws Exception {
        HttpResponse<String> instance = asPracticeA(patientB + "/_history");
        assertThat(instance.statusCode()).isEqualTo(404);
        assertNothingOfB(instance);
        HttpResponse<String> plan = asPracticeA(carePlanB + "/_history");
        assertThat(plan.statusCode()).isEqualTo(404);
        assertNothingOfB(plan);
        HttpResponse<String> type = asPracticeA("CarePlan/_history");
        assertNothingOfB(type);
        assertThat(asPracticeA(patientA + "/_history").statusCode()).isEqualTo(200);
    }

    @Test
    void everythingOfPracticeBsPatientIsRefused() throws Exception {
        HttpResponse<String> response = asPracticeA(patientB + "/$everything");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("OperationOutcome");
        assertNothingOfB(response);
        // A's patient A2 has a record naming B: A2's records come back, B's are left out.
        HttpResponse<String> tangled = asPracticeA(patientA2 + "/$everything");
        assertThat(tangled.body()).doesNotContain(nhsB);
        assertThat(ids(bundle(tangled))).contains(patientA2).doesNotContain(patientB);
        // A patient whose records stay inside the practice gets everything.
        String practiceD = "D" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference orgD = create(client(), LinkwellFixtures.organisation(practiceD, "Practice D"));
        String patientD = createPatient(client(), SyntheticNhsNumbers.next(), orgD);
        // Practice D's own plan (the admin states the author): its own records need no consent.
        CarePlan ownPlan = LinkwellFixtures.actionPlan(new Reference(patientD), orgD);
        ownPlan.getMeta().addTag().setSystem(AuthorOrganisationStamp.TAG_SYSTEM).setCode(practiceD);
        String planD = create(client(), ownPlan).getReference();
        HttpResponse<String> own = http().send(
                        HttpRequest.newBuilder(URI.create(fhirBase() + "/" + patientD + "/$everything"))
                                .header(
                                        "Authorization",
                                        "Bearer " + tokenFor(Claims.of("gp-system", practiceD, GP_SCOPES)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(ids(bundle(own))).contains(patientD, planD);
    }

    @Test
    void writesAreLimitedToThePracticesPatients() {
        IGenericClient gp = clientAs(Claims.of("gp-system", practiceA, GP_SCOPES));
        var ownReferral =
                LinkwellFixtures.referral(new Reference(patientA), new Reference(patientA), new Reference(patientA));
        assertThat(gp.create().resource(ownReferral).execute().getCreated()).isTrue();
        var referralForB =
                LinkwellFixtures.referral(new Reference(patientB), new Reference(patientA), new Reference(patientA));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> gp.create().resource(referralForB).execute())
                .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException.class);
    }

    @Test
    void aNewlyRegisteredPatientJoinsThePracticeList() {
        // Its own practice, so practice A's totals above stay fixed.
        String practiceC = "C" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference orgC = create(client(), LinkwellFixtures.organisation(practiceC, "Practice C"));
        IGenericClient gp = clientAs(Claims.of("gp-system", practiceC, GP_SCOPES));
        assertThat(gp.search()
                        .forResource(Patient.class)
                        .returnBundle(Bundle.class)
                        .execute()
                        .getEntry())
                .isEmpty();
        Patient newcomer = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        newcomer.addGeneralPractitioner(orgC);
        // Registered by an operator (or the hospital feed): a practice cannot register people itself over FHIR.
        String id = client().create()
                .resource(newcomer)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        Bundle list = gp.search()
                .forResource(Patient.class)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(list)).containsExactly(id);
        assertThat(gp.read()
                        .resource(Patient.class)
                        .withId(id)
                        .execute()
                        .getIdentifierFirstRep()
                        .getValue())
                .isEqualTo(newcomer.getIdentifierFirstRep().getValue());
    }

    @org.springframework.beans.factory.annotation.Autowired
    private jakarta.persistence.EntityManagerFactory entityManagerFactory;

    @org.springframework.beans.factory.annotation.Autowired
    private org.springframework.transaction.PlatformTransactionManager transactionManager;

    /**
     * The registered list is read with Linkwell's own query (StoreRegisteredPatients), not a FHIR search: it must
     * find exactly what {@code Patient?general-practitioner=...} finds: not deleted patients, not those who moved
     * to another practice.
     */
    @Test
    void theRegisteredListQueryFindsWhatTheFhirSearchFinds() {
        IGenericClient admin = client();
        String practiceC = "C" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference orgC = create(admin, LinkwellFixtures.organisation(practiceC, "Practice C"));
        Reference orgD = create(admin, LinkwellFixtures.organisation("D" + practiceC.substring(1), "Practice D"));
        String stays = createPatient(admin, SyntheticNhsNumbers.next(), orgC);
        String named = createPatient(admin, SyntheticNhsNumbers.next(), orgC);
        String deleted = createPatient(admin, SyntheticNhsNumbers.next(), orgC);
        admin.delete().resourceById(new org.hl7.fhir.r4.model.IdType(deleted)).execute();
        String moved = createPatient(admin, SyntheticNhsNumbers.next(), orgC);
        Patient movedNow = admin.read().resource(Patient.class).withId(moved).execute();
        movedNow.getGeneralPractitioner().clear();
        movedNow.addGeneralPractitioner(orgD);
        admin.update().resource(movedNow).execute();

        StoreRegisteredPatients query = new StoreRegisteredPatients(
                org.springframework.orm.jpa.SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory),
                transactionManager,
                10);
        List<String> found = query.apply(List.of(orgC.getReference())).stream()
                .map(id -> "Patient/" + id)
                .toList();
        List<String> searched = ids(admin.search()
                .forResource(Patient.class)
                .where(Patient.GENERAL_PRACTITIONER.hasId(orgC.getReference()))
                .returnBundle(Bundle.class)
                .execute());
        assertThat(found).containsExactlyInAnyOrder(stays, named);
        assertThat(found).containsExactlyInAnyOrderElementsOf(searched);
        assertThat(query.apply(List.of(orgD.getReference()))).containsExactly(moved.substring("Patient/".length()));
        assertThat(query.apply(List.of(orgC.getReference(), orgD.getReference())))
                .hasSize(3);
        assertThat(query.apply(List.of())).isEmpty();
        assertThat(new StoreRegisteredPatients(
                                org.springframework.orm.jpa.SharedEntityManagerCreator.createSharedEntityManager(
                                        entityManagerFactory),
                                transactionManager,
                                1)
                        .apply(List.of(orgC.getReference())))
                .hasSize(1);
    }
}
