package uk.linkwell.gateway.workflow.measure;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * A year of a service, generated with a fixed seed and written through the FHIR API on PostgreSQL as an operator
 * back-loads it (people, referrals and their decisions, cases, allocations, action plans, reviews, sessions,
 * hospital stays and readmissions), with the edge cases each figure has: a readmission on day 30 and on day 31, a
 * review on the anniversary and the day before, an urgent referral assessed the next day, a case allocated across a
 * month boundary. The generator keeps what it decided for each person; the expected figures are counted from that
 * alone and compared exactly with what {@code $evaluate-measure} answers over HTTP, for a month and for the year.
 *
 * <p>The figures read the store in pages of seven resources here, so a search's results span many pages, as a
 * large service's do.
 *
 * <p>The test database is shared with other test classes, so the comparison is of this population's own strata
 * (its teams, hospital and workers, which no other test uses) and of a year (2023) no other test writes in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeasurePopulationTest extends GatewayIntegrationTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    private static final String CS = "https://fhir.linkwell.example/CodeSystem/";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority";
    private static final java.time.format.DateTimeFormatter SECONDS =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
    private static final int PEOPLE = 200;
    private static final int WORKERS = 25;
    private static final String[] COLOURS = {"red", "amber", "green"};
    private static final String[] DECLINE_REASONS = {"needs-met-elsewhere", "outside-criteria"};
    private static final LocalDate FIRST_REFERRAL = LocalDate.of(2022, 10, 1);
    private static final LocalDate LAST_DAY = LocalDate.of(2023, 12, 31);

    private static final Window JUNE = new Window(LocalDate.of(2023, 6, 1), LocalDate.of(2023, 6, 30));
    private static final Window YEAR = new Window(LocalDate.of(2023, 1, 1), LocalDate.of(2023, 12, 31));

    private record Window(LocalDate start, LocalDate end) {
        boolean has(LocalDate day) {
            return day != null && !day.isBefore(start) && !day.isAfter(end);
        }
    }

    /** What the generator decided about one person: the ground truth the expected figures are counted from. */
    private static final class Person {
        String team;
        // The referral.
        LocalDate referredOn;
        boolean urgent;
        String referralStatus;
        boolean assessedInTime;
        LocalDateTime assessedAt;
        String declineReason;
        // The case, when the referral was assessed and accepted.
        boolean hasCase;
        LocalDate caseStart;
        LocalDate caseEnd;
        LocalDate allocatedOn;
        String worker;
        String colour;
        LocalDate planOn;
        final List<LocalDate> reviews = new ArrayList<>();
        final List<LocalDate> sessions = new ArrayList<>();
        final List<LocalDate> sessionsNotHeld = new ArrayList<>();
        // Hospital stays: admitted, discharged, emergency.
        final List<Stay> stays = new ArrayList<>();
    }

    private record Stay(LocalDateTime admitted, LocalDateTime discharged, boolean emergency) {}

    private final String hospital =
            "H" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final List<String> teams = new ArrayList<>();
    private final List<String> teamOds = new ArrayList<>();
    private final List<String> workers = new ArrayList<>();
    private final List<Person> people = new ArrayList<>();
    private final Random random = new Random(20230601L);

    private int pageSize;
    private Integer synchronousSearchSize;

    @org.springframework.beans.factory.annotation.Autowired
    private ca.uhn.fhir.jpa.api.config.JpaStorageSettings storageSettings;

    @BeforeAll
    void aYearOfTheService() {
        // Chunks of a few resources: the figures read this population across many chunks, as they read a large one;
        // and HAPI's synchronous searches limited far below it, as a large population passes the limit.
        pageSize = MeasureFacts.pageSize;
        MeasureFacts.pageSize = 7;
        synchronousSearchSize = storageSettings.getInternalSynchronousSearchSize();
        IGenericClient admin = client();
        for (int t = 0; t < 2; t++) {
            String ods = "T" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
            teamOds.add(ods);
            teams.add(admin.create()
                    .resource(LinkwellFixtures.organisation(ods, "Team " + t))
                    .execute()
                    .getId()
                    .toUnqualifiedVersionless()
                    .getValue());
        }
        for (int w = 0; w < WORKERS; w++) {
            workers.add(admin.create()
                    .resource(LinkwellFixtures.practitioner("Worker" + w))
                    .execute()
                    .getId()
                    .toUnqualifiedVersionless()
                    .getValue());
        }
        for (int i = 0; i < PEOPLE; i++) {
            people.add(generated(i));
        }
        for (Person person : people) {
            write(admin, person);
        }
        storageSettings.setInternalSynchronousSearchSize(20);
    }

    @AfterAll
    void pagesAsConfigured() {
        MeasureFacts.pageSize = pageSize;
        storageSettings.setInternalSynchronousSearchSize(synchronousSearchSize);
    }

    /** One person's year, decided from the seeded random, with the edge cases as the first few people. */
    private Person generated(int index) {
        Person p = new Person();
        p.team = teams.get(random.nextInt(teams.size()));
        p.referredOn = FIRST_REFERRAL.plusDays(random.nextInt(420));
        p.urgent = random.nextInt(6) == 0;
        int roll = random.nextInt(20);
        p.referralStatus = roll < 14
                ? "completed"
                : roll < 17 ? "rejected" : roll == 17 ? "in-progress" : roll == 18 ? "cancelled" : "requested";
        if (p.referralStatus.equals("rejected")) {
            p.declineReason = DECLINE_REASONS[random.nextInt(DECLINE_REASONS.length)];
        }
        if (p.referralStatus.equals("completed")) {
            p.assessedInTime = random.nextInt(5) != 0;
            LocalDateTime due = due(p);
            p.assessedAt =
                    p.assessedInTime ? due.minusHours(random.nextInt(60)) : due.plusHours(1 + random.nextInt(60));
            p.hasCase = true;
            p.caseStart = p.assessedAt.toLocalDate();
            if (random.nextInt(10) != 0) {
                p.allocatedOn = p.caseStart.plusDays(random.nextInt(14));
                p.worker = workers.get(random.nextInt(workers.size()));
                p.colour = COLOURS[random.nextInt(COLOURS.length)];
                if (random.nextInt(8) != 0) {
                    // Mostly within the 28 days, sometimes later; never before the case started.
                    p.planOn = p.allocatedOn.plusDays(random.nextInt(40) - 1);
                    if (p.planOn.isBefore(p.caseStart)) {
                        p.planOn = p.caseStart;
                    }
                }
                int reviews = random.nextInt(3);
                LocalDate last = p.allocatedOn.plusDays(45);
                for (int r = 0; r < reviews; r++) {
                    last = last.plusDays(random.nextInt(300));
                    if (last.isAfter(LAST_DAY)) {
                        break;
                    }
                    p.reviews.add(last);
                    last = last.plusDays(1);
                }
            }
            if (random.nextInt(5) == 0) {
                LocalDate end = p.caseStart.plusDays(60 + random.nextInt(240));
                LocalDate lastReview = p.reviews.isEmpty() ? p.caseStart : p.reviews.get(p.reviews.size() - 1);
                if (!end.isAfter(LAST_DAY) && end.isAfter(lastReview) && p.allocatedOn != null) {
                    p.caseEnd = end;
                }
            }
            if (random.nextInt(10) < 7) {
                int sessions = 1 + random.nextInt(3);
                for (int s = 0; s < sessions; s++) {
                    p.sessions.add(p.caseStart.plusDays(random.nextInt(60)));
                }
            } else if (random.nextBoolean()) {
                // Booked but not held, or a meeting before the case began: neither is engagement.
                p.sessionsNotHeld.add(p.caseStart.plusDays(3));
            } else {
                p.sessions.add(p.caseStart.minusDays(1));
            }
        }
        if (random.nextInt(10) < 3) {
            LocalDateTime admitted =
                    LocalDate.of(2023, 1, 1).plusDays(random.nextInt(330)).atTime(9, 0);
            LocalDateTime discharged = admitted.plusDays(1 + random.nextInt(10)).withHour(15);
            p.stays.add(new Stay(admitted, discharged, random.nextBoolean()));
            if (random.nextInt(10) < 4) {
                LocalDateTime again =
                        discharged.toLocalDate().plusDays(random.nextInt(46)).atTime(18, 0);
                p.stays.add(new Stay(again, again.plusDays(2).withHour(11), random.nextInt(5) != 0));
            }
        }
        edges(index, p);
        return p;
    }

    /** The edge cases, on the first people: exact days the figures' boundaries turn on. */
    private void edges(int index, Person p) {
        switch (index) {
            case 0, 1 -> {
                // Readmitted as an emergency on day 30 (counts) and day 31 (does not) after a June discharge.
                p.stays.clear();
                LocalDateTime discharged = LocalDateTime.of(2023, 6, 10, 23, 30);
                p.stays.add(new Stay(discharged.minusDays(5), discharged, false));
                LocalDateTime again =
                        discharged.toLocalDate().plusDays(index == 0 ? 30 : 31).atTime(0, 15);
                p.stays.add(new Stay(again, again.plusDays(3), true));
            }
            case 2, 3 -> {
                // Reviewed on the anniversary of the year's last day (counts) and the day before (does not).
                caseFrom(p, LocalDate.of(2022, 10, 3));
                p.reviews.clear();
                p.reviews.add(index == 2 ? LocalDate.of(2022, 12, 31) : LocalDate.of(2022, 12, 30));
                p.caseEnd = null;
            }
            case 4 -> {
                // Urgent, referred on 14 June and assessed the next morning: late.
                p.urgent = true;
                p.referralStatus = "completed";
                p.referredOn = LocalDate.of(2023, 6, 14);
                p.assessedInTime = false;
                p.assessedAt = LocalDateTime.of(2023, 6, 15, 9, 0);
                caseFrom(p, p.assessedAt.toLocalDate());
            }
            case 5 -> {
                // Allocated on 31 May: the 28 days end on 28 June, so June counts it; its plan is on the last day.
                caseFrom(p, LocalDate.of(2023, 5, 29));
                p.allocatedOn = LocalDate.of(2023, 5, 31);
                p.planOn = LocalDate.of(2023, 6, 28);
            }
            case 6 -> {
                // Allocated on 3 June: the 28 days end on 1 July, outside June; its plan on day 29 is late.
                caseFrom(p, LocalDate.of(2023, 6, 1));
                p.allocatedOn = LocalDate.of(2023, 6, 3);
                p.planOn = LocalDate.of(2023, 7, 2);
            }
            default -> {}
        }
    }

    /** Makes the person's referral one assessed on time whose case starts on the day, allocated two days later. */
    private void caseFrom(Person p, LocalDate start) {
        p.referralStatus = "completed";
        p.declineReason = null;
        if (p.assessedAt == null || !p.assessedAt.toLocalDate().equals(start)) {
            p.urgent = false;
            p.referredOn = start.minusDays(1);
            p.assessedInTime = true;
            p.assessedAt = start.atTime(11, 0);
        }
        p.hasCase = true;
        p.caseStart = start;
        p.caseEnd = null;
        p.allocatedOn = start.plusDays(2);
        p.worker = workers.get(0);
        p.colour = "amber";
        p.planOn = start.plusDays(10);
        p.reviews.clear();
        p.sessions.clear();
        p.sessionsNotHeld.clear();
    }

    /** The end of the local day the referral is due: the day it came when urgent, three days later otherwise. */
    private static LocalDateTime due(Person p) {
        return p.referredOn.plusDays(p.urgent ? 0 : 3).atTime(23, 59, 59);
    }

    private static DateTimeType at(LocalDateTime local) {
        return new DateTimeType(local.atZone(LONDON).format(SECONDS));
    }

    private static DateTimeType on(LocalDate day) {
        return at(day.atTime(12, 0));
    }

    private static CodeableConcept colour(String colour) {
        return new CodeableConcept(new Coding(CS + "complexity-rating", colour, null));
    }

    private static <T extends Resource> T authoredBy(T resource, String ods) {
        resource.getMeta().addTag(AuthorOrganisationStamp.TAG_SYSTEM, ods, null);
        return resource;
    }

    /** Writes the person's records as an operator back-loads them: one transaction, then the case's own Tasks. */
    private void write(IGenericClient admin, Person p) {
        String ods = teamOds.get(teams.indexOf(p.team));
        Reference team = new Reference(p.team);
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientUrl = "urn:uuid:" + UUID.randomUUID();
        Reference patient = new Reference(patientUrl);
        Patient person = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
        add(bundle, patientUrl, person);

        String requestUrl = "urn:uuid:" + UUID.randomUUID();
        ServiceRequest request = LinkwellFixtures.referral(patient, team, team);
        request.setAuthoredOnElement(at(p.referredOn.atTime(10, 0)));
        add(bundle, requestUrl, request);
        Task referral = new Task()
                .setStatus(TaskStatus.fromCode(p.referralStatus))
                .setIntent(Task.TaskIntent.ORDER)
                .setFocus(new Reference(requestUrl))
                .setFor(patient)
                .setAuthoredOnElement(at(p.referredOn.atTime(10, 0)))
                .setRequester(team)
                .setOwner(team);
        referral.setPriority(p.urgent ? Task.TaskPriority.URGENT : Task.TaskPriority.ROUTINE);
        referral.getRestriction().getPeriod().setEndElement(at(due(p)));
        if (p.assessedAt != null) {
            referral.getExecutionPeriod().setEndElement(at(p.assessedAt));
        }
        if (p.declineReason != null) {
            referral.setStatusReason(
                    new CodeableConcept(new Coding(CS + "referral-decline-reason", p.declineReason, null)));
            referral.addExtension(
                    LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION,
                    new CodeableConcept().setText("Citizens Advice"));
        }
        add(bundle, "urn:uuid:" + UUID.randomUUID(), authoredBy(referral, ods));

        String caseUrl = "urn:uuid:" + UUID.randomUUID();
        if (p.hasCase) {
            EpisodeOfCare episode = LinkwellFixtures.episode(patient, team, EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
            episode.getPeriod().setStartElement(on(p.caseStart));
            add(bundle, caseUrl, authoredBy(episode, ods));
            if (p.planOn != null) {
                CarePlan plan = LinkwellFixtures.actionPlan(patient, team);
                plan.getPeriod().setStartElement(on(p.planOn));
                plan.setCreatedElement(on(p.planOn));
                add(bundle, "urn:uuid:" + UUID.randomUUID(), authoredBy(plan, ods));
            }
            for (LocalDate day : p.sessions) {
                add(bundle, "urn:uuid:" + UUID.randomUUID(), authoredBy(session(patient, caseUrl, day, true), ods));
            }
            for (LocalDate day : p.sessionsNotHeld) {
                add(bundle, "urn:uuid:" + UUID.randomUUID(), authoredBy(session(patient, caseUrl, day, false), ods));
            }
        }
        for (Stay stay : p.stays) {
            Encounter encounter = new Encounter()
                    .setStatus(Encounter.EncounterStatus.FINISHED)
                    .setClass_(new Coding(ACT_CODE, "IMP", "inpatient encounter"))
                    .setSubject(patient);
            encounter.getPeriod().setStartElement(at(stay.admitted())).setEndElement(at(stay.discharged()));
            if (stay.emergency()) {
                encounter.setPriority(new CodeableConcept(new Coding(ACT_PRIORITY, "EM", "emergency")));
            }
            encounter.setServiceProvider(new Reference().setDisplay("Hospital " + hospital));
            add(bundle, "urn:uuid:" + UUID.randomUUID(), authoredBy(encounter, hospital));
        }
        Map<String, String> ids = new HashMap<>();
        for (Bundle.BundleEntryComponent entry :
                admin.transaction().withBundle(bundle).execute().getEntry()) {
            String location = entry.getResponse().getLocation();
            ids.put(location.substring(0, location.indexOf('/')), location);
        }
        if (!p.hasCase) {
            return;
        }
        Reference patientRef = new Reference(versionless(ids.get("Patient")));
        Reference caseRef = new Reference(versionless(ids.get("EpisodeOfCare")));
        if (p.allocatedOn != null) {
            Task allocation = new Task()
                    .setStatus(TaskStatus.COMPLETED)
                    .setIntent(Task.TaskIntent.ORDER)
                    .setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, "allocation", null)))
                    .setFocus(caseRef)
                    .setFor(patientRef)
                    .setAuthoredOnElement(on(p.caseStart))
                    .setRequester(team)
                    .setOwner(new Reference(p.worker));
            allocation.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, colour(p.colour));
            allocation.getExecutionPeriod().setEndElement(at(p.allocatedOn.atTime(14, 0)));
            admin.create().resource(authoredBy(allocation, ods)).execute();
        }
        for (LocalDate day : p.reviews) {
            Task review = new Task()
                    .setStatus(TaskStatus.COMPLETED)
                    .setIntent(Task.TaskIntent.ORDER)
                    .setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, "review", null)))
                    .setFocus(caseRef)
                    .setFor(patientRef)
                    .setAuthoredOnElement(on(day))
                    .setOwner(new Reference(p.worker));
            review.addOutput()
                    .setType(new CodeableConcept().setText("outcome"))
                    .setValue(new org.hl7.fhir.r4.model.StringType("Plan going well"));
            review.getExecutionPeriod().setEndElement(at(day.atTime(15, 0)));
            admin.create().resource(authoredBy(review, ods)).execute();
        }
        if (p.caseEnd != null) {
            EpisodeOfCare episode = admin.read()
                    .resource(EpisodeOfCare.class)
                    .withId(caseRef.getReference())
                    .execute();
            episode.setStatus(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
            episode.getPeriod().setEndElement(on(p.caseEnd));
            admin.update().resource(episode).execute();
        }
    }

    private static Encounter session(Reference patient, String caseUrl, LocalDate day, boolean held) {
        Encounter session = new Encounter()
                .setStatus(held ? Encounter.EncounterStatus.FINISHED : Encounter.EncounterStatus.PLANNED)
                .setClass_(new Coding(ACT_CODE, "AMB", "ambulatory"))
                .setSubject(patient);
        session.addEpisodeOfCare(new Reference(caseUrl));
        session.getPeriod().setStartElement(at(day.atTime(11, 0)));
        if (held) {
            session.getPeriod().setEndElement(at(day.atTime(12, 0)));
        }
        return session;
    }

    private static void add(Bundle bundle, String fullUrl, Resource resource) {
        bundle.addEntry()
                .setFullUrl(fullUrl)
                .setResource(resource)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl(resource.fhirType());
    }

    private static String versionless(String location) {
        return new org.hl7.fhir.r4.model.IdType(location)
                .toUnqualifiedVersionless()
                .getValue();
    }

    // ---- The expected figures, counted from the generator's decisions ----

    /** numerator/denominator per stratum value, as "n/d". */
    private static final class Expected {
        final Map<String, int[]> byValue = new TreeMap<>();

        void count(String value, boolean numerator) {
            int[] t = byValue.computeIfAbsent(value, k -> new int[2]);
            t[0] += numerator ? 1 : 0;
            t[1]++;
        }

        String of(String value) {
            int[] t = byValue.get(value);
            return t == null ? null : t[0] + "/" + t[1];
        }
    }

    private static boolean activeOn(Person p, LocalDate day) {
        return p.hasCase && !p.caseStart.isAfter(day) && (p.caseEnd == null || !p.caseEnd.isBefore(day));
    }

    private Expected assessedOnTime(Window w) {
        Expected e = new Expected();
        for (Person p : people) {
            boolean due = w.has(due(p).toLocalDate());
            if (due && !List.of("cancelled", "rejected").contains(p.referralStatus)) {
                e.count(p.team, p.referralStatus.equals("completed") && p.assessedInTime);
            }
        }
        return e;
    }

    private Expected declined(Window w) {
        Expected e = new Expected();
        for (Person p : people) {
            if (w.has(p.referredOn)
                    && List.of("completed", "rejected", "in-progress").contains(p.referralStatus)) {
                e.count(p.team, p.referralStatus.equals("rejected"));
            }
        }
        return e;
    }

    private Expected actionPlans(Window w) {
        Expected e = new Expected();
        for (Person p : people) {
            if (p.allocatedOn != null && w.has(p.allocatedOn.plusDays(28))) {
                e.count(p.team, p.planOn != null && !p.planOn.isAfter(p.allocatedOn.plusDays(28)));
            }
        }
        return e;
    }

    private Expected reviewed(Window w) {
        Expected e = new Expected();
        LocalDate day = w.end();
        for (Person p : people) {
            if (activeOn(p, day)) {
                boolean reviewed = p.reviews.stream().anyMatch(r -> !r.isAfter(day) && !r.isBefore(day.minusYears(1)));
                e.count(p.team, reviewed);
            }
        }
        return e;
    }

    private Expected readmissions(Window w) {
        Expected e = new Expected();
        for (Person p : people) {
            for (Stay stay : p.stays) {
                if (!w.has(stay.discharged().toLocalDate())) {
                    continue;
                }
                boolean readmitted = p.stays.stream()
                        .anyMatch(next -> next != stay
                                && next.emergency()
                                && next.admitted().isAfter(stay.discharged())
                                && ChronoUnit.DAYS.between(
                                                stay.discharged().toLocalDate(),
                                                next.admitted().toLocalDate())
                                        <= 30);
                e.count(hospital, readmitted);
            }
        }
        return e;
    }

    private Expected engagement(Window w) {
        Expected e = new Expected();
        for (Person p : people) {
            if (p.hasCase && w.has(p.caseStart)) {
                e.count(p.team, p.sessions.stream().anyMatch(s -> !s.isBefore(p.caseStart)));
            }
        }
        return e;
    }

    private Map<String, Integer> caseloadBy(Window w, boolean byWorker) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Person p : people) {
            if (activeOn(p, w.end())) {
                String key = byWorker ? (p.allocatedOn == null ? null : p.worker) : p.team;
                if (key != null) {
                    counts.merge(key, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    // ---- The reports ----

    private MeasureReport report(String measure, Window w) {
        HttpResponse<String> response = fhir(
                adminToken(),
                "GET",
                "Measure/" + measure + "/$evaluate-measure?periodStart=" + w.start() + "&periodEnd=" + w.end(),
                null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(MeasureReport.class, response.body());
    }

    /** A stratum's numerator/denominator as "n/d" (or the cohort count), null when the report has no such stratum. */
    private static String stratum(MeasureReport report, String stratifier, String value) {
        return report.getGroupFirstRep().getStratifier().stream()
                .filter(s -> s.getCodeFirstRep().getText().equals(stratifier))
                .flatMap(s -> s.getStratum().stream())
                .filter(s -> s.getValue().getText().equals(value))
                .findFirst()
                .map(s -> {
                    Map<String, Integer> counts = new HashMap<>();
                    s.getPopulation()
                            .forEach(p ->
                                    counts.put(p.getCode().getCodingFirstRep().getCode(), p.getCount()));
                    return counts.containsKey("initial-population")
                            ? String.valueOf(counts.get("initial-population"))
                            : counts.get("numerator") + "/" + counts.get("denominator");
                })
                .orElse(null);
    }

    private void matches(String measure, Window w, String stratifier, List<String> values, Expected expected) {
        MeasureReport report = report(measure, w);
        for (String value : values) {
            assertThat(stratum(report, stratifier, value))
                    .as("%s %s..%s, %s %s", measure, w.start(), w.end(), stratifier, value)
                    .isEqualTo(expected.of(value));
        }
    }

    @Test
    void theProportionsMatchWhatTheGeneratorDecided() {
        for (Window w : List.of(JUNE, YEAR)) {
            matches("referrals-assessed-on-time", w, "team", teams, assessedOnTime(w));
            matches("referrals-declined", w, "team", teams, declined(w));
            matches("action-plans-within-28-days", w, "team", teams, actionPlans(w));
            matches("reviewed-in-12-months", w, "team", teams, reviewed(w));
            matches("emergency-readmissions-30-days", w, "team", List.of(hospital), readmissions(w));
            matches("engagement", w, "team", teams, engagement(w));
        }
        // The population exercises every figure.
        assertThat(actionPlans(YEAR).byValue).isNotEmpty();
        assertThat(readmissions(YEAR).of(hospital)).doesNotStartWith("0/");
        assertThat(reviewed(YEAR).byValue.values().stream().mapToInt(t -> t[0]).sum())
                .isGreaterThan(5);
    }

    @Test
    void theCaseloadMatchesByTeamAndByWorker() {
        for (Window w : List.of(JUNE, YEAR)) {
            MeasureReport report = report("caseload", w);
            Map<String, Integer> byTeam = caseloadBy(w, false);
            for (String team : teams) {
                assertThat(stratum(report, "team", team))
                        .as("caseload of %s on %s", team, w.end())
                        .isEqualTo(byTeam.containsKey(team) ? String.valueOf(byTeam.get(team)) : null);
            }
            Map<String, Integer> byWorker = caseloadBy(w, true);
            for (String worker : workers) {
                assertThat(stratum(report, "practitioner", worker))
                        .as("caseload of %s on %s", worker, w.end())
                        .isEqualTo(byWorker.containsKey(worker) ? String.valueOf(byWorker.get(worker)) : null);
            }
            assertThat(report.getGroupFirstRep().hasMeasureScore()).isFalse();
        }
    }

    @Test
    void theEdgeCasesFallWhereTheBoundariesSay() {
        // Day 30 readmitted, day 31 not: both discharges in June.
        Expected june = readmissions(JUNE);
        assertThat(june.byValue.get(hospital)[1]).isGreaterThanOrEqualTo(2);
        MeasureReport readmissions = report(
                "emergency-readmissions-30-days", new Window(LocalDate.of(2023, 6, 10), LocalDate.of(2023, 6, 10)));
        assertThat(stratum(readmissions, "team", hospital))
                .isEqualTo(readmissions(new Window(LocalDate.of(2023, 6, 10), LocalDate.of(2023, 6, 10)))
                        .of(hospital));
        // The urgent referral referred on 14 June and assessed on the 15th is late on the 14th.
        Window fourteenth = new Window(LocalDate.of(2023, 6, 14), LocalDate.of(2023, 6, 14));
        matches("referrals-assessed-on-time", fourteenth, "team", teams, assessedOnTime(fourteenth));
        // The case allocated on 31 May is June's; the one allocated on 3 June is July's.
        Window twentyEighth = new Window(LocalDate.of(2023, 6, 28), LocalDate.of(2023, 6, 28));
        assertThat(actionPlans(twentyEighth).byValue.values().stream()
                        .mapToInt(t -> t[1])
                        .sum())
                .isPositive();
        matches("action-plans-within-28-days", twentyEighth, "team", teams, actionPlans(twentyEighth));
        Window firstOfJuly = new Window(LocalDate.of(2023, 7, 1), LocalDate.of(2023, 7, 1));
        matches("action-plans-within-28-days", firstOfJuly, "team", teams, actionPlans(firstOfJuly));
    }
}
