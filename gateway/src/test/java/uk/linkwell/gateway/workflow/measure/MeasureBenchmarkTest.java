package uk.linkwell.gateway.workflow.measure;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.BenchDatabase;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Benchmark (only with -Pbench): {@code Measure/<id>/$evaluate-measure} for each Measure, asked by an operator over
 * HTTP on PostgreSQL, over a population of {@code linkwell.bench.measure.people} people (default 100,000) with a year
 * of activity: a referral each (most assessed, some declined), cases with allocations, action plans and goals, completed
 * reviews and sessions, and hospital stays with readmissions. Seeded through HAPI's system DAO in transaction
 * batches, so the gateway's own storage hooks run (scheduled reviews, allocations, review completions) and the
 * records are the HAPI resources the operation reads. Each Measure is evaluated for the year's last month and for the
 * whole year, once to warm up and then {@code linkwell.bench.measure.rounds} times. Target: under 10 s each. Writes
 * target/bench/measures.txt; the answers are checked for a population, the timings reported, not asserted.
 */
@Tag("bench")
class MeasureBenchmarkTest extends GatewayIntegrationTest {

    static final int PEOPLE = Integer.getInteger("linkwell.bench.measure.people", 100_000);
    static final int ROUNDS = Integer.getInteger("linkwell.bench.measure.rounds", 3);
    /** People per transaction. */
    static final int BATCH = 100;
    /** Workers, each care manager of about this many cases (below the default cap of 25). */
    static final int CASES_PER_WORKER = 20;

    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
    private static final String CS = "https://fhir.linkwell.example/CodeSystem/";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority";
    private static final String[] RAG = {"red", "amber", "green"};
    private static final LocalDate YEAR_START = LocalDate.of(2024, 1, 1);

    @Autowired
    private DaoRegistry daos;

    private final Random random = new Random(100_000L);
    private long resourcesWritten;

    @Test
    void evaluateEachMeasureOverAYearOfAPopulation() throws Exception {
        long seedStart = System.nanoTime();
        String ods = "M" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();
        String team = daos.getResourceDao("Organization")
                .create(LinkwellFixtures.organisation(ods, "Bench service"), new SystemRequestDetails())
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        List<String> workers = new ArrayList<>();
        int workerCount = Math.max(1, PEOPLE / CASES_PER_WORKER);
        for (int from = 0; from < workerCount; from += 500) {
            Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            for (int w = from; w < Math.min(workerCount, from + 500); w++) {
                add(bundle, null, LinkwellFixtures.practitioner("Bench" + w));
            }
            for (Bundle.BundleEntryComponent entry : transaction(bundle).getEntry()) {
                workers.add(versionless(entry.getResponse().getLocation()));
            }
        }
        for (int from = 0; from < PEOPLE; from += BATCH) {
            seed(team, ods, workers, Math.min(BATCH, PEOPLE - from));
        }
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
        BenchDatabase.settle(database(), Duration.ofMinutes(30));

        StringBuilder report = new StringBuilder(String.format(
                Locale.ROOT,
                "$evaluate-measure over %,d people with a year of activity (2024), %,d resources seeded through HAPI's"
                        + " system DAO in %.0f s (%.0f resources/s, the gateway's hooks' own writes not counted);"
                        + " an operator over HTTP, one request at a time, %d rounds after one warm-up;"
                        + " target under 10 s each%n",
                PEOPLE,
                resourcesWritten,
                seedSeconds,
                resourcesWritten / seedSeconds,
                ROUNDS));
        List<String[]> periods =
                List.of(new String[] {"2024-12-01", "2024-12-31"}, new String[] {"2024-01-01", "2024-12-31"});
        for (String measure : MeasureEvaluation.known()) {
            for (String[] period : periods) {
                MeasureReport first = evaluate(measure, period);
                if (!measure.equals("goals-met")) {
                    assertThat(population(first))
                            .as(measure + " counts the population")
                            .isPositive();
                }
                long[] nanos = new long[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    long start = System.nanoTime();
                    evaluate(measure, period);
                    nanos[r] = System.nanoTime() - start;
                }
                Arrays.sort(nanos);
                report.append(String.format(
                        Locale.ROOT,
                        "%-32s %s..%s  denominator %,8d  median %6.2f s  max %6.2f s%s%n",
                        measure,
                        period[0],
                        period[1],
                        population(first),
                        nanos[nanos.length / 2] / 1e9,
                        nanos[nanos.length - 1] / 1e9,
                        nanos[nanos.length - 1] / 1e9 < 10 ? "" : "  (over the 10 s target)"));
            }
        }
        Path out = Path.of("target", "bench", "measures.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
        System.out.print(report);
    }

    /** The overall denominator (or a cohort's count). */
    private static int population(MeasureReport report) {
        return report.getGroupFirstRep().getPopulation().stream()
                .filter(p -> List.of("denominator", "initial-population")
                        .contains(p.getCode().getCodingFirstRep().getCode()))
                .findFirst()
                .map(p -> p.getCountElement().hasValue() ? p.getCount() : 0)
                .orElse(0);
    }

    private MeasureReport evaluate(String measure, String[] period) {
        HttpResponse<String> response = fhir(
                adminToken(),
                "GET",
                "Measure/" + measure + "/$evaluate-measure?periodStart=" + period[0] + "&periodEnd=" + period[1],
                null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(MeasureReport.class, response.body());
    }

    /** What one person's year leaves to write after the first transaction: their case's allocation and review. */
    private record CaseWork(int caseEntry, int patientEntry, String worker, LocalDate allocatedOn, LocalDate review) {}

    /** One batch of people: their records in one transaction, then their cases' allocations and reviews in another. */
    private void seed(String team, String ods, List<String> workers, int count) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        List<CaseWork> work = new ArrayList<>();
        Reference teamRef = new Reference(team);
        for (int i = 0; i < count; i++) {
            String patientUrl = "urn:uuid:" + UUID.randomUUID();
            int patientEntry = bundle.getEntry().size();
            add(bundle, patientUrl, LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
            Reference patient = new Reference(patientUrl);
            LocalDate referred = YEAR_START.minusDays(30).plusDays(random.nextInt(380));
            boolean urgent = random.nextInt(6) == 0;
            int roll = random.nextInt(20);
            TaskStatus status = roll < 15
                    ? TaskStatus.COMPLETED
                    : roll < 18 ? TaskStatus.REJECTED : roll == 18 ? TaskStatus.INPROGRESS : TaskStatus.REQUESTED;
            String requestUrl = "urn:uuid:" + UUID.randomUUID();
            ServiceRequest request = LinkwellFixtures.referral(patient, teamRef, teamRef);
            request.setAuthoredOnElement(at(referred.atTime(10, 0)));
            add(bundle, requestUrl, request);
            LocalDateTime due = referred.plusDays(urgent ? 0 : 3).atTime(23, 59, 59);
            LocalDateTime assessed =
                    due.plusHours(random.nextInt(5) == 0 ? 1 + random.nextInt(48) : -random.nextInt(60));
            Task referral = new Task()
                    .setStatus(status)
                    .setIntent(Task.TaskIntent.ORDER)
                    .setFocus(new Reference(requestUrl))
                    .setFor(patient)
                    .setAuthoredOnElement(at(referred.atTime(10, 0)))
                    .setRequester(teamRef)
                    .setOwner(teamRef);
            referral.setPriority(urgent ? Task.TaskPriority.URGENT : Task.TaskPriority.ROUTINE);
            referral.getRestriction().getPeriod().setEndElement(at(due));
            if (status == TaskStatus.COMPLETED) {
                referral.getExecutionPeriod().setEndElement(at(assessed));
            }
            if (status == TaskStatus.REJECTED) {
                referral.setStatusReason(
                        new CodeableConcept(new Coding(CS + "referral-decline-reason", "needs-met-elsewhere", null)));
                referral.addExtension(
                        LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION,
                        new CodeableConcept().setText("Citizens Advice"));
            }
            add(bundle, null, authoredBy(referral, ods));
            if (status == TaskStatus.COMPLETED) {
                LocalDate start = assessed.toLocalDate();
                boolean finished = random.nextInt(7) == 0;
                String caseUrl = "urn:uuid:" + UUID.randomUUID();
                int caseEntry = bundle.getEntry().size();
                EpisodeOfCare episode = LinkwellFixtures.episode(
                        patient,
                        teamRef,
                        finished
                                ? EpisodeOfCare.EpisodeOfCareStatus.FINISHED
                                : EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
                episode.getPeriod().setStartElement(at(start.atTime(12, 0)));
                String worker = workers.get(random.nextInt(workers.size()));
                if (finished) {
                    episode.getPeriod()
                            .setEndElement(
                                    at(start.plusDays(30 + random.nextInt(200)).atTime(12, 0)));
                    episode.setCareManager(new Reference(worker));
                    episode.addExtension(
                            LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag(RAG[random.nextInt(RAG.length)]));
                }
                add(bundle, caseUrl, authoredBy(episode, ods));
                LocalDate allocatedOn = start.plusDays(random.nextInt(14));
                if (random.nextInt(8) != 0) {
                    CarePlan plan = LinkwellFixtures.actionPlan(patient, teamRef);
                    LocalDate planOn = allocatedOn.plusDays(random.nextInt(40));
                    plan.getPeriod().setStartElement(at(planOn.atTime(12, 0)));
                    plan.setCreatedElement(at(planOn.atTime(12, 0)));
                    add(bundle, null, authoredBy(plan, ods));
                    // A goal in the person's words: most closed within the year, two in three achieved.
                    Goal goal = LinkwellFixtures.goal(patient, "To get out of the house twice a week");
                    int fate = random.nextInt(6);
                    if (fate < 4) {
                        goal.setLifecycleStatus(
                                        fate < 3
                                                ? Goal.GoalLifecycleStatus.COMPLETED
                                                : Goal.GoalLifecycleStatus.CANCELLED)
                                .setStatusDateElement(new DateType(planOn.plusDays(20 + random.nextInt(200))
                                        .toString()));
                        goal.setAchievementStatus(new CodeableConcept(new Coding(
                                "http://terminology.hl7.org/CodeSystem/goal-achievement",
                                random.nextInt(3) < 2 ? "achieved" : "not-achieved",
                                null)));
                    }
                    add(bundle, null, authoredBy(goal, ods));
                }
                if (random.nextInt(10) < 7) {
                    Encounter session = new Encounter()
                            .setStatus(Encounter.EncounterStatus.FINISHED)
                            .setClass_(new Coding(ACT_CODE, "AMB", "ambulatory"))
                            .setSubject(patient);
                    session.addEpisodeOfCare(new Reference(caseUrl));
                    LocalDateTime on = start.plusDays(random.nextInt(30)).atTime(11, 0);
                    session.getPeriod().setStartElement(at(on)).setEndElement(at(on.plusHours(1)));
                    add(bundle, null, authoredBy(session, ods));
                }
                if (!finished) {
                    LocalDate review = random.nextInt(3) == 0 ? allocatedOn.plusDays(60 + random.nextInt(200)) : null;
                    work.add(new CaseWork(caseEntry, patientEntry, worker, allocatedOn, review));
                }
            }
            if (random.nextInt(100) < 15) {
                LocalDateTime admitted =
                        YEAR_START.plusDays(random.nextInt(350)).atTime(9, 0);
                LocalDateTime discharged =
                        admitted.plusDays(1 + random.nextInt(10)).withHour(15);
                add(bundle, null, stay(patient, admitted, discharged, random.nextBoolean()));
                if (random.nextInt(100) < 35) {
                    LocalDateTime again = discharged
                            .toLocalDate()
                            .plusDays(random.nextInt(45))
                            .atTime(18, 0);
                    add(bundle, null, stay(patient, again, again.plusDays(2).withHour(11), random.nextInt(5) != 0));
                }
            }
        }
        List<Bundle.BundleEntryComponent> written = transaction(bundle).getEntry();

        Bundle tasks = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (CaseWork w : work) {
            Reference caseRef = new Reference(
                    versionless(written.get(w.caseEntry()).getResponse().getLocation()));
            Reference patientRef = new Reference(
                    versionless(written.get(w.patientEntry()).getResponse().getLocation()));
            Task allocation = careTask("allocation", patientRef, caseRef, new Reference(w.worker()));
            allocation.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag(RAG[random.nextInt(RAG.length)]));
            allocation.addExtension(
                    LinkwellProfiles.ALLOCATION_OVER_CAP_REASON_EXTENSION, new StringType("Benchmark population"));
            allocation.getExecutionPeriod().setEndElement(at(w.allocatedOn().atTime(14, 0)));
            add(tasks, null, authoredBy(allocation, ods));
        }
        if (!tasks.getEntry().isEmpty()) {
            transaction(tasks);
        }
        // Reviews after the allocations: completing one reads the case's care manager.
        Bundle reviews = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (CaseWork w : work) {
            if (w.review() == null) {
                continue;
            }
            Reference caseRef = new Reference(
                    versionless(written.get(w.caseEntry()).getResponse().getLocation()));
            Reference patientRef = new Reference(
                    versionless(written.get(w.patientEntry()).getResponse().getLocation()));
            Task review = careTask("review", patientRef, caseRef, new Reference(w.worker()));
            review.addOutput().setType(new CodeableConcept().setText("outcome")).setValue(new StringType("Going well"));
            review.getExecutionPeriod().setEndElement(at(w.review().atTime(15, 0)));
            add(reviews, null, authoredBy(review, ods));
        }
        if (!reviews.getEntry().isEmpty()) {
            transaction(reviews);
        }
    }

    private static Encounter stay(
            Reference patient, LocalDateTime admitted, LocalDateTime discharged, boolean emergency) {
        Encounter stay = new Encounter()
                .setStatus(Encounter.EncounterStatus.FINISHED)
                .setClass_(new Coding(ACT_CODE, "IMP", "inpatient encounter"))
                .setSubject(patient);
        stay.getPeriod().setStartElement(at(admitted)).setEndElement(at(discharged));
        if (emergency) {
            stay.setPriority(new CodeableConcept(new Coding(ACT_PRIORITY, "EM", "emergency")));
        }
        stay.setServiceProvider(new Reference().setDisplay("Bench hospital"));
        return stay;
    }

    private static Task careTask(String code, Reference patient, Reference episode, Reference owner) {
        Task task = new Task()
                .setStatus(TaskStatus.COMPLETED)
                .setIntent(Task.TaskIntent.ORDER)
                .setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, code, null)))
                .setFor(patient)
                .setFocus(episode)
                .setOwner(owner);
        task.setAuthoredOnElement(new DateTimeType(new java.util.Date()));
        return task;
    }

    private Bundle transaction(Bundle bundle) {
        resourcesWritten += bundle.getEntry().size();
        return (Bundle) daos.getSystemDao().transaction(new SystemRequestDetails(), bundle);
    }

    private static CodeableConcept rag(String code) {
        return new CodeableConcept(new Coding(LinkwellProfiles.COMPLEXITY_RATING_SYSTEM, code, null));
    }

    private static DateTimeType at(LocalDateTime local) {
        return new DateTimeType(local.atZone(LONDON).format(SECONDS));
    }

    private static <R extends Resource> R authoredBy(R resource, String ods) {
        resource.getMeta().addTag(AuthorOrganisationStamp.TAG_SYSTEM, ods, null);
        return resource;
    }

    private static void add(Bundle bundle, String fullUrl, Resource resource) {
        Bundle.BundleEntryComponent entry = bundle.addEntry().setResource(resource);
        if (fullUrl != null) {
            entry.setFullUrl(fullUrl);
        }
        entry.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(resource.fhirType());
    }

    private static String versionless(String location) {
        return new org.hl7.fhir.r4.model.IdType(location)
                .toUnqualifiedVersionless()
                .getValue();
    }
}
