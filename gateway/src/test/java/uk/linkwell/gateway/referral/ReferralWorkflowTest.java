package uk.linkwell.gateway.referral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Date;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The referral workflow over HTTP on PostgreSQL: a GP system posts a referral transaction; the local authority's
 * case system (the receiving team) accepts or declines it; the GP appeals a decline. Tokens carry the scopes of
 * the demo GP and social-care clients, for a practice and a council of the test's own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferralWorkflowTest extends GatewayIntegrationTest {

    /** As demo-gp and demo-social-care in application.yaml. */
    static final String GP_SCOPES = "system/Patient.crus system/CarePlan.rs system/Goal.rs system/ServiceRequest.crs "
            + "system/Task.crs system/Consent.c system/Flag.rs system/Communication.crs system/Organization.rs "
            + "system/Practitioner.rs";

    static final String SOCIAL_CARE_SCOPES = "system/*.rs system/Patient.cu system/EpisodeOfCare.cu "
            + "system/CarePlan.cu system/ServiceRequest.cu system/Task.cu";

    private static final String CS = "https://fhir.linkwell.example/CodeSystem/";
    private static final ZoneId LONDON = ZoneId.of("Europe/London");

    private final String practice =
            "G" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String council =
            "L" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private Reference practiceRef;
    private Reference councilRef;
    private IGenericClient gp;
    private IGenericClient socialCare;

    @BeforeAll
    void aPracticeAndACouncil() {
        IGenericClient admin = client();
        practiceRef = new Reference(admin.create()
                .resource(LinkwellFixtures.organisation(practice, "Brook Surgery"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        councilRef = new Reference(admin.create()
                .resource(LinkwellFixtures.organisation(council, "Adult social care"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        gp = clientAs(Claims.of("gp-system", practice, GP_SCOPES));
        socialCare = clientAs(Claims.of("social-care-system", council, SOCIAL_CARE_SCOPES));
    }

    /**
     * A person registered at the practice, by NHS number. The registration comes from an operator (or the hospital
     * feed): a client may not grant itself access to a person through a FHIR write.
     */
    private String registeredPatient() {
        String nhs = SyntheticNhsNumbers.next();
        Patient patient = LinkwellFixtures.patient(nhs);
        patient.addGeneralPractitioner(practiceRef);
        client().create().resource(patient).execute();
        return nhs;
    }

    /** The GP system's referral: ServiceRequest + Task (+ Consent), the patient by NHS number, in one transaction. */
    private Bundle referralTransaction(String nhs, String priority, boolean withConsent) {
        String patient = "Patient?identifier=" + LinkwellFixtures.NHS + "|" + nhs;
        String referrer = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + practice;
        String team = "Organization?identifier=" + LinkwellFixtures.ODS + "|" + council;
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String requestUrl = "urn:uuid:" + UUID.randomUUID();
        ServiceRequest request =
                LinkwellFixtures.referral(new Reference(patient), new Reference(referrer), new Reference(team));
        request.setPriority(ServiceRequest.ServiceRequestPriority.fromCode(priority));
        request.addReasonCode().setText("Isolated since bereavement; struggling with bills");
        if (withConsent) {
            String consentUrl = "urn:uuid:" + UUID.randomUUID();
            Consent consent = LinkwellFixtures.verbalConsent(new Reference(patient), new Reference(referrer));
            bundle.addEntry()
                    .setFullUrl(consentUrl)
                    .setResource(consent)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Consent");
            request.addExtension(LinkwellProfiles.REFERRAL_CONSENT_EXTENSION, new Reference(consentUrl));
        }
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
                .setFor(new Reference(patient))
                .setAuthoredOn(new Date())
                .setRequester(new Reference(referrer))
                .setOwner(new Reference(team));
        // The Task carries the referral's priority too, as the REF^I12 mapper writes it.
        task.setPriority(Task.TaskPriority.fromCode(priority));
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(task)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Task");
        return bundle;
    }

    private record Referral(IdType task, String nhs, LocalDate receivedFrom, LocalDate receivedTo) {}

    private Referral refer(String priority) {
        String nhs = registeredPatient();
        LocalDate before = LocalDate.now(LONDON);
        Bundle response = gp.transaction()
                .withBundle(referralTransaction(nhs, priority, false))
                .execute();
        LocalDate after = LocalDate.now(LONDON);
        String location = response.getEntry().stream()
                .map(e -> e.getResponse().getLocation())
                .filter(l -> l.startsWith("Task/"))
                .findFirst()
                .orElseThrow();
        return new Referral(new IdType(location).toUnqualifiedVersionless(), nhs, before, after);
    }

    private Task read(IGenericClient client, IdType id) {
        return client.read().resource(Task.class).withId(id).execute();
    }

    /** The due date: end of the London day {@code days} after receipt (receipt may straddle midnight). */
    private static void assertDue(Task task, LocalDate receivedFrom, LocalDate receivedTo, int days) {
        Set<String> expected = java.util.stream.Stream.of(receivedFrom, receivedTo)
                .distinct()
                .map(d -> ReferralClock.asFhir(
                                d.plusDays(days).atTime(23, 59, 59).atZone(LONDON))
                        .getValueAsString())
                .collect(Collectors.toSet());
        assertThat(task.getRestriction().getPeriod().getEndElement().getValueAsString())
                .isIn(expected);
    }

    private Task accept(IdType id) {
        Task task = read(socialCare, id);
        task.setStatus(TaskStatus.ACCEPTED);
        socialCare.update().resource(task).execute();
        return read(socialCare, id);
    }

    private Task declinable(IdType id) {
        Task task = read(socialCare, id);
        task.setStatus(TaskStatus.REJECTED);
        task.setStatusReason(
                new CodeableConcept(new Coding(CS + "referral-decline-reason", "needs-met-elsewhere", null))
                        .setText("Debt advice is the pressing need"));
        task.addExtension(
                LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION,
                new CodeableConcept().setText("Citizens Advice debt clinic"));
        task.addExtension(LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION, councilRef.copy());
        return task;
    }

    private Task decline(IdType id) {
        socialCare.update().resource(declinable(id)).execute();
        return read(socialCare, id);
    }

    private Task moveTo(IdType id, TaskStatus status) {
        Task task = read(socialCare, id);
        task.setStatus(status);
        socialCare.update().resource(task).execute();
        return read(socialCare, id);
    }

    private Task appeal(IdType decision) {
        Task declined = read(gp, decision);
        Task appeal = new Task()
                .setStatus(TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(declined.getFocus().copy())
                .setFor(declined.getFor().copy())
                .setAuthoredOn(new Date())
                .setRequester(declined.getRequester().copy())
                .setOwner(declined.getOwner().copy());
        appeal.addBasedOn(new Reference(decision));
        appeal.addNote().setText("Asking the team manager to review: the debt is a symptom of her isolation");
        return appeal;
    }

    /** The request fails with this HTTP status and an OperationOutcome whose diagnostics contain every fragment. */
    private static String refused(Runnable call, int status, String... fragments) {
        try {
            call.run();
        } catch (BaseServerResponseException e) {
            assertThat(e.getStatusCode()).as(e.getMessage()).isEqualTo(status);
            OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
            assertThat(outcome).as("an OperationOutcome").isNotNull();
            String diagnostics = outcome.getIssue().stream()
                    .map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
                    .collect(Collectors.joining(" | "));
            assertThat(diagnostics).contains(fragments);
            return diagnostics;
        }
        return fail("expected HTTP " + status);
    }

    // --- receipt and due dates

    @Test
    void aGpReferralTransactionCreatesATaskDueThreeDaysAfterReceipt() {
        String nhs = registeredPatient();
        LocalDate before = LocalDate.now(LONDON);
        Bundle response = gp.transaction()
                .withBundle(referralTransaction(nhs, "routine", true))
                .execute();
        LocalDate after = LocalDate.now(LONDON);
        assertThat(response.getEntry())
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).startsWith("201"));
        IdType taskId = new IdType(response.getEntry().stream()
                        .map(e -> e.getResponse().getLocation())
                        .filter(l -> l.startsWith("Task/"))
                        .findFirst()
                        .orElseThrow())
                .toUnqualifiedVersionless();

        Task task = read(gp, taskId);
        assertThat(task.getStatus()).isEqualTo(TaskStatus.REQUESTED);
        assertDue(task, before, after, 3);
        assertThat(task.getOwner().getReference()).isEqualTo(councilRef.getReference());
        ServiceRequest referral = gp.read()
                .resource(ServiceRequest.class)
                .withId(task.getFocus().getReferenceElement())
                .execute();
        assertThat(referral.getExtensionByUrl(LinkwellProfiles.REFERRAL_CONSENT_EXTENSION))
                .isNotNull();
        // The receiving team sees the referral addressed to it before the person is on its caseload.
        assertThat(read(socialCare, taskId).getStatus()).isEqualTo(TaskStatus.REQUESTED);
        assertThat(socialCare
                        .read()
                        .resource(ServiceRequest.class)
                        .withId(referral.getIdElement())
                        .execute()
                        .getReasonCodeFirstRep()
                        .getText())
                .contains("bereavement");
    }

    @Test
    void anUrgentReferralIsDueTheSameDay() {
        Referral urgent = refer("urgent");
        assertDue(read(gp, urgent.task()), urgent.receivedFrom(), urgent.receivedTo(), 0);
    }

    @Test
    void aDueDateTheGpSendsIsReplacedByTheServiceRule() {
        String nhs = registeredPatient();
        Bundle bundle = referralTransaction(nhs, "routine", false);
        Task task = (Task) bundle.getEntry().get(bundle.getEntry().size() - 1).getResource();
        task.getRestriction().getPeriod().setEndElement(new org.hl7.fhir.r4.model.DateTimeType("2027-06-30"));
        LocalDate before = LocalDate.now(LONDON);
        Bundle response = gp.transaction().withBundle(bundle).execute();
        LocalDate after = LocalDate.now(LONDON);
        String location = response.getEntry().stream()
                .map(e -> e.getResponse().getLocation())
                .filter(l -> l.startsWith("Task/"))
                .findFirst()
                .orElseThrow();
        assertDue(read(gp, new IdType(location)), before, after, 3);
    }

    @Test
    void aNewReferralTaskMustStartAsRequested() {
        String nhs = registeredPatient();
        Bundle bundle = referralTransaction(nhs, "routine", false);
        ((Task) bundle.getEntry().get(bundle.getEntry().size() - 1).getResource()).setStatus(TaskStatus.ACCEPTED);
        refused(() -> gp.transaction().withBundle(bundle).execute(), 422, "starts as 'requested'", "'accepted'");
    }

    // --- accept

    @Test
    void acceptingOpensTheCaseWithTheReceivingTeam() {
        Referral referral = refer("routine");
        Task accepted = accept(referral.task());
        assertThat(accepted.getStatus()).isEqualTo(TaskStatus.ACCEPTED);
        assertDue(accepted, referral.receivedFrom(), referral.receivedTo(), 3);

        Bundle episodes = socialCare
                .search()
                .forResource(EpisodeOfCare.class)
                .where(EpisodeOfCare.INCOMING_REFERRAL.hasId(accepted.getFocus().getReference()))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(episodes.getEntry()).hasSize(1);
        EpisodeOfCare episode = (EpisodeOfCare) episodes.getEntryFirstRep().getResource();
        assertThat(episode.getStatus()).isEqualTo(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        assertThat(episode.getPatient().getReference())
                .isEqualTo(accepted.getFor().getReference());
        assertThat(episode.getManagingOrganization().getReference()).isEqualTo(councilRef.getReference());
        assertThat(episode.getReferralRequestFirstRep().getReference())
                .isEqualTo(accepted.getFocus().getReference());
        assertThat(episode.getPeriod().getStart()).isNotNull();
        // The person is now on the council's caseload: their record opens to it.
        assertThat(socialCare
                        .read()
                        .resource(Patient.class)
                        .withId(accepted.getFor().getReferenceElement())
                        .execute()
                        .getIdentifierFirstRep()
                        .getValue())
                .isEqualTo(referral.nhs());

        // Saying "accepted" again (an edit) opens no second case.
        Task again = read(socialCare, referral.task());
        again.addNote().setText("Allocated at Monday's meeting");
        socialCare.update().resource(again).execute();
        assertThat(client().search()
                        .forResource(EpisodeOfCare.class)
                        .where(EpisodeOfCare.INCOMING_REFERRAL.hasId(
                                accepted.getFocus().getReference()))
                        .returnBundle(Bundle.class)
                        .execute()
                        .getEntry())
                .hasSize(1);
    }

    /**
     * The team's worklist of incoming referrals is one search ({@code Task?owner=} its Organization), found before
     * the person is on its caseload; another council naming the team as owner finds nothing, and the person the
     * Task is for is not disclosed through {@code _include} before the referral is accepted.
     */
    @Test
    void theTeamFindsTheReferralsAddressedToItBeforeThePersonIsOnItsCaseload() {
        Referral referral = refer("routine");
        String owned = "Task?owner=" + councilRef.getReference() + "&status=requested";

        Bundle found =
                socialCare.search().byUrl(owned).returnBundle(Bundle.class).execute();
        assertThat(found.getEntry())
                .extracting(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .contains(referral.task().getValue());
        assertThat(found.getEntry()).allMatch(e -> e.getResource() instanceof Task);
        if (found.hasTotal()) {
            assertThat(found.getTotal()).isEqualTo(found.getEntry().size());
        }
        // The team's everyday search, without naming itself, stays narrowed to its caseload.
        Bundle narrowed = socialCare
                .search()
                .byUrl("Task?status=requested")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(narrowed.getEntry())
                .extracting(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .doesNotContain(referral.task().getValue());

        Bundle withPatient = socialCare
                .search()
                .byUrl(owned + "&_include=Task:patient")
                .returnBundle(Bundle.class)
                .execute();
        // Other referrals' people may be on its caseload (cases it accepted); this one's person is not yet.
        assertThat(withPatient.getEntry())
                .noneMatch(e -> e.getResource() instanceof Patient p
                        && p.getIdentifier().stream()
                                .anyMatch(i -> referral.nhs().equals(i.getValue())));

        IGenericClient stranger =
                clientAs(Claims.of("social-care-system", "Z" + council.substring(1), SOCIAL_CARE_SCOPES));
        Bundle strangers =
                stranger.search().byUrl(owned).returnBundle(Bundle.class).execute();
        assertThat(strangers.getEntry()).isEmpty();
    }

    @Test
    void anotherCouncilCannotDecideOnAReferralItDoesNotOwn() {
        Referral referral = refer("routine");
        IGenericClient stranger =
                clientAs(Claims.of("social-care-system", "Z" + council.substring(1), SOCIAL_CARE_SCOPES));
        refused(() -> read(stranger, referral.task()), 404, "not known");
    }

    // --- decline

    @Test
    void decliningWithReasonsWritesTheReasonsAndAlternativesToTheReferrer() {
        Referral referral = refer("routine");
        Task declined = decline(referral.task());
        assertThat(declined.getStatus()).isEqualTo(TaskStatus.REJECTED);
        assertThat(declined.getStatusReason().getCodingFirstRep().getCode()).isEqualTo("needs-met-elsewhere");

        Bundle letters = gp.search()
                .forResource(Communication.class)
                .where(Communication.RECIPIENT.hasId(practiceRef.getReference()))
                .and(Communication.SUBJECT.hasId(declined.getFor().getReference()))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(letters.getEntry()).hasSize(1);
        Communication letter = (Communication) letters.getEntryFirstRep().getResource();
        assertThat(letter.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("decline-letter");
        assertThat(letter.getStatus()).isEqualTo(Communication.CommunicationStatus.COMPLETED);
        assertThat(letter.getSender().getReference()).isEqualTo(councilRef.getReference());
        assertThat(letter.getAbout())
                .extracting(Reference::getReference)
                .contains(referral.task().getValue(), declined.getFocus().getReference());
        String text = ((StringType) letter.getPayloadFirstRep().getContent()).getValue();
        assertThat(text)
                .contains(
                        "Needs better met by another service",
                        "needs-met-elsewhere",
                        "Debt advice is the pressing need",
                        "Citizens Advice debt clinic",
                        "Adult social care");
        // No case was opened.
        assertThat(client().search()
                        .forResource(EpisodeOfCare.class)
                        .where(EpisodeOfCare.INCOMING_REFERRAL.hasId(
                                declined.getFocus().getReference()))
                        .returnBundle(Bundle.class)
                        .execute()
                        .getEntry())
                .isEmpty();
    }

    @Test
    void declineWithoutACodedReasonIs422NamingStatusReason() {
        Referral referral = refer("routine");
        Task task = declinable(referral.task());
        task.setStatusReason(new CodeableConcept().setText("not for us"));
        refused(
                () -> socialCare.update().resource(task).execute(),
                422,
                "Task.statusReason",
                "referral-decline-reason");
        assertThat(read(socialCare, referral.task()).getStatus()).isEqualTo(TaskStatus.REQUESTED);
    }

    @Test
    void declineWithoutAnAlternativeIs422NamingTheExtension() {
        Referral referral = refer("routine");
        Task task = declinable(referral.task());
        task.getExtension().removeIf(e -> e.getUrl().equals(LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION));
        refused(
                () -> socialCare.update().resource(task).execute(),
                422,
                "recommended alternative",
                LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION);
        assertThat(read(socialCare, referral.task()).getStatus()).isEqualTo(TaskStatus.REQUESTED);
        assertThat(gp.search()
                        .forResource(Communication.class)
                        .where(Communication.SUBJECT.hasId(
                                read(gp, referral.task()).getFor().getReference()))
                        .returnBundle(Bundle.class)
                        .execute()
                        .getEntry())
                .isEmpty();
    }

    // --- appeal

    @Test
    void theReferrerAppealsADeclineWithANewTaskDueAfresh() {
        Referral referral = refer("routine");
        decline(referral.task());
        LocalDate before = LocalDate.now(LONDON);
        IdType appealId = (IdType)
                gp.create().resource(appeal(referral.task())).execute().getId().toUnqualifiedVersionless();
        LocalDate after = LocalDate.now(LONDON);

        Task appeal = read(gp, appealId);
        assertThat(appeal.getStatus()).isEqualTo(TaskStatus.REQUESTED);
        assertThat(appeal.getBasedOnFirstRep().getReference())
                .isEqualTo(referral.task().getValue());
        assertDue(appeal, before, after, 3);
        // The decision stands as it was; the team reviews the appeal like a referral and may accept it.
        assertThat(read(gp, referral.task()).getStatus()).isEqualTo(TaskStatus.REJECTED);
        assertThat(accept(appealId).getStatus()).isEqualTo(TaskStatus.ACCEPTED);
    }

    @Test
    void appealingATaskThatWasNotDeclinedIs409() {
        Referral referral = refer("routine");
        refused(
                () -> gp.create().resource(appeal(referral.task())).execute(),
                409,
                "Only a declined referral can be appealed",
                referral.task().getValue(),
                "'requested'");
        accept(referral.task());
        refused(() -> gp.create().resource(appeal(referral.task())).execute(), 409, "'accepted', not 'rejected'");
    }

    @Test
    void aSecondAppealWhileOneIsOpenIs409() {
        Referral referral = refer("routine");
        decline(referral.task());
        IdType first = (IdType)
                gp.create().resource(appeal(referral.task())).execute().getId().toUnqualifiedVersionless();
        refused(
                () -> gp.create().resource(appeal(referral.task())).execute(),
                409,
                "already under appeal",
                first.getValue());
    }

    // --- the inbound routes are the authority for their own events

    @org.springframework.beans.factory.annotation.Autowired
    private ca.uhn.fhir.jpa.api.dao.IFhirSystemDao<Bundle, ?> systemDao;

    private void applyCaseEvent(String nhs, String caseReference, String type, String occurredAt, String body)
            throws Exception {
        String json = "{\"schemaVersion\":\"1\",\"eventId\":\"" + UUID.randomUUID() + "\",\"eventType\":\"" + type
                + "\",\"occurredAt\":\"" + occurredAt + "\",\"localAuthority\":\"" + council
                + "\",\"person\":{\"nhsNumber\":\"" + nhs + "\"},\"caseReference\":\"" + caseReference
                + "\",\"body\":" + body + "}";
        Bundle bundle = new uk.linkwell.mappings.socialcare.CaseEventMapper()
                .map(
                        json,
                        new uk.linkwell.mappings.MappingContext(
                                UUID.randomUUID().toString(), java.time.Instant.now()));
        // As MessageApplication applies a stored message: through the DAO layer, as the gateway itself.
        systemDao.transaction(new ca.uhn.fhir.rest.api.server.SystemRequestDetails(), bundle);
    }

    @Test
    void caseEventsOutOfOrderAreNotHeldToTheRestWorkflow() throws Exception {
        String nhs = registeredPatient();
        String caseReference = "CASE-" + UUID.randomUUID().toString().substring(0, 8);
        // The acceptance lands first: its Task is born 'accepted' (a REST create would be refused with 422).
        applyCaseEvent(
                nhs,
                caseReference,
                "referral-accepted",
                "2026-11-03T14:00:00Z",
                "{\"acceptedOn\":\"2026-11-03\",\"service\":\"Adult care management\"}");
        applyCaseEvent(
                nhs,
                caseReference,
                "referral-received",
                "2026-11-02T09:30:00Z",
                "{\"receivedOn\":\"2026-11-02\",\"source\":\"gp\",\"referrer\":{\"odsCode\":\"" + practice
                        + "\",\"name\":\"Brook Surgery\"},\"reason\":\"Struggling at home\",\"urgent\":false}");
        String taskSearch = "Task?identifier=https://fhir.linkwell.example/Id/socialcare/" + council
                + "/referral-task|nhs-" + nhs + ":" + caseReference;
        Task task = (Task) client().search()
                .byUrl(taskSearch)
                .returnBundle(Bundle.class)
                .execute()
                .getEntryFirstRep()
                .getResource();
        assertThat(task.getStatus()).isEqualTo(TaskStatus.ACCEPTED);
        // The case system then says declined: accepted -> rejected, which the REST API refuses, is its call here.
        applyCaseEvent(
                nhs,
                caseReference,
                "referral-declined",
                "2026-11-04T10:00:00Z",
                "{\"declinedOn\":\"2026-11-04\",\"reasons\":[\"outside-criteria\"],\"explanation\":\"No eligible needs.\","
                        + "\"alternatives\":[{\"name\":\"Community navigator\"}],\"referrer\":{\"odsCode\":\""
                        + practice + "\",\"name\":\"Brook Surgery\"}}");
        task = (Task) client().search()
                .byUrl(taskSearch)
                .returnBundle(Bundle.class)
                .execute()
                .getEntryFirstRep()
                .getResource();
        assertThat(task.getStatus()).isEqualTo(TaskStatus.REJECTED);
        // The gateway wrote no letter or case of its own: the case system's events carry those.
        assertThat(client().search()
                        .byUrl("Communication?identifier=" + ReferralDecisions.DECLINE_LETTER_IDENTIFIER + "|"
                                + task.getIdElement().getIdPart())
                        .returnBundle(Bundle.class)
                        .execute()
                        .getEntry())
                .isEmpty();
    }

    // --- illegal transitions

    @Test
    void acceptedCannotGoBackToRequested() {
        Referral referral = refer("routine");
        accept(referral.task());
        refused(
                () -> moveTo(referral.task(), TaskStatus.REQUESTED),
                409,
                "from 'accepted' to 'requested'",
                "cancelled, in-progress, completed");
    }

    @Test
    void aDeclineCannotBeTurnedIntoAnAcceptance() {
        Referral referral = refer("routine");
        decline(referral.task());
        refused(
                () -> moveTo(referral.task(), TaskStatus.ACCEPTED),
                409,
                "from 'rejected' to 'accepted'",
                "'rejected' is final",
                "basedOn " + referral.task().getValue());
        assertThat(client().search()
                        .forResource(EpisodeOfCare.class)
                        .where(EpisodeOfCare.INCOMING_REFERRAL.hasId(
                                read(gp, referral.task()).getFocus().getReference()))
                        .returnBundle(Bundle.class)
                        .execute()
                        .getEntry())
                .isEmpty();
    }

    @Test
    void aCompletedReferralIsFinal() {
        Referral referral = refer("routine");
        accept(referral.task());
        moveTo(referral.task(), TaskStatus.INPROGRESS);
        assertThat(moveTo(referral.task(), TaskStatus.COMPLETED).getStatus()).isEqualTo(TaskStatus.COMPLETED);
        refused(
                () -> moveTo(referral.task(), TaskStatus.INPROGRESS),
                409,
                "from 'completed' to 'in-progress'",
                "'completed' is final");
    }

    @Test
    void aCancelledReferralCannotBeDecided() {
        Referral referral = refer("routine");
        moveTo(referral.task(), TaskStatus.CANCELLED);
        refused(
                () -> moveTo(referral.task(), TaskStatus.ACCEPTED),
                409,
                "from 'cancelled' to 'accepted'",
                "'cancelled' is final");
    }

    @Test
    void aRequestedReferralCannotSkipToCompleted() {
        Referral referral = refer("routine");
        refused(
                () -> moveTo(referral.task(), TaskStatus.COMPLETED),
                409,
                "from 'requested' to 'completed'",
                "accepted, rejected, cancelled");
    }

    @Test
    void aStateOutsideTheWorkflowIs422() {
        Referral referral = refer("routine");
        refused(() -> moveTo(referral.task(), TaskStatus.ONHOLD), 422, "'on-hold' is not a state of a referral Task");
    }
}
