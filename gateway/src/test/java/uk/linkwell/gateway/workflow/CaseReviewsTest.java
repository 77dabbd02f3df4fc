package uk.linkwell.gateway.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.referral.ReferralClock;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Case reviews on PostgreSQL through the real doors: a case opened (by an operator, or by accepting a referral) has
 * its review due at its RAG interval (the tests configure red P6M, amber P9M, green the P12M default); an inpatient
 * admission over MLLP, a Section 42 enquiry, a carer's breakdown and a change of circumstances (case events over
 * HTTP) each open one unscheduled review, and a repeat or a second trigger of the same kind none; a person without
 * an active case gets none; completing a review as the team's link worker sets the next and the complexity;
 * overdue reviews are one search for the team and admin, and invisible to another team.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaseReviewsTest extends GatewayIntegrationTest {

    /** As demo-link-worker in application.yaml. */
    static final String LW_SCOPES = "user/Patient.rs user/CarePlan.cruds user/Goal.cruds user/ServiceRequest.cruds "
            + "user/Task.cruds user/QuestionnaireResponse.cruds user/Consent.crus user/CareTeam.rs "
            + "user/Questionnaire.rs user/Observation.rs";

    /** As demo-gp and demo-social-care in application.yaml (the referral test's clients). */
    static final String GP_SCOPES = "system/Patient.crus system/CarePlan.rs system/Goal.rs system/ServiceRequest.crs "
            + "system/Task.crs system/Consent.c system/Flag.rs system/Communication.crs system/Organization.rs "
            + "system/Practitioner.rs";

    static final String SOCIAL_CARE_SCOPES = "system/*.rs system/Patient.cu system/EpisodeOfCare.cu "
            + "system/CarePlan.cu system/ServiceRequest.cu system/Task.cu";

    /** The demo social-care client's council, which sends the case events. */
    static final String COUNCIL = "999";

    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    private static final String COMPLEXITY = "https://fhir.linkwell.example/CodeSystem/complexity-rating";
    private static final String TRIGGER = LinkwellProfiles.REVIEW_TRIGGER_SYSTEM;
    private static final String REVIEWS = "Task?code=" + LinkwellProfiles.CARE_TASK_SYSTEM + "|review";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    private JdbcTemplate jdbc;

    private final String team =
            "R" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String otherTeam =
            "R" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private Reference teamOrg;
    private Reference worker;
    private String linkWorker;
    private String otherLinkWorker;

    @BeforeAll
    void twoTeams() {
        IGenericClient admin = client();
        teamOrg = create(admin, LinkwellFixtures.organisation(team, "Care management team"));
        create(admin, LinkwellFixtures.organisation(otherTeam, "Another team"));
        worker = create(admin, LinkwellFixtures.practitioner("Rivers"));
        Reference other = create(admin, LinkwellFixtures.practitioner("Lake"));
        linkWorker = tokenFor(Claims.of("link-worker-app", team, LW_SCOPES).withPractitioner(worker.getReference()));
        otherLinkWorker =
                tokenFor(Claims.of("link-worker-app", otherTeam, LW_SCOPES).withPractitioner(other.getReference()));
    }

    // --- fixtures

    private record Case(String nhs, Reference patient, String episode) {}

    /** A person with an active case of the team, managed by the link worker, opened by an operator on {@code start}. */
    private Case openCase(String complexity, LocalDate start) {
        String nhs = SyntheticNhsNumbers.next();
        Reference patient = create(client(), LinkwellFixtures.patient(nhs));
        EpisodeOfCare episode = LinkwellFixtures.episode(patient, teamOrg, EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        episode.getPeriod().setStartElement(new DateTimeType(start.toString()));
        episode.setCareManager(worker);
        if (complexity != null) {
            episode.addExtension(
                    LinkwellProfiles.COMPLEXITY_RATING_EXTENSION,
                    new CodeableConcept(new Coding(COMPLEXITY, complexity, null)));
        }
        // The team's record: the operator states the author, as it does when it opens a case on the team's behalf.
        episode.getMeta().addTag().setSystem(AuthorOrganisationStamp.TAG_SYSTEM).setCode(team);
        return new Case(nhs, patient, create(client(), episode).getReference());
    }

    private static Reference create(IGenericClient client, Resource resource) {
        return new Reference(
                client.create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private List<Task> reviews(String token, String query) {
        HttpResponse<String> response = fhir(token, "GET", query, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(Bundle.class, response.body()).getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(Task.class::isInstance)
                .map(Task.class::cast)
                .toList();
    }

    /** The case's review Tasks in this status, as admin sees them. */
    private List<Task> reviewsOf(String episode, String status) {
        return reviews(adminToken(), REVIEWS + "&focus=" + episode + "&status=" + status + "&_count=50");
    }

    private static String trigger(Task review) {
        return review.getReasonCode().getCoding().stream()
                .filter(c -> TRIGGER.equals(c.getSystem()))
                .map(Coding::getCode)
                .findFirst()
                .orElse(null);
    }

    private static String due(Task review) {
        return review.getRestriction().getPeriod().getEndElement().getValueAsString();
    }

    /** The end of the London day, as the gateway writes due dates. */
    private static String endOf(LocalDate day) {
        return ReferralClock.asFhir(day.atTime(23, 59, 59).atZone(LONDON)).getValueAsString();
    }

    /** Days the test ran on (a test may straddle midnight), each mapped to the due date it would give. */
    private static Set<String> dueFrom(LocalDate before, java.util.function.Function<LocalDate, LocalDate> rule) {
        return Stream.of(before, LocalDate.now(LONDON))
                .distinct()
                .map(rule)
                .map(CaseReviewsTest::endOf)
                .collect(Collectors.toSet());
    }

    /** Five working days on, counted here on its own: Saturdays and Sundays skipped. */
    private static LocalDate fiveWorkingDaysAfter(LocalDate day) {
        LocalDate due = day;
        int counted = 0;
        while (counted < 5) {
            due = due.plusDays(1);
            if (due.getDayOfWeek() != DayOfWeek.SATURDAY && due.getDayOfWeek() != DayOfWeek.SUNDAY) {
                counted++;
            }
        }
        return due;
    }

    // --- scheduled reviews

    @Test
    void aCaseOpenedHasOneReviewDueAtTheIntervalOfItsComplexity() {
        LocalDate start = LocalDate.now(LONDON).minusDays(3);
        record Expect(String complexity, Period interval) {}
        for (Expect expect : List.of(
                new Expect(null, Period.ofMonths(12)),
                new Expect("green", Period.ofMonths(12)),
                new Expect("amber", Period.ofMonths(9)),
                new Expect("red", Period.ofMonths(6)))) {
            Case c = openCase(expect.complexity(), start);

            List<Task> open = reviewsOf(c.episode(), "requested");

            assertThat(open).as("complexity " + expect.complexity()).hasSize(1);
            Task review = open.get(0);
            assertThat(due(review))
                    .as("complexity " + expect.complexity())
                    .isEqualTo(endOf(start.plus(expect.interval())));
            assertThat(trigger(review)).isEqualTo("scheduled");
            assertThat(review.getIntent()).isEqualTo(Task.TaskIntent.ORDER);
            assertThat(review.getFor().getReference()).isEqualTo(c.patient().getReference());
            assertThat(review.getFocus().getReference()).isEqualTo(c.episode());
            assertThat(review.getOwner().getReference()).isEqualTo(worker.getReference());
            assertThat(review.getAuthoredOn()).isNotNull();
            assertThat(review.getIdentifierFirstRep().getSystem()).isEqualTo(CaseReviews.REVIEW_IDENTIFIER);
        }
    }

    @Test
    void aCaseOpenedByAcceptingAReferralHasItsReviewFromTheSameWrite() {
        String practice = "G" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        String council = "L" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference practiceRef = create(client(), LinkwellFixtures.organisation(practice, "Brook Surgery"));
        Reference councilRef = create(client(), LinkwellFixtures.organisation(council, "Adult social care"));
        IGenericClient gp = clientAs(Claims.of("gp-system", practice, GP_SCOPES));
        IGenericClient socialCare = clientAs(Claims.of("social-care-system", council, SOCIAL_CARE_SCOPES));
        Patient person = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        person.addGeneralPractitioner(practiceRef);
        Reference patient = create(client(), person);
        Reference referral = create(gp, LinkwellFixtures.referral(patient, practiceRef, councilRef));
        Task task = new Task()
                .setStatus(TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(referral)
                .setFor(patient)
                .setAuthoredOn(new Date())
                .setRequester(practiceRef)
                .setOwner(councilRef);
        IdType taskId = (IdType) gp.create().resource(task).execute().getId().toUnqualifiedVersionless();
        LocalDate before = LocalDate.now(LONDON);

        Task decided = socialCare.read().resource(Task.class).withId(taskId).execute();
        decided.setStatus(TaskStatus.ACCEPTED);
        socialCare.update().resource(decided).execute();

        Bundle cases = client().search()
                .byUrl("EpisodeOfCare?incoming-referral=" + referral.getReference())
                .returnBundle(Bundle.class)
                .execute();
        assertThat(cases.getEntry()).hasSize(1);
        String episode = "EpisodeOfCare/"
                + cases.getEntryFirstRep().getResource().getIdElement().getIdPart();
        // The council's system sees the review of the case its team manages (owner: the team; no care manager yet).
        List<Task> open = reviews(
                tokenFor(Claims.of("social-care-system", council, SOCIAL_CARE_SCOPES)),
                REVIEWS + "&focus=" + episode + "&status=requested");
        assertThat(open).hasSize(1);
        assertThat(trigger(open.get(0))).isEqualTo("scheduled");
        assertThat(due(open.get(0))).isIn(dueFrom(before, d -> d.plusMonths(12)));
        assertThat(open.get(0).getOwner().getReference()).isEqualTo(councilRef.getReference());
    }

    @Test
    void aCaseThatEndsHasNoReviewLeftOpen() {
        Case c = openCase("amber", LocalDate.now(LONDON));
        assertThat(reviewsOf(c.episode(), "requested")).hasSize(1);

        EpisodeOfCare episode = client().read()
                .resource(EpisodeOfCare.class)
                .withId(c.episode())
                .execute();
        episode.setStatus(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        episode.getPeriod().setEndElement(new DateTimeType(LocalDate.now(LONDON).toString()));
        client().update().resource(episode).execute();

        assertThat(reviewsOf(c.episode(), "requested")).isEmpty();
        assertThat(reviewsOf(c.episode(), "cancelled")).hasSize(1);
    }

    // --- unscheduled reviews: an admission over MLLP

    private static String a01(String nhs, String visit, String controlId) {
        String[] pv1 = new String[45];
        Arrays.fill(pv1, "");
        pv1[0] = "PV1";
        pv1[1] = "1";
        pv1[2] = "I";
        pv1[3] = "WARD 7^B2^04^RWELL";
        pv1[19] = visit + "^^^RWELL^VN";
        pv1[44] = "20261120082500";
        return String.join(
                        "\r",
                        "MSH|^~\\&|PAS|RWELL|LINKWELL|LINKWELL|20261120083000||ADT^A01^ADT_A01|" + controlId
                                + "|P|2.5.1|||AL|NE|GBR|UNICODE UTF-8",
                        "EVN|A01|20261120083000",
                        "PID|1||" + nhs + "^^^NHS^NH~H" + visit + "^^^RWELL^MR||TESTPERSON^SAM^^^MX^^L||19500101|F",
                        String.join("|", pv1))
                + "\r";
    }

    /** Sends one message over MLLP as the trust RWELL and waits until the worker has applied it. */
    private void admit(String message, String controlId) throws Exception {
        try (MllpClient mllp = new MllpClient(mllpPort())) {
            assertThat(mllp.send(message)).contains("MSA|AA|" + controlId);
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<String> statuses = jdbc.queryForList(
                            "SELECT STATUS FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ?", String.class, controlId);
                    assertThat(statuses).doesNotContain("failed", "rejected");
                    return !statuses.isEmpty() && statuses.stream().allMatch("done"::equals);
                });
    }

    private static String controlId() {
        return "RV"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase();
    }

    /** The person's consent to share with the team (recorded by an operator for the test). */
    private void consentToTheTeam(Reference patient) {
        org.hl7.fhir.r4.model.Consent consent = LinkwellFixtures.verbalConsent(patient, teamOrg);
        consent.getProvision()
                .addActor()
                .setRole(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)))
                .setReference(new Reference()
                        .setIdentifier(new org.hl7.fhir.r4.model.Identifier()
                                .setSystem(LinkwellFixtures.ODS)
                                .setValue(team)));
        create(client(), consent);
    }

    @Test
    void anAdmissionOpensOneReviewAndARepeatOrASecondAdmissionNoOther() throws Exception {
        Case c = openCase("green", LocalDate.now(LONDON).minusMonths(2));
        // The team may know of hospital stays only as the person consented: here they did.
        consentToTheTeam(c.patient());
        LocalDate before = LocalDate.now(LONDON);
        String visit = "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        String controlId = controlId();
        String message = a01(c.nhs(), visit, controlId);

        admit(message, controlId);

        List<Task> admissions = reviewsOf(c.episode(), "requested").stream()
                .filter(t -> "hospital-admission".equals(trigger(t)))
                .toList();
        assertThat(admissions).hasSize(1);
        Task review = admissions.get(0);
        assertThat(due(review)).isIn(dueFrom(before, CaseReviewsTest::fiveWorkingDaysAfter));
        // The hospital stay is named by kind only: the team may not read Encounters, and a hidden record's id is
        // not shown, not even in the identifier.
        assertThat(review.hasReasonReference()).isFalse();
        assertThat(fhirContext.newJsonParser().encodeResourceToString(review)).doesNotContain("Encounter/");
        assertThat(review.getOwner().getReference()).isEqualTo(worker.getReference());

        // The same A01 again: as a retry (same control id) and re-sent under a new control id (the same visit), then
        // another admission while the first one's review is still open.
        admit(message, controlId);
        String resent = controlId();
        admit(a01(c.nhs(), visit, resent), resent);
        String second = controlId();
        admit(a01(c.nhs(), "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(), second), second);

        List<Task> open = reviewsOf(c.episode(), "requested");
        assertThat(open)
                .extracting(CaseReviewsTest::trigger)
                .containsExactlyInAnyOrder("scheduled", "hospital-admission");
        assertThat(open)
                .filteredOn(t -> "hospital-admission".equals(trigger(t)))
                .extracting(t -> t.getIdElement().getIdPart())
                .containsExactly(review.getIdElement().getIdPart());
    }

    @Test
    void aCouncilsEventTheTeamMayNotKnowOfOpensNoReview() throws Exception {
        // Without the person's consent to share with the team, the council's Flag and Communication stay the
        // council's: a review in the team's case would tell of them.
        Case c = caseKnownToTheCouncil();
        String caseReference =
                "CASE-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        send(event("carer-breakdown", c, caseReference));
        send(event("change-of-circumstances", c, caseReference));

        assertThat(reviewsOf(c.episode(), "requested"))
                .extracting(CaseReviewsTest::trigger)
                .containsExactly("scheduled");
    }

    @Test
    void anAdmissionTheTeamMayNotKnowOfOpensNoReview() throws Exception {
        // No Consent to share with the team and no legal basis: a review would tell them of the hospital stay.
        Case c = openCase("green", LocalDate.now(LONDON).minusMonths(2));
        String controlId = controlId();
        admit(a01(c.nhs(), "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(), controlId), controlId);

        assertThat(reviewsOf(c.episode(), "requested"))
                .extracting(CaseReviewsTest::trigger)
                .containsExactly("scheduled");
    }

    @Test
    void anAdmissionOfAPersonWithoutAnActiveCaseOpensNoReview() throws Exception {
        Case c = openCase(null, LocalDate.now(LONDON).minusMonths(6));
        EpisodeOfCare episode = client().read()
                .resource(EpisodeOfCare.class)
                .withId(c.episode())
                .execute();
        episode.setStatus(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        episode.getPeriod().setEndElement(new DateTimeType(LocalDate.now(LONDON).toString()));
        client().update().resource(episode).execute();
        String controlId = controlId();

        admit(a01(c.nhs(), "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(), controlId), controlId);

        Bundle stays = client().search()
                .byUrl("Encounter?patient=" + c.patient().getReference())
                .returnBundle(Bundle.class)
                .execute();
        assertThat(stays.getEntry()).as("the admission was applied").hasSize(1);
        assertThat(reviews(adminToken(), REVIEWS + "&patient=" + c.patient().getReference() + "&status=requested"))
                .isEmpty();
    }

    // --- unscheduled reviews: case events

    /** A person of a case the team manages, referred to the council so that its case events about them apply. */
    private Case caseKnownToTheCouncil() {
        Case c = openCase(null, LocalDate.now(LONDON).minusMonths(1));
        Reference council = new Reference(client().create()
                .resource(LinkwellFixtures.organisation(COUNCIL, "Organisation " + COUNCIL))
                .conditionalByUrl("Organization?identifier=" + LinkwellFixtures.ODS + "|" + COUNCIL)
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        ServiceRequest referral = LinkwellFixtures.referral(c.patient(), teamOrg, council);
        referral.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(team);
        create(client(), referral);
        return c;
    }

    private static ObjectNode event(String type, Case c, String caseReference) throws Exception {
        try (InputStream in = CaseReviewsTest.class.getResourceAsStream("/socialcare/events/" + type + ".json")) {
            ObjectNode event = (ObjectNode) JSON.readTree(in);
            event.put("eventId", UUID.randomUUID().toString());
            ObjectNode person = event.putObject("person");
            person.put("laPersonId", "LAP-" + c.nhs());
            person.put("nhsNumber", c.nhs());
            event.put("caseReference", caseReference);
            return event;
        }
    }

    /** Posts a case event as the demo social-care client and waits until the worker has applied it. */
    private void send(ObjectNode event) throws Exception {
        String token = TestTokens.fromTokenEndpoint(gatewayBase(), "demo-social-care", "demo-social-care-secret", null);
        HttpResponse<String> response = http().send(
                        HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/events"))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(event)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        long id = JSON.readTree(response.body())
                .path("results")
                .get(0)
                .path("messageId")
                .asLong();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    String status =
                            jdbc.queryForObject("SELECT STATUS FROM LW_INBOUND_MESSAGE WHERE ID = ?", String.class, id);
                    assertThat(status).isNotIn("failed", "unmatched", "rejected");
                    return "done".equals(status);
                });
    }

    @Test
    void eachCaseEventTriggerOpensOneReviewAndADuplicateOrASecondOfItsKindNone() throws Exception {
        Case c = caseKnownToTheCouncil();
        // The council's records reach the team only as the person consented: here they did.
        consentToTheTeam(c.patient());
        String caseReference =
                "CASE-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        LocalDate before = LocalDate.now(LONDON);
        ObjectNode safeguarding = event("safeguarding-enquiry-opened", c, caseReference);
        ObjectNode breakdown = event("carer-breakdown", c, caseReference);
        ObjectNode change = event("change-of-circumstances", c, caseReference);

        send(safeguarding);
        send(breakdown);
        send(change);

        List<Task> open = reviewsOf(c.episode(), "requested");
        assertThat(open)
                .extracting(CaseReviewsTest::trigger)
                .containsExactlyInAnyOrder(
                        "scheduled", "safeguarding-enquiry", "carer-breakdown", "change-of-circumstances");
        assertThat(open).filteredOn(t -> !"scheduled".equals(trigger(t))).allSatisfy(t -> assertThat(due(t))
                .isIn(dueFrom(before, CaseReviewsTest::fiveWorkingDaysAfter)));
        assertThat(open).filteredOn(t -> !"scheduled".equals(trigger(t))).allSatisfy(t -> assertThat(
                        fhirContext.newJsonParser().encodeResourceToString(t))
                .doesNotContain("Flag/")
                .doesNotContain("Communication/"));
        // As restricted as the enquiry that called for it: a Consent withholding restricted records withholds it.
        assertThat(open)
                .filteredOn(t -> "safeguarding-enquiry".equals(trigger(t)))
                .singleElement()
                .satisfies(t -> assertThat(t.getMeta()
                                .getSecurity("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R"))
                        .isNotNull());

        // The same event replayed (same event id: the door acknowledges it and applies nothing), the same events
        // redelivered with new event ids (applied again), and a second breakdown while the first one's review is open.
        send(breakdown);
        for (ObjectNode again : List.of(safeguarding, breakdown, change)) {
            again.put("eventId", UUID.randomUUID().toString());
            send(again);
        }
        ObjectNode secondBreakdown = event("carer-breakdown", c, caseReference);
        ((ObjectNode) secondBreakdown.path("body")).put("breakdownId", "CB-0002");
        send(secondBreakdown);

        assertThat(reviewsOf(c.episode(), "requested"))
                .extracting(t -> t.getIdElement().getIdPart())
                .containsExactlyInAnyOrderElementsOf(
                        open.stream().map(t -> t.getIdElement().getIdPart()).toList());
        Bundle breakdowns = client().search()
                .byUrl("Flag?patient=" + c.patient().getReference())
                .returnBundle(Bundle.class)
                .execute();
        assertThat(breakdowns.getEntry())
                .as("both breakdowns and the enquiry are recorded")
                .hasSize(3);
    }

    // --- completing a review

    private Task openScheduled(Case c) {
        List<Task> open = reviewsOf(c.episode(), "requested");
        assertThat(open).hasSize(1);
        return open.get(0);
    }

    @Test
    void completingAReviewSetsTheNextAndTheComplexityOfTheCaseAndItsPlan() {
        Case c = openCase("green", LocalDate.now(LONDON).minusMonths(11));
        CarePlan plan = LinkwellFixtures.withComplexity(LinkwellFixtures.actionPlan(c.patient(), teamOrg), "green");
        plan.getMeta().addTag().setSystem(AuthorOrganisationStamp.TAG_SYSTEM).setCode(team);
        Reference planRef = create(client(), plan);
        Task review = fhirContext
                .newJsonParser()
                .parseResource(
                        Task.class,
                        fhir(
                                        linkWorker,
                                        "GET",
                                        openScheduled(c)
                                                .getIdElement()
                                                .toUnqualifiedVersionless()
                                                .getValue(),
                                        null)
                                .body());
        LocalDate before = LocalDate.now(LONDON);

        review.setStatus(TaskStatus.COMPLETED);
        review.addOutput()
                .setType(new CodeableConcept().setText("outcome"))
                .setValue(new StringType("Carer unwell; more support needed, rated red."));
        review.addExtension(
                LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, new CodeableConcept(new Coding(COMPLEXITY, "red", null)));
        HttpResponse<String> done = fhir(
                linkWorker,
                "PUT",
                review.getIdElement().toUnqualifiedVersionless().getValue(),
                fhirContext.newJsonParser().encodeResourceToString(review));

        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        Task next = openScheduled(c);
        assertThat(next.getIdElement().getIdPart())
                .isNotEqualTo(review.getIdElement().getIdPart());
        Set<String> nextDue = dueFrom(before, d -> d.plusMonths(6));
        assertThat(due(next)).as("red: six months on").isIn(nextDue);
        assertThat(next.getReasonReference().getReference())
                .isEqualTo(review.getIdElement().toUnqualifiedVersionless().getValue());
        EpisodeOfCare episode = client().read()
                .resource(EpisodeOfCare.class)
                .withId(c.episode())
                .execute();
        assertThat(CaseReviews.complexityOf(episode)).isEqualTo("red");
        CarePlan updated = client().read()
                .resource(CarePlan.class)
                .withId(planRef.getReference())
                .execute();
        assertThat(CaseReviews.complexityOf(updated)).isEqualTo("red");
        assertThat(updated.getPeriod().getEndElement().getValueAsString()).isIn(nextDue);
        // The link worker sees the next review of their case.
        assertThat(reviews(linkWorker, REVIEWS + "&patient=" + c.patient().getReference() + "&status=requested"))
                .extracting(t -> t.getIdElement().getIdPart())
                .containsExactly(next.getIdElement().getIdPart());
    }

    @Test
    void aReviewCompletedWithoutItsOutcomeIsRefusedAndADoneReviewStaysDone() {
        Case c = openCase(null, LocalDate.now(LONDON));
        Task review = openScheduled(c);
        String id = review.getIdElement().toUnqualifiedVersionless().getValue();
        review.setStatus(TaskStatus.COMPLETED);

        HttpResponse<String> refused =
                fhir(linkWorker, "PUT", id, fhirContext.newJsonParser().encodeResourceToString(review));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        OperationOutcome outcome = fhirContext.newJsonParser().parseResource(OperationOutcome.class, refused.body());
        assertThat(outcome.getIssueFirstRep().getExpression())
                .extracting(Object::toString)
                .contains("Task.output");
        assertThat(openScheduled(c).getIdElement().getIdPart())
                .isEqualTo(review.getIdElement().getIdPart());

        review.addOutput().setType(new CodeableConcept().setText("outcome")).setValue(new StringType("No change"));
        assertThat(fhir(linkWorker, "PUT", id, fhirContext.newJsonParser().encodeResourceToString(review))
                        .statusCode())
                .isEqualTo(200);
        review.setStatus(TaskStatus.REQUESTED);
        HttpResponse<String> reopened =
                fhir(linkWorker, "PUT", id, fhirContext.newJsonParser().encodeResourceToString(review));
        assertThat(reopened.statusCode()).as(reopened.body()).isEqualTo(409);
        assertThat(reopened.body()).contains("Task.status");
    }

    // --- overdue reviews

    @Test
    void overdueReviewsAreOneSearchForTheTeamAndAdminAndNoneForAnotherTeam() {
        LocalDate today = LocalDate.now(LONDON);
        Case overdue = openCase("green", today.minusYears(2));
        Case notYetDue = openCase("green", today.minusMonths(1));
        String overdueReview = openScheduled(overdue).getIdElement().getIdPart();
        String query = "Task?code=review&status=requested&due-date=lt" + today + "&_count=500";

        List<String> team = reviews(linkWorker, query).stream()
                .map(t -> t.getIdElement().getIdPart())
                .toList();
        List<String> admin = reviews(adminToken(), query).stream()
                .map(t -> t.getIdElement().getIdPart())
                .toList();
        List<String> other = reviews(otherLinkWorker, query).stream()
                .map(t -> t.getIdElement().getIdPart())
                .toList();

        assertThat(team).contains(overdueReview);
        assertThat(team).doesNotContain(openScheduled(notYetDue).getIdElement().getIdPart());
        assertThat(admin).contains(overdueReview);
        assertThat(other).doesNotContain(overdueReview);
    }
}
