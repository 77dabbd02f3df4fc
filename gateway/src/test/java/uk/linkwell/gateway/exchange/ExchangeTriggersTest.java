package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.MessageHeader;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Issue 25, the care process's triggers: a referral decided (to the referrer), a case closed (the closure letter to
 * the registered practice), a care plan created or its status changed (to the registered practice). Each is written
 * through its real door as the role that writes it (the GP system refers, the council's system decides and closes
 * over the FHIR API or sends its case-closed event, a link worker writes the plan), recorded in the outbox with the
 * write, consent-filtered for the recipient at send time, and delivered to a real receiver on this machine.
 */
class ExchangeTriggersTest extends GatewayIntegrationTest {

    /** As demo-gp and demo-social-care in application.yaml (see ReferralWorkflowTest). */
    static final String GP_SCOPES = "system/Patient.crus system/CarePlan.rs system/Goal.rs system/ServiceRequest.crs "
            + "system/Task.crs system/Consent.c system/Flag.rs system/Communication.crs system/Organization.rs "
            + "system/Practitioner.rs";

    static final String SOCIAL_CARE_SCOPES = "system/*.rs system/Patient.cu system/EpisodeOfCare.cu "
            + "system/CarePlan.cu system/ServiceRequest.cu system/Task.cu";

    /** As demo-link-worker in application.yaml. */
    static final String LW_SCOPES = "user/Patient.rs user/CarePlan.cruds user/Goal.cruds user/ServiceRequest.cruds "
            + "user/Task.cruds user/QuestionnaireResponse.cruds user/Consent.crus user/CareTeam.rs "
            + "user/Questionnaire.rs user/Observation.rs";

    /** The demo social-care client's council, which sends the case events. */
    private static final String DEMO_COUNCIL = "999";

    private static final String CS = "https://fhir.linkwell.example/CodeSystem/";

    @Autowired
    private JdbcTemplate jdbc;

    private final ObjectMapper json = new ObjectMapper();
    private final ExchangeReceiver receiver = new ExchangeReceiver();
    private final String practiceOds = code("P");
    private final String councilOds = code("L");
    private Reference practice;
    private Reference council;
    private IGenericClient gp;
    private IGenericClient socialCare;

    private static String code(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    }

    /** A practice whose system receives FHIR messages at this test's receiver, and a council. */
    @BeforeEach
    void aPracticeWithAnEndpointAndACouncil() {
        practice = organisation(practiceOds, "Brook Surgery", endpoint(receiver.base() + "/fhir"));
        council = organisation(councilOds, "Adult care management", null);
        gp = clientAs(Claims.of("gp-system", practiceOds, GP_SCOPES));
        socialCare = clientAs(Claims.of("social-care-system", councilOds, SOCIAL_CARE_SCOPES));
    }

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    // --- referral decided -------------------------------------------------------------------------------------

    @Test
    void aReferralDeclinedThroughTheTaskApiSendsTheDeclineLetterToTheReferrer() throws Exception {
        Reference patient = registeredPatient(practice);
        IdType task = refer(patient);
        assertThat(deliveries(patient)).isEmpty();

        Task declined = socialCare.read().resource(Task.class).withId(task).execute();
        declined.setStatus(TaskStatus.REJECTED);
        declined.setStatusReason(
                new CodeableConcept(new Coding(CS + "referral-decline-reason", "needs-met-elsewhere", null))
                        .setText("Debt advice is the pressing need"));
        declined.addExtension(
                LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION,
                new CodeableConcept().setText("Citizens Advice debt clinic"));
        socialCare.update().resource(declined).execute();

        Map<String, Object> row = awaitDelivered(patient, "referral-declined");
        assertThat(row.get("ENDPOINT")).isEqualTo(endpointOf(practice));
        assertThat(row.get("RECIPIENT_ORGANISATION")).isEqualTo(practiceOds);
        assertThat(row.get("RECIPIENT_ROLE")).isEqualTo("gp-system");
        Bundle message = onlyMessage("referral-declined", row);
        MessageHeader header = (MessageHeader) message.getEntryFirstRep().getResource();
        Task sentTask = only(message, Task.class);
        assertThat(sentTask.getIdElement().getIdPart()).isEqualTo(task.getIdPart());
        assertThat(sentTask.getStatus()).isEqualTo(TaskStatus.REJECTED);
        Communication letter = only(message, Communication.class);
        assertThat(letter.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("decline-letter");
        assertThat(letter.getPayloadFirstRep().getContentStringType().getValue())
                .contains(
                        "Needs better met by another service",
                        "Debt advice is the pressing need",
                        "Citizens Advice debt clinic");
        assertThat(letter.getRecipientFirstRep().getReference()).isEqualTo(practice.getReference());
        // Both are the message's focus: the decision and its letter.
        assertThat(header.getFocus()).hasSize(2);
        assertThat((String) row.get("FOCUS")).contains(task.getValue(), "Communication/");

        // An edit of the declined Task that leaves its status as it was is no new decision: nothing recorded.
        Task edited = socialCare.read().resource(Task.class).withId(task).execute();
        edited.addNote().setText("Called the practice to explain");
        socialCare.update().resource(edited).execute();
        Thread.sleep(800);
        assertThat(deliveries(patient)).hasSize(1);
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void anAcceptanceNamesTheTeamAndClosingTheCaseSendsTheClosureLetterToThePractice() throws Exception {
        Reference patient = registeredPatient(practice);
        IdType task = refer(patient);
        Task accepted = socialCare.read().resource(Task.class).withId(task).execute();
        accepted.setStatus(TaskStatus.ACCEPTED);
        socialCare.update().resource(accepted).execute();

        Map<String, Object> acceptance = awaitDelivered(patient, "referral-accepted");
        Bundle message = onlyMessage("referral-accepted", acceptance);
        assertThat(only(message, Task.class).getStatus()).isEqualTo(TaskStatus.ACCEPTED);
        Organization team = only(message, Organization.class);
        assertThat(team.getName()).isEqualTo("Adult care management");
        assertThat(team.getIdentifierFirstRep().getValue()).isEqualTo(councilOds);

        // The council closes the case it manages through the FHIR API: the gateway writes the closure letter.
        EpisodeOfCare episode = (EpisodeOfCare) socialCare
                .search()
                .byUrl("EpisodeOfCare?identifier=https://fhir.linkwell.example/Id/referral-episode|" + task.getIdPart())
                .returnBundle(Bundle.class)
                .execute()
                .getEntryFirstRep()
                .getResource();
        episode.setStatus(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        episode.getPeriod().setEndElement(new DateTimeType(new Date()));
        socialCare.update().resource(episode).execute();

        Map<String, Object> closure = awaitDelivered(patient, "case-closed");
        assertThat(closure.get("ENDPOINT")).isEqualTo(endpointOf(practice));
        Bundle closed = onlyMessage("case-closed", closure);
        Communication letter = only(closed, Communication.class);
        assertThat(letter.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("closure-letter");
        assertThat(letter.getSender().getReference()).isEqualTo(council.getReference());
        assertThat(letter.getRecipient())
                .extracting(Reference::getReference)
                .contains(patient.getReference(), practice.getReference());
        assertThat(letter.getPayloadFirstRep().getContentStringType().getValue())
                .startsWith("Your case with Adult care management");
        assertThat(letter.getAboutFirstRep().getReference())
                .isEqualTo("EpisodeOfCare/" + episode.getIdElement().getIdPart());
        // The letter is addressed to the practice (direct care); the episode itself is the council's, and without
        // the person's consent it stays with the council.
        assertThat(closed.getEntry()).noneMatch(e -> e.getResource() instanceof EpisodeOfCare);
        // The letter is stored as the care process's record (one, whatever the resends).
        assertThat(closureLetters(episode.getIdElement().getIdPart())).hasSize(1);

        // Editing the closed episode (still finished) is no new closure.
        EpisodeOfCare again = socialCare
                .read()
                .resource(EpisodeOfCare.class)
                .withId(episode.getIdElement().toUnqualifiedVersionless())
                .execute();
        again.getTypeFirstRep().setText("Adult care management (closed)");
        socialCare.update().resource(again).execute();
        Thread.sleep(800);
        assertThat(deliveries(patient))
                .extracting(r -> r.get("EVENT"))
                .containsExactly("referral-accepted", "case-closed");
        assertThat(closureLetters(episode.getIdElement().getIdPart())).hasSize(1);
    }

    /**
     * The review's finding: the owning team's Organization is about no one and always permitted, so an acceptance
     * whose Task is withheld must not go out with the team alone (it would still say the person was referred and
     * accepted, and by whom).
     */
    @Test
    void anAcceptanceWhoseTaskIsWithheldIsNotSentWithTheTeamAlone() throws Exception {
        Reference patient = registeredPatient(practice);
        // Back-loaded by an admin, not the GP system: the practice sees the Task only under the person's Consent.
        IdType task = refer(patient, client(), practiceOds);
        String consent = refuse(patient, practice);
        Task accepted = socialCare.read().resource(Task.class).withId(task).execute();
        accepted.setStatus(TaskStatus.ACCEPTED);
        socialCare.update().resource(accepted).execute();

        Map<String, Object> row = awaitStatus(patient, "referral-accepted", "withheld");
        assertThat((String) row.get("WITHHELD_BASIS")).contains(consent);
        Thread.sleep(800);
        assertThat(receiver.received()).isEmpty();
    }

    // --- case closed ------------------------------------------------------------------------------------------

    @Test
    void aCaseClosedEventSendsTheCouncilsClosureLetterToTheRegisteredPractice() throws Exception {
        Reference patient = registeredPatient(practice);
        String nhs = nhsNumberOf(patient);
        // The council may send events about the person once someone has referred them to it.
        ServiceRequest referral = LinkwellFixtures.referral(patient, practice, councilRef(DEMO_COUNCIL));
        referral.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(practiceOds);
        client().create().resource(referral).execute();

        ObjectNode event = caseEvent("case-closed", nhs);
        ((ObjectNode) event.path("body").path("letter").path("gp")).put("odsCode", practiceOds);
        HttpResponse<String> posted = postCaseEvent(event);
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(202);

        Map<String, Object> row = awaitDelivered(patient, "case-closed");
        Bundle message = onlyMessage("case-closed", row);
        Communication letter = only(message, Communication.class);
        assertThat(letter.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("closure-letter");
        assertThat(letter.getPayloadFirstRep().getContentStringType().getValue())
                .contains("sheltered housing", "Bradwell Ramblers");
        assertThat((String) row.get("FOCUS")).startsWith("EpisodeOfCare/").contains(",Communication/");
        // The gateway wrote no letter of its own: the event brought the council's.
        String episode = ((String) row.get("FOCUS")).split(",")[0];
        assertThat(closureLetters(new IdType(episode).getIdPart())).isEmpty();

        // The same event again (a resend) changes nothing: no second delivery.
        event.put("eventId", UUID.randomUUID().toString());
        assertThat(postCaseEvent(event).statusCode()).isEqualTo(202);
        Thread.sleep(1500);
        assertThat(deliveries(patient)).hasSize(1);
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void aConsentRefusingThePracticeWithholdsTheClosureLetterAndNothingIsSent() throws Exception {
        Reference patient = registeredPatient(practice);
        String consent = refuse(patient, practice);
        EpisodeOfCare episode = LinkwellFixtures.episode(patient, council, EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        client().create().resource(episode).execute();

        Map<String, Object> row = awaitStatus(patient, "case-closed", "withheld");
        assertThat((String) row.get("WITHHELD_BASIS")).isEqualTo(consent + "#provision");
        assertThat((String) row.get("FOCUS")).contains("Communication/");
        Thread.sleep(500);
        assertThat(receiver.received()).isEmpty();
    }

    // --- care plans -------------------------------------------------------------------------------------------

    @Test
    void aCarePlanIsToldToThePracticeWhenCreatedAndWhenItsStatusChangesOnly() throws Exception {
        LinkWorker worker = linkWorker();
        Reference patient = worker.onCaseload(registeredPatient(practice));
        client().create()
                .resource(LinkwellFixtures.verbalConsent(patient, worker.practitioner()))
                .execute();

        CarePlan plan = LinkwellFixtures.actionPlan(patient, worker.practitioner());
        IdType planId = new IdType(worker.client()
                .create()
                .resource(plan)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
        Map<String, Object> created = awaitDelivered(patient, "care-plan-created");
        CarePlan sent = only(onlyMessage("care-plan-created", created), CarePlan.class);
        assertThat(sent.getIdElement().getIdPart()).isEqualTo(planId.getIdPart());
        assertThat(sent.getStatus()).isEqualTo(CarePlan.CarePlanStatus.ACTIVE);

        // A new title, the same status: nothing to tell.
        CarePlan retitled =
                worker.client().read().resource(CarePlan.class).withId(planId).execute();
        retitled.setTitle("Action plan: getting out more");
        worker.client().update().resource(retitled).execute();
        Thread.sleep(800);
        assertThat(deliveries(patient)).hasSize(1);

        CarePlan completed =
                worker.client().read().resource(CarePlan.class).withId(planId).execute();
        completed.setStatus(CarePlan.CarePlanStatus.COMPLETED);
        worker.client().update().resource(completed).execute();
        Map<String, Object> changed = awaitDelivered(patient, "care-plan-status-changed");
        assertThat(only(onlyMessage("care-plan-status-changed", changed), CarePlan.class)
                        .getStatus())
                .isEqualTo(CarePlan.CarePlanStatus.COMPLETED);
        assertThat(deliveries(patient)).hasSize(2);
        assertThat(receiver.received()).hasSize(2);
    }

    @Test
    void withoutThePersonsConsentAPlanIsWithheldFromThePractice() throws Exception {
        LinkWorker worker = linkWorker();
        Reference patient = worker.onCaseload(registeredPatient(practice));
        worker.client()
                .create()
                .resource(LinkwellFixtures.actionPlan(patient, worker.practitioner()))
                .execute();

        Map<String, Object> row = awaitStatus(patient, "care-plan-created", "withheld");
        assertThat(row.get("WITHHELD_BASIS")).isEqualTo("default-deny");
        Thread.sleep(500);
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void aTransactionThatRollsBackRecordsNoDeliveryOfItsPlan() throws Exception {
        Reference patient = registeredPatient(practice);
        Reference author = create(LinkwellFixtures.practitioner("Rollback"));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction
                .addEntry()
                .setResource(LinkwellFixtures.actionPlan(patient, author))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("CarePlan");
        // A plan without its author breaks LinkwellCarePlan: the whole transaction is refused.
        transaction
                .addEntry()
                .setResource(LinkwellFixtures.actionPlan(patient, author).setAuthor(null))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("CarePlan");
        HttpResponse<String> refused =
                fhir(adminToken(), "POST", "", fhirContext.newJsonParser().encodeResourceToString(transaction));
        assertThat(refused.statusCode()).as(refused.body()).isBetween(400, 499);
        Thread.sleep(500);
        assertThat(deliveries(patient)).isEmpty();

        // The same plan on its own is recorded: the trigger was there, the rollback took its delivery away.
        create(LinkwellFixtures.actionPlan(patient, author));
        awaitStatus(patient, "care-plan-created", "withheld");
    }

    // --- admission --------------------------------------------------------------------------------------------

    @Test
    void anAdmissionOverMllpOfAPersonWithAnOpenCaseIsToldToTheTeamManagingIt() throws Exception {
        String teamOds = code("T");
        Reference team = organisation(teamOds, "Care management team", endpoint(receiver.base() + "/team"));
        String nhs = SyntheticNhsNumbers.next();
        Reference patient = create(LinkwellFixtures.patient(nhs));
        create(LinkwellFixtures.episode(patient, team, EpisodeOfCare.EpisodeOfCareStatus.ACTIVE));
        create(LinkwellFixtures.verbalConsent(patient, create(LinkwellFixtures.practitioner("Admission-recorder"))));
        // Someone whose case with the team has closed: their admission is not the team's to hear of.
        String closedNhs = SyntheticNhsNumbers.next();
        Reference closedCase = create(LinkwellFixtures.patient(closedNhs));
        create(LinkwellFixtures.episode(closedCase, team, EpisodeOfCare.EpisodeOfCareStatus.FINISHED));

        String visit = "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        assertThat(ackCode(mllp(admit(nhs, visit)))).isEqualTo("AA");
        assertThat(ackCode(mllp(admit(closedNhs, visit + "C")))).isEqualTo("AA");

        Map<String, Object> row = awaitDelivered(patient, "admission");
        assertThat(row.get("ENDPOINT")).isEqualTo(endpointOf(team));
        assertThat(row.get("RECIPIENT_ORGANISATION")).isEqualTo(teamOds);
        assertThat(row.get("RECIPIENT_ROLE")).isEqualTo("social-care-system");
        Encounter stay = only(onlyMessage("admission", row), Encounter.class);
        assertThat(stay.getStatus()).isEqualTo(Encounter.EncounterStatus.INPROGRESS);
        assertThat(stay.getClass_().getCode()).isEqualTo("IMP");
        assertThat(stay.getIdElement().getIdPart())
                .isEqualTo(((String) row.get("FOCUS")).substring("Encounter/".length()));
        assertThat(receiver.received().get(0).path()).isEqualTo("/team/$process-message");

        // The same admission again (an A01 resent) and an update of the stay (A08, still in progress): no new one.
        assertThat(ackCode(mllp(admit(nhs, visit)))).isEqualTo("AA");
        Thread.sleep(1500);
        assertThat(deliveries(patient)).hasSize(1);
        assertThat(deliveries(closedCase)).isEmpty();
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void withoutThePersonsConsentTheAdmissionIsWithheldFromTheTeam() throws Exception {
        Reference team = organisation(code("T"), "Care management team", endpoint(receiver.base() + "/team"));
        String nhs = SyntheticNhsNumbers.next();
        Reference patient = create(LinkwellFixtures.patient(nhs));
        create(LinkwellFixtures.episode(patient, team, EpisodeOfCare.EpisodeOfCareStatus.ACTIVE));

        String visit = "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        assertThat(ackCode(mllp(admit(nhs, visit)))).isEqualTo("AA");

        Map<String, Object> row = awaitStatus(patient, "admission", "withheld");
        assertThat(row.get("WITHHELD_BASIS")).isEqualTo("default-deny");
        Thread.sleep(500);
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void aPsyLabelledDiagnosisNeverReachesATeamThePersonsConsentKeepsItFromWhileTheRestOfTheAdmissionGoes()
            throws Exception {
        Reference team = organisation(code("T"), "Care management team", endpoint(receiver.base() + "/team"));
        String nhs = SyntheticNhsNumbers.next();
        Reference patient = create(LinkwellFixtures.patient(nhs));
        create(LinkwellFixtures.episode(patient, team, EpisodeOfCare.EpisodeOfCareStatus.ACTIVE));
        // The person shares with the teams caring for them, but not what is labelled psychiatry (v3-ActCode PSY).
        Consent consent =
                LinkwellFixtures.verbalConsent(patient, create(LinkwellFixtures.practitioner("Admission-recorder")));
        consent.getProvision()
                .addProvision()
                .setType(Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(V3_ACT_CODE, "PSY", null));
        create(consent);
        String fracture = condition(patient, "5913000", "Fracture of neck of femur", false);
        String depression = condition(patient, "35489007", "Depressive disorder", true);

        // Admitted (a FHIR write), the stay naming both as its diagnoses.
        Encounter stay = new Encounter()
                .setStatus(Encounter.EncounterStatus.INPROGRESS)
                .setClass_(new Coding(V3_ACT_CODE, "IMP", "inpatient encounter"))
                .setSubject(patient);
        stay.getPeriod().setStartElement(new DateTimeType("2026-12-01T10:00:00Z"));
        stay.addDiagnosis().setCondition(new Reference(fracture)).setRank(1);
        stay.addDiagnosis()
                .setCondition(new Reference(depression).setDisplay("Depressive disorder"))
                .setRank(2);
        String stayId = create(stay).getReferenceElement().getIdPart();

        Map<String, Object> row = awaitDelivered(patient, "admission");
        // Both diagnoses were part of what the admission was to carry; the consent engine let one of them go.
        assertThat(((String) row.get("FOCUS")).split(",")).containsExactly("Encounter/" + stayId, fracture, depression);
        Bundle message = onlyMessage("admission", row);
        String bytes = receiver.received().stream()
                .filter(r -> r.path().equals("/team/$process-message"))
                .map(ExchangeReceiver.Received::text)
                .filter(t -> t.contains((String) row.get("IDEMPOTENCY_KEY")))
                .findFirst()
                .orElseThrow();
        // Nothing of the labelled Condition in the bytes the team's system got: not the resource, its code, its
        // label, nor the stay's reference to it or its display.
        assertThat(bytes)
                .doesNotContain(depression)
                .doesNotContain("35489007")
                .doesNotContain("Depressive")
                .doesNotContain("\"PSY\"");
        assertThat(message.getEntry())
                .extracting(e -> e.getResource().fhirType())
                .containsExactlyInAnyOrder("MessageHeader", "Encounter", "Condition", "Patient");
        assertThat(((MessageHeader) message.getEntryFirstRep().getResource()).getFocus())
                .hasSize(2);
        Encounter sentStay = only(message, Encounter.class);
        assertThat(sentStay.getIdElement().getIdPart()).isEqualTo(stayId);
        assertThat(sentStay.getDiagnosis()).hasSize(1);
        assertThat(sentStay.getDiagnosisFirstRep().getCondition().getReference())
                .isEqualTo(fracture);
        org.hl7.fhir.r4.model.Condition sentFracture = only(message, org.hl7.fhir.r4.model.Condition.class);
        assertThat("Condition/" + sentFracture.getIdElement().getIdPart()).isEqualTo(fracture);
        assertThat(sentFracture.getCode().getCodingFirstRep().getCode()).isEqualTo("5913000");
        assertThat(only(message, Patient.class).getIdentifierFirstRep().getValue())
                .isEqualTo(nhs);
    }

    // --- no one to tell ---------------------------------------------------------------------------------------

    @Test
    void noRegisteredPracticeOrNoEndpointRecordsNothing() throws Exception {
        // Registered nowhere: a plan and a closed case are told to no one.
        Reference unregistered = create(LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
        create(LinkwellFixtures.actionPlan(unregistered, create(LinkwellFixtures.practitioner("Brook"))));
        create(LinkwellFixtures.episode(unregistered, council, EpisodeOfCare.EpisodeOfCareStatus.FINISHED));
        // Registered at a practice without an Endpoint: the closure letter is written, and no delivery recorded.
        String quietOds = code("Q");
        Reference quietPractice = organisation(quietOds, "Quiet Surgery", null);
        Reference quiet = registeredPatient(quietPractice);
        EpisodeOfCare episode = LinkwellFixtures.episode(quiet, council, EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        String episodeId = client().create().resource(episode).execute().getId().getIdPart();
        assertThat(closureLetters(episodeId)).hasSize(1);
        // A referral from that practice declined: the referrer has no Endpoint either.
        IGenericClient quietGp = clientAs(Claims.of("gp-system", quietOds, GP_SCOPES));
        IdType task = refer(quiet, quietGp, quietOds);
        Task declined = socialCare.read().resource(Task.class).withId(task).execute();
        declined.setStatus(TaskStatus.REJECTED);
        declined.setStatusReason(
                new CodeableConcept(new Coding(CS + "referral-decline-reason", "outside-criteria", null)));
        declined.addExtension(
                LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION, new CodeableConcept().setText("Age UK"));
        socialCare.update().resource(declined).execute();

        Thread.sleep(800);
        assertThat(deliveries(unregistered)).isEmpty();
        assertThat(deliveries(quiet)).isEmpty();
        assertThat(receiver.received()).isEmpty();
    }

    // --- fixtures ---------------------------------------------------------------------------------------------

    private static final String V3_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

    /** A confirmed, active Condition of the person (SNOMED CT), labelled PSY if asked; its {@code Condition/<id>}. */
    private String condition(Reference patient, String snomed, String display, boolean psychiatric) {
        org.hl7.fhir.r4.model.Condition condition = new org.hl7.fhir.r4.model.Condition()
                .setSubject(patient)
                .setCode(new CodeableConcept(new Coding("http://snomed.info/sct", snomed, display)))
                .setClinicalStatus(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)))
                .setVerificationStatus(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", null)));
        if (psychiatric) {
            condition.getMeta().addSecurity(new Coding(V3_ACT_CODE, "PSY", "psychiatry information sensitivity"));
        }
        return create(condition).getReference();
    }

    private Reference create(Resource resource) {
        return new Reference(
                client().create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private String endpoint(String address) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-msg", null))
                .setAddress(address);
        endpoint.addPayloadType().setText("FHIR message");
        return create(endpoint).getReference();
    }

    private Reference organisation(String ods, String name, String endpoint) {
        Organization organisation = LinkwellFixtures.organisation(ods, name);
        if (endpoint != null) {
            organisation.addEndpoint(new Reference(endpoint));
        }
        return create(organisation);
    }

    private String endpointOf(Reference organisation) {
        return client().read()
                .resource(Organization.class)
                .withId(organisation.getReference())
                .execute()
                .getEndpointFirstRep()
                .getReference();
    }

    /** The Organization with this ODS code, created if absent. */
    private Reference councilRef(String ods) {
        return new Reference(client().create()
                .resource(LinkwellFixtures.organisation(ods, "Organisation " + ods))
                .conditionalByUrl("Organization?identifier=" + LinkwellFixtures.ODS + "|" + ods)
                .execute()
                .getId()
                .toUnqualifiedVersionless());
    }

    /** A person registered at the practice (as an operator or the hospital feed records it). */
    private Reference registeredPatient(Reference at) {
        Patient patient = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        patient.addGeneralPractitioner(at);
        return create(patient);
    }

    private String nhsNumberOf(Reference patient) {
        return client().read()
                .resource(Patient.class)
                .withId(patient.getReference())
                .execute()
                .getIdentifierFirstRep()
                .getValue();
    }

    private IdType refer(Reference patient) {
        return refer(patient, gp, practiceOds);
    }

    /** The GP system's referral to the council: ServiceRequest + Task in one transaction; returns the Task's id. */
    private IdType refer(Reference patient, IGenericClient referrerClient, String referrerOds) {
        String referrer = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + referrerOds;
        String team = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + councilOds;
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String requestUrl = "urn:uuid:" + UUID.randomUUID();
        ServiceRequest request = LinkwellFixtures.referral(patient, new Reference(referrer), new Reference(team));
        request.addReasonCode().setText("Isolated since bereavement");
        bundle.addEntry()
                .setFullUrl(requestUrl)
                .setResource(request)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("ServiceRequest");
        Task task = new Task()
                .setStatus(TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(new Reference(requestUrl))
                .setFor(patient)
                .setAuthoredOn(new Date())
                .setRequester(new Reference(referrer))
                .setOwner(new Reference(team));
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(task)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Task");
        Bundle response = referrerClient.transaction().withBundle(bundle).execute();
        return new IdType(response.getEntry().stream()
                        .map(e -> e.getResponse().getLocation())
                        .filter(l -> l.startsWith("Task/"))
                        .findFirst()
                        .orElseThrow())
                .toUnqualifiedVersionless();
    }

    /** The person refuses sharing with the practice; returns the Consent's {@code Consent/<id>}. */
    private String refuse(Reference patient, Reference practice) {
        Reference recorder = create(LinkwellFixtures.practitioner("Triggers-recorder"));
        Consent consent = LinkwellFixtures.verbalConsent(patient, recorder);
        consent.getProvision().setType(Consent.ConsentProvisionType.DENY);
        consent.getProvision()
                .addActor()
                .setReference(practice)
                .setRole(new CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "IRCP",
                        "information recipient")));
        return "Consent/"
                + client().create().resource(consent).execute().getId().getIdPart();
    }

    /** A link worker of a team of its own, whose caseload is the people in care teams it is part of. */
    private record LinkWorker(IGenericClient client, Reference practitioner, String team, ExchangeTriggersTest test) {

        /** Puts the person on the worker's caseload (a care team, set up by an operator); returns them. */
        Reference onCaseload(Reference patient) {
            CareTeam careTeam = new CareTeam()
                    .setStatus(CareTeam.CareTeamStatus.ACTIVE)
                    .setSubject(patient)
                    .setName("Link worker care team");
            careTeam.addParticipant().setMember(practitioner);
            careTeam.getMeta()
                    .addTag()
                    .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                    .setCode(team);
            test.create(careTeam);
            return patient;
        }
    }

    private LinkWorker linkWorker() {
        String team = code("W");
        create(LinkwellFixtures.organisation(team, "Link worker team"));
        Reference worker = create(LinkwellFixtures.practitioner("Rivers"));
        IGenericClient client = clientWithToken(
                tokenFor(Claims.of("link-worker-app", team, LW_SCOPES).withPractitioner(worker.getReference())));
        return new LinkWorker(client, worker, team, this);
    }

    // --- the case events door ---------------------------------------------------------------------------------

    private ObjectNode caseEvent(String type, String nhsNumber) throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/socialcare/events/" + type + ".json")) {
            ObjectNode event = (ObjectNode) json.readTree(in);
            event.put("eventId", UUID.randomUUID().toString());
            event.put("localAuthority", DEMO_COUNCIL);
            ObjectNode person = event.putObject("person");
            String suffix = UUID.randomUUID().toString().substring(0, 8).toUpperCase();
            person.put("laPersonId", "LAP-" + suffix);
            person.put("nhsNumber", nhsNumber);
            event.put("caseReference", "CASE-" + suffix);
            return event;
        }
    }

    /** POST /socialcare/events with a real token of the demo social-care client, as the README's curl does. */
    private HttpResponse<String> postCaseEvent(ObjectNode event) throws Exception {
        String token = TestTokens.fromTokenEndpoint(gatewayBase(), "demo-social-care", "demo-social-care-secret", null);
        return http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/events"))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(event)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    // --- the hospital's MLLP door -----------------------------------------------------------------------------

    private String mllp(String message) throws Exception {
        try (MllpClient client = new MllpClient(mllpPort())) {
            return client.send(message);
        }
    }

    /** An inpatient admission (ADT^A01) from the test trust RWELL, as DischargeExchangeTest sends it. */
    private static String admit(String nhsNumber, String visit) {
        String controlId = "X"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
        return String.join(
                        "\r",
                        "MSH|^~\\&|PAS|RWELL|LINKWELL|LINKWELL|20261120083000||ADT^A01^ADT_A01|" + controlId
                                + "|P|2.5.1|||AL|NE|GBR",
                        "EVN|A01|20261120083000",
                        "PID|1||" + nhsNumber + "^^^NHS^NH~H" + nhsNumber
                                + "^^^RWELL^MR||EXCHANGE^SAM^^^MX^^L||19500101|F",
                        pv1(visit))
                + "\r";
    }

    private static String pv1(String visit) {
        String[] f = new String[45];
        java.util.Arrays.fill(f, "");
        f[0] = "PV1";
        f[1] = "1";
        f[2] = "I";
        f[3] = "WARD 7^B2^04^RWELL";
        f[7] = "7654321^OKAFOR^CLARE^^^DR^^^GMC";
        f[14] = "19";
        f[17] = f[7];
        f[19] = visit + "^^^RWELL^VN";
        f[44] = "20261120082500";
        return String.join("|", f);
    }

    private static String ackCode(String ack) {
        for (String segment : ack.split("\r")) {
            if (segment.startsWith("MSA|")) {
                return segment.split("\\|")[1];
            }
        }
        throw new AssertionError("no MSA in the ACK: " + ack.length() + " characters");
    }

    // --- outbox and receiver ----------------------------------------------------------------------------------

    private List<Map<String, Object>> deliveries(Reference patient) {
        return jdbc.queryForList("SELECT * FROM LW_DELIVERY WHERE PATIENT = ? ORDER BY ID", patient.getReference());
    }

    private List<Communication> closureLetters(String episodeId) {
        return client()
                .search()
                .forResource(Communication.class)
                .where(Communication.IDENTIFIER
                        .exactly()
                        .systemAndCode("https://fhir.linkwell.example/Id/case-closure-letter", episodeId))
                .returnBundle(Bundle.class)
                .execute()
                .getEntry()
                .stream()
                .map(e -> (Communication) e.getResource())
                .toList();
    }

    private Map<String, Object> awaitStatus(Reference patient, String event, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream()
                        .anyMatch(r -> event.equals(r.get("EVENT")) && status.equals(r.get("STATUS"))));
        List<Map<String, Object>> rows = deliveries(patient).stream()
                .filter(r -> event.equals(r.get("EVENT")))
                .toList();
        assertThat(rows).as("deliveries of " + event).hasSize(1);
        return rows.get(0);
    }

    private Map<String, Object> awaitDelivered(Reference patient, String event) {
        return awaitStatus(patient, event, "delivered");
    }

    /** The one message the receiver got for this event, after a few more polls, with the delivery's key. */
    private Bundle onlyMessage(String event, Map<String, Object> row) throws Exception {
        Thread.sleep(600);
        List<Bundle> messages = receiver.received().stream()
                .map(r -> parser().parseResource(Bundle.class, r.text()))
                .filter(b -> event.equals(((MessageHeader) b.getEntryFirstRep().getResource())
                        .getEventCoding()
                        .getCode()))
                .toList();
        assertThat(messages).as("messages of " + event).hasSize(1);
        Bundle message = messages.get(0);
        assertThat(message.getType()).isEqualTo(Bundle.BundleType.MESSAGE);
        MessageHeader header = (MessageHeader) message.getEntryFirstRep().getResource();
        assertThat(header.getIdElement().getIdPart()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
        assertThat(header.getEventCoding().getSystem())
                .isEqualTo("https://fhir.linkwell.example/CodeSystem/exchange-event");
        return message;
    }

    private static <T extends Resource> T only(Bundle message, Class<T> type) {
        List<T> found = message.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(type::isInstance)
                .map(type::cast)
                .toList();
        assertThat(found).as(type.getSimpleName() + " in the message").hasSize(1);
        return found.get(0);
    }

    /** A parser that keeps each entry's own id (HAPI's default takes it from the entry's fullUrl). */
    private ca.uhn.fhir.parser.IParser parser() {
        return fhirContext.newJsonParser().setOverrideResourceIdWithBundleEntryFullUrl(false);
    }
}
