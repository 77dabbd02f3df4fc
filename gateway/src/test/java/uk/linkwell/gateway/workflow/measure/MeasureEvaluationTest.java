package uk.linkwell.gateway.workflow.measure;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * The service's figures through {@code Measure/<id>/$evaluate-measure} on PostgreSQL, as an operator and as a GP
 * system ask for them: exact counts over back-loaded referrals and goals in a past month, counts that follow the
 * referral workflow through the API, a GP's figures counting only what it could read directly (checked against its
 * own direct reads) with counts from 1 to 4 masked, and the refusals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeasureEvaluationTest extends GatewayIntegrationTest {

    static final String GP_SCOPES = "system/Patient.crus system/CarePlan.rs system/Goal.rs system/ServiceRequest.crs "
            + "system/Task.crs system/Consent.c system/Organization.rs system/Measure.rs";
    static final String SOCIAL_CARE_SCOPES = "system/*.rs system/Patient.cu system/EpisodeOfCare.cu "
            + "system/CarePlan.cu system/ServiceRequest.cu system/Task.cu";
    private static final String CS = "https://fhir.linkwell.example/CodeSystem/";
    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    /** Back-loaded records fall in a month no other test writes in. */
    private static final String FEB_START = "2025-02-01";

    private static final String FEB_END = "2025-02-28";

    private final String practice =
            "G" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String council =
            "L" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private Reference practiceRef;
    private Reference councilRef;
    private String gpToken;
    private IGenericClient gp;
    private IGenericClient socialCare;

    @BeforeAll
    void aPracticeAndACouncil() {
        IGenericClient admin = client();
        practiceRef = created(admin.create()
                .resource(LinkwellFixtures.organisation(practice, "Brook Surgery"))
                .execute()
                .getId());
        councilRef = created(admin.create()
                .resource(LinkwellFixtures.organisation(council, "Adult social care"))
                .execute()
                .getId());
        gpToken = tokenFor(Claims.of("gp-system", practice, GP_SCOPES));
        gp = clientWithToken(gpToken);
        socialCare = clientAs(Claims.of("social-care-system", council, SOCIAL_CARE_SCOPES));
    }

    private static Reference created(org.hl7.fhir.instance.model.api.IIdType id) {
        return new Reference(id.toUnqualifiedVersionless());
    }

    private Reference registeredPatient() {
        return registeredPatient(practiceRef);
    }

    private Reference registeredPatient(Reference practice) {
        Patient patient = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        patient.addGeneralPractitioner(practice);
        return created(client().create().resource(patient).execute().getId());
    }

    /** An operator's back-loaded referral Task, stored as given (status, dates, reason). */
    private void backLoaded(
            TaskStatus status, String priority, String authored, String due, String assessed, String reason) {
        IGenericClient admin = client();
        Reference patient = registeredPatient();
        ServiceRequest request = LinkwellFixtures.referral(patient, practiceRef, councilRef);
        Reference focus = created(admin.create().resource(request).execute().getId());
        Task task = new Task()
                .setStatus(status)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(focus)
                .setFor(patient)
                .setAuthoredOnElement(new DateTimeType(authored))
                .setRequester(practiceRef)
                .setOwner(councilRef);
        task.setPriority(Task.TaskPriority.fromCode(priority));
        task.getRestriction().getPeriod().setEndElement(new DateTimeType(due));
        if (assessed != null) {
            task.getExecutionPeriod().setEndElement(new DateTimeType(assessed));
        }
        if (reason != null) {
            task.setStatusReason(new CodeableConcept(new Coding(CS + "referral-decline-reason", reason, null)));
            task.addExtension(
                    uk.linkwell.profiles.LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION,
                    new CodeableConcept().setText("Citizens Advice"));
        }
        admin.create().resource(task).execute();
    }

    private HttpResponse<String> evaluate(String token, String measure, String query) {
        return fhir(token, "GET", "Measure/" + measure + "/$evaluate-measure" + query, null);
    }

    private MeasureReport report(String token, String measure, String start, String end) {
        HttpResponse<String> response = evaluate(token, measure, "?periodStart=" + start + "&periodEnd=" + end);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(MeasureReport.class, response.body());
    }

    /** The count of a population ("numerator", "denominator") of the overall group; null when masked. */
    private static Integer count(MeasureReport report, String population) {
        return report.getGroupFirstRep().getPopulation().stream()
                .filter(p -> p.getCode().getCodingFirstRep().getCode().equals(population))
                .findFirst()
                .map(p -> p.getCountElement().getValue())
                .orElseThrow();
    }

    /** numerator/denominator of one stratum, "n/d", "masked" for a masked count, or null when absent. */
    private static String stratum(MeasureReport report, String stratifier, String value) {
        return report.getGroupFirstRep().getStratifier().stream()
                .filter(s -> s.getCodeFirstRep().getText().equals(stratifier))
                .flatMap(s -> s.getStratum().stream())
                .filter(s -> s.getValue().getText().equals(value))
                .findFirst()
                .map(s -> {
                    List<String> counts = new ArrayList<>();
                    for (String code : List.of("numerator", "denominator")) {
                        s.getPopulation().stream()
                                .filter(p -> p.getCode()
                                        .getCodingFirstRep()
                                        .getCode()
                                        .equals(code))
                                .forEach(p -> counts.add(
                                        p.getCountElement().hasValue() ? String.valueOf(p.getCount()) : "masked"));
                    }
                    return String.join("/", counts);
                })
                .orElse(null);
    }

    @Test
    void referralsAssessedOnTimeAreCountedByTheirDueDayAndTheAssessmentTime() {
        // Due at the end of the local day (British winter time: +00:00).
        String authored = "2025-02-03T10:00:00+00:00";
        for (int i = 0; i < 6; i++) {
            backLoaded(
                    TaskStatus.COMPLETED,
                    "routine",
                    authored,
                    "2025-02-06T23:59:59+00:00",
                    "2025-02-05T15:00:00+00:00",
                    null);
        }
        // Assessed at the due moment exactly: on time.
        backLoaded(
                TaskStatus.COMPLETED,
                "routine",
                authored,
                "2025-02-06T23:59:59+00:00",
                "2025-02-06T23:59:59+00:00",
                null);
        // A second late.
        backLoaded(
                TaskStatus.COMPLETED,
                "routine",
                authored,
                "2025-02-06T23:59:59+00:00",
                "2025-02-07T00:00:00+00:00",
                null);
        // Urgent: due the same day, assessed the next.
        backLoaded(
                TaskStatus.COMPLETED,
                "urgent",
                "2025-02-10T09:00:00+00:00",
                "2025-02-10T23:59:59+00:00",
                "2025-02-11T09:00:00+00:00",
                null);
        // Still in progress past its due date: due, not on time.
        backLoaded(TaskStatus.INPROGRESS, "routine", authored, "2025-02-06T23:59:59+00:00", null, null);
        // Not counted: cancelled; declined; due the day after the period (the first of March).
        backLoaded(TaskStatus.CANCELLED, "routine", authored, "2025-02-06T23:59:59+00:00", null, null);
        backLoaded(TaskStatus.REJECTED, "routine", authored, "2025-02-06T23:59:59+00:00", null, "needs-met-elsewhere");
        backLoaded(
                TaskStatus.COMPLETED,
                "routine",
                "2025-02-26T09:00:00+00:00",
                "2025-03-01T23:59:59+00:00",
                "2025-02-27T09:00:00+00:00",
                null);
        // The period's last day counts.
        backLoaded(
                TaskStatus.COMPLETED,
                "routine",
                "2025-02-25T09:00:00+00:00",
                "2025-02-28T23:59:59+00:00",
                "2025-02-28T09:00:00+00:00",
                null);

        MeasureReport report = report(adminToken(), "referrals-assessed-on-time", FEB_START, FEB_END);

        assertThat(report.getMeasure()).endsWith("/Measure/referrals-assessed-on-time");
        assertThat(report.getType()).isEqualTo(MeasureReport.MeasureReportType.SUMMARY);
        assertThat(stratum(report, "team", councilRef.getReference())).isEqualTo("8/11");
        assertThat(stratum(report, "priority", "urgent")).isEqualTo("0/1");
        assertThat(stratum(report, "priority", "routine")).isEqualTo("8/10");
        assertThat(count(report, "numerator")).isEqualTo(8);
        assertThat(count(report, "denominator")).isEqualTo(11);
        assertThat(report.getGroupFirstRep().getMeasureScore().getValue()).isEqualByComparingTo("0.7273");
    }

    @Test
    void declinedReferralsAreCountedByReasonAmongThoseDecided() {
        // January: the on-time test counts what is due in February.
        String authored = "2025-01-14T10:00:00+00:00";
        String due = "2025-01-17T23:59:59+00:00";
        for (int i = 0; i < 3; i++) {
            backLoaded(TaskStatus.ACCEPTED, "routine", authored, due, null, null);
        }
        backLoaded(TaskStatus.REJECTED, "routine", authored, due, null, "needs-met-elsewhere");
        backLoaded(TaskStatus.REJECTED, "routine", authored, due, null, "needs-met-elsewhere");
        backLoaded(TaskStatus.REJECTED, "routine", authored, due, null, "outside-criteria");
        // Undecided: not counted.
        backLoaded(TaskStatus.REQUESTED, "routine", authored, due, null, null);

        MeasureReport report = report(adminToken(), "referrals-declined", "2025-01-14", "2025-01-14");

        assertThat(stratum(report, "team", councilRef.getReference())).isEqualTo("3/6");
        assertThat(stratum(report, "reason", "needs-met-elsewhere")).isEqualTo("2/6");
        assertThat(stratum(report, "reason", "outside-criteria")).isEqualTo("1/6");
    }

    @Test
    void goalsMetAreThoseAchievedAmongThoseClosedInThePeriod() {
        IGenericClient admin = client();
        Reference patient = registeredPatient();
        record G(Goal.GoalLifecycleStatus status, String on, String achievement) {}
        List<G> goals = List.of(
                new G(Goal.GoalLifecycleStatus.COMPLETED, "2025-02-20", "achieved"),
                new G(Goal.GoalLifecycleStatus.COMPLETED, "2025-02-20", "achieved"),
                new G(Goal.GoalLifecycleStatus.COMPLETED, "2025-02-20", "achieved"),
                new G(Goal.GoalLifecycleStatus.COMPLETED, "2025-02-20", "not-achieved"),
                new G(Goal.GoalLifecycleStatus.CANCELLED, "2025-02-20", null),
                // Closed on the day after the period, and one still active: not counted.
                new G(Goal.GoalLifecycleStatus.COMPLETED, "2025-02-21", "achieved"),
                new G(Goal.GoalLifecycleStatus.ACTIVE, "2025-02-20", null));
        for (G g : goals) {
            Goal goal = LinkwellFixtures.goal(patient, "To get out of the house twice a week");
            goal.setLifecycleStatus(g.status()).setStatusDateElement(new DateType(g.on()));
            if (g.achievement() != null) {
                goal.setAchievementStatus(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/goal-achievement", g.achievement(), null)));
            }
            admin.create().resource(goal).execute();
        }

        MeasureReport report = report(adminToken(), "goals-met", "2025-02-20", "2025-02-20");

        assertThat(count(report, "numerator")).isEqualTo(3);
        assertThat(count(report, "denominator")).isEqualTo(5);
    }

    /** The GP's referral (ServiceRequest + Task) for a registered patient, as its system sends it. */
    private IdType refer() {
        return refer(new Parties(practiceRef, councilRef, gpToken, gp, socialCare));
    }

    /** A practice and a council with their clients. */
    private record Parties(
            Reference practice, Reference council, String gpToken, IGenericClient gp, IGenericClient socialCare) {}

    private Parties newParties() {
        String ods = "G" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        String la = "L" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        Reference p = created(client().create()
                .resource(LinkwellFixtures.organisation(ods, "Another surgery"))
                .execute()
                .getId());
        Reference c = created(client().create()
                .resource(LinkwellFixtures.organisation(la, "Another council"))
                .execute()
                .getId());
        String token = tokenFor(Claims.of("gp-system", ods, GP_SCOPES));
        return new Parties(
                p, c, token, clientWithToken(token), clientAs(Claims.of("social-care-system", la, SOCIAL_CARE_SCOPES)));
    }

    private IdType refer(Parties parties) {
        Reference practiceRef = parties.practice();
        Reference councilRef = parties.council();
        IGenericClient gp = parties.gp();
        Reference patient = registeredPatient(practiceRef);
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String requestUrl = "urn:uuid:" + UUID.randomUUID();
        bundle.addEntry()
                .setFullUrl(requestUrl)
                .setResource(LinkwellFixtures.referral(patient, practiceRef, councilRef))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("ServiceRequest");
        Task task = new Task()
                .setStatus(TaskStatus.REQUESTED)
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(new Reference(requestUrl))
                .setFor(patient)
                .setAuthoredOn(new Date())
                .setRequester(practiceRef)
                .setOwner(councilRef);
        task.setPriority(Task.TaskPriority.ROUTINE);
        bundle.addEntry()
                .setResource(task)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Task");
        return gp.transaction().withBundle(bundle).execute().getEntry().stream()
                .map(e -> e.getResponse().getLocation())
                .filter(l -> l.startsWith("Task/"))
                .map(l -> new IdType(l).toUnqualifiedVersionless())
                .findFirst()
                .orElseThrow();
    }

    private void moveTo(IdType id, TaskStatus status) {
        moveTo(socialCare, id, status);
    }

    private void moveTo(IGenericClient socialCare, IdType id, TaskStatus status) {
        Task task = socialCare.read().resource(Task.class).withId(id).execute();
        task.setStatus(status);
        socialCare.update().resource(task).execute();
    }

    @Test
    void aGpsFiguresCountOnlyWhatItCouldReadAndMaskSmallCounts() {
        List<IdType> referrals = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            referrals.add(refer());
        }
        // The council assesses six of them through the API; the workflow records when.
        for (IdType id : referrals.subList(0, 6)) {
            moveTo(id, TaskStatus.ACCEPTED);
            moveTo(id, TaskStatus.INPROGRESS);
            moveTo(id, TaskStatus.COMPLETED);
        }
        Task done =
                client().read().resource(Task.class).withId(referrals.get(0)).execute();
        assertThat(done.getExecutionPeriod().hasEnd()).isTrue();
        LocalDate today = LocalDate.now(LONDON);
        String start = today.toString();
        String end = today.plusDays(4).toString();

        MeasureReport asOperator = report(adminToken(), "referrals-assessed-on-time", start, end);
        assertThat(stratum(asOperator, "team", councilRef.getReference())).isEqualTo("6/7");

        // What the GP could read directly, Task by Task, is what its figure may count.
        int readable = 0;
        int readableOnTime = 0;
        for (IdType id : referrals) {
            HttpResponse<String> read = fhir(gpToken, "GET", id.getValue(), null);
            if (read.statusCode() == 200) {
                readable++;
                Task task = fhirContext.newJsonParser().parseResource(Task.class, read.body());
                if (task.getStatus() == TaskStatus.COMPLETED) {
                    readableOnTime++;
                }
            } else {
                assertThat(read.statusCode()).isEqualTo(404);
            }
        }
        MeasureReport asGp = report(gpToken, "referrals-assessed-on-time", start, end);
        assertThat(stratum(asGp, "team", councilRef.getReference()))
                .isEqualTo(masked(readableOnTime) + "/" + masked(readable));
        // Nothing of other practices' patients: the GP's whole figure is its own referrals.
        assertThat(count(asGp, "denominator")).isEqualTo(readable >= 1 && readable <= 4 ? null : readable);
        assertThat(asGp.getGroupFirstRep().getPopulation().stream()
                        .filter(p -> !p.getCountElement().hasValue())
                        .allMatch(p -> p.getCountElement()
                                .getExtensionByUrl(MeasureReports.DATA_ABSENT_REASON)
                                .getValue()
                                .primitiveValue()
                                .equals("masked")))
                .isTrue();
    }

    /** The figures' clock is the gateway's: a backdated assessment time and a re-addressed referrer do not stick. */
    @Test
    void theAssessmentTimeAndTheReferrerAreTheGatewaysNotTheUpdatesWord() {
        // Parties of its own: the other tests count this class's referrals of today.
        Parties parties = newParties();
        IdType id = refer(parties);
        moveTo(parties.socialCare(), id, TaskStatus.ACCEPTED);
        moveTo(parties.socialCare(), id, TaskStatus.INPROGRESS);
        Task task = parties.socialCare().read().resource(Task.class).withId(id).execute();
        task.setStatus(TaskStatus.COMPLETED);
        task.getExecutionPeriod().setEndElement(new DateTimeType("2020-01-01T09:00:00+00:00"));
        task.setRequester(parties.council().copy());
        java.util.Date before = new java.util.Date(System.currentTimeMillis() - 60_000);
        parties.socialCare().update().resource(task).execute();

        Task stored = client().read().resource(Task.class).withId(id).execute();
        assertThat(stored.getExecutionPeriod().getEnd()).isAfter(before);
        assertThat(stored.getRequester().getReference())
                .isEqualTo(parties.practice().getReference());
    }

    private static String masked(int count) {
        return count >= 1 && count <= 4 ? "masked" : String.valueOf(count);
    }

    @Test
    void smallCountsAreMaskedForAGpAndTheScoreWithThem() {
        Parties alone = newParties();
        IdType only = refer(alone);
        LocalDate today = LocalDate.now(LONDON);
        String aloneToken = alone.gpToken();
        MeasureReport asGp = report(aloneToken, "referrals-declined", today.toString(), today.toString());
        // Nothing decided yet: zero is shown.
        assertThat(count(asGp, "denominator")).isZero();
        moveTo(alone.socialCare(), only, TaskStatus.ACCEPTED);
        MeasureReport after = report(aloneToken, "referrals-declined", today.toString(), today.toString());
        assertThat(after.getGroupFirstRep()
                        .getPopulation()
                        .get(0)
                        .getCountElement()
                        .hasValue())
                .isFalse();
        assertThat(after.getGroupFirstRep().hasMeasureScore()).isFalse();
    }

    @Test
    void refusalsNameWhatIsWrongAndAMissingMeasureIsNotKnown() {
        String admin = adminToken();
        HttpResponse<String> noStart = evaluate(admin, "goals-met", "?periodEnd=2025-02-28");
        assertThat(noStart.statusCode()).isEqualTo(400);
        assertThat(noStart.body()).contains("periodStart");
        HttpResponse<String> badDate = evaluate(admin, "goals-met", "?periodStart=yesterday&periodEnd=2025-02-28");
        assertThat(badDate.statusCode()).isEqualTo(400);
        assertThat(badDate.body()).contains("periodStart").contains("YYYY-MM-DD");
        HttpResponse<String> backwards = evaluate(admin, "goals-met", "?periodStart=2025-03-01&periodEnd=2025-02-01");
        assertThat(backwards.statusCode()).isEqualTo(400);
        assertThat(backwards.body()).contains("periodEnd");

        HttpResponse<String> missing =
                evaluate(gpToken, "no-such-measure", "?periodStart=2025-02-01&periodEnd=2025-02-28");
        assertThat(missing.statusCode()).isEqualTo(404);

        Measure foreign = new Measure()
                .setUrl("https://example.org/Measure/something-else")
                .setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE);
        String foreignId = client().create().resource(foreign).execute().getId().getIdPart();
        HttpResponse<String> notOurs = evaluate(admin, foreignId, "?periodStart=2025-02-01&periodEnd=2025-02-28");
        assertThat(notOurs.statusCode()).isEqualTo(422);
        assertThat(notOurs.body()).contains("referrals-assessed-on-time");

        String noMeasureScope = tokenFor(Claims.of("gp-system", practice, "system/Task.rs system/Patient.rs"));
        HttpResponse<String> unscoped =
                evaluate(noMeasureScope, "goals-met", "?periodStart=2025-02-01&periodEnd=2025-02-28");
        assertThat(unscoped.statusCode()).isEqualTo(403);
    }
}
