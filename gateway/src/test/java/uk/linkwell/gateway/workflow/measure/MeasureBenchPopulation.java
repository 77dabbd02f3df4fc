package uk.linkwell.gateway.workflow.measure;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * The measure benchmark's population, seeded once into a named database and kept: people with a year of activity
 * (a referral each, most assessed, some declined; cases with allocations, action plans and goals, completed reviews
 * and sessions; hospital stays with readmissions), written as HAPI resources through HAPI's system DAO in
 * transactions with client-assigned ids (PUT), so a batch written twice leaves the same records and an interrupted
 * seeding resumes at the batches not yet recorded. The gateway's own storage hooks (profile validation, consent
 * stamps, the care process's hooks) are unregistered while it seeds: what the allocation hook would have written on
 * a case (its care manager and RAG complexity) the population writes itself; the review Tasks the hooks would have
 * scheduled are not written (no Measure counts them). Done batches and the finished marker are kept in
 * {@code linkwell_bench_seed} in the same database.
 */
final class MeasureBenchPopulation {

    /** People per transaction (about 6.6 resources each). */
    static final int BATCH = 60;
    /** Workers, each care manager of about this many cases. */
    static final int CASES_PER_WORKER = 20;

    static final String ODS = "MBENCH";
    static final String TEAM = "Organization/mb-team";
    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
    private static final String CS = "https://fhir.linkwell.example/CodeSystem/";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final String ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority";
    private static final String[] RAG = {"red", "amber", "green"};
    static final LocalDate YEAR_START = LocalDate.of(2024, 1, 1);

    private final int people;
    private final PostgresTestDatabase.Connection db;

    MeasureBenchPopulation(int people, PostgresTestDatabase.Connection db) {
        this.people = people;
        this.db = db;
    }

    /** What the seeding did: resources written by this run, its seconds, and whether the population was there. */
    record Seeding(long resources, double seconds, boolean alreadySeeded, String recorded) {}

    /** Whether the database holds the whole population (its marker). */
    boolean seeded() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            ensureTables(s);
            try (ResultSet rs = s.executeQuery("SELECT people FROM linkwell_bench_seed WHERE people = " + people)) {
                return rs.next();
            }
        }
    }

    /** People in the batches written so far (all of them once {@link #seeded}); the first batches are written first. */
    int peopleSeeded() throws Exception {
        int count = 0;
        for (int batch : doneBatches()) {
            count += Math.max(0, Math.min(people, (batch + 1) * BATCH) - batch * BATCH);
        }
        return count;
    }

    /** The recorded seeding of the finished population, e.g. for the report. */
    String recorded() throws Exception {
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT resources, seconds, threads FROM linkwell_bench_seed WHERE people = " + people)) {
            if (!rs.next()) {
                return "not seeded";
            }
            return String.format(
                    Locale.ROOT,
                    "%,d resources seeded in %.0f s of seeding (%.0f resources/s, %d threads)",
                    rs.getLong(1),
                    rs.getDouble(2),
                    rs.getLong(1) / Math.max(1, rs.getDouble(2)),
                    rs.getInt(3));
        }
    }

    /** Seeds what is missing through this gateway (which should serve nothing else meanwhile), with its hooks off. */
    Seeding seed(GatewayInstance gateway, int threads) throws Exception {
        if (seeded()) {
            return new Seeding(0, 0, true, recorded());
        }
        DaoRegistry daos = gateway.bean(DaoRegistry.class);
        IInterceptorService interceptors = gateway.bean(IInterceptorService.class);
        JpaStorageSettings settings = gateway.bean(JpaStorageSettings.class);
        List<Object> ours = interceptors.getAllRegisteredInterceptors().stream()
                .filter(i -> i.getClass().getName().startsWith("uk.linkwell."))
                .toList();
        ours.forEach(interceptors::unregisterInterceptor);
        boolean massIngestion = settings.isMassIngestionMode();
        settings.setMassIngestionMode(true);
        long start = System.nanoTime();
        AtomicLong written = new AtomicLong();
        try {
            writeStaff(daos, written);
            Set<Integer> done = doneBatches();
            int batches = (people + BATCH - 1) / BATCH;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> futures = new ArrayList<>();
            AtomicLong progress = new AtomicLong();
            for (int b = 0; b < batches; b++) {
                if (done.contains(b)) {
                    continue;
                }
                int batch = b;
                futures.add(pool.submit(() -> {
                    Bundle bundle = batch(batch);
                    daos.getSystemDao().transaction(new SystemRequestDetails(), bundle);
                    written.addAndGet(bundle.getEntry().size());
                    markDone(batch, bundle.getEntry().size());
                    long n = progress.incrementAndGet();
                    if (n % 50 == 0) {
                        double s = (System.nanoTime() - start) / 1e9;
                        System.out.printf(
                                Locale.ROOT,
                                "measure bench seeding: %d batches of %d left, %,d resources in %.0f s (%.0f/s)%n",
                                batches - done.size() - n,
                                batches,
                                written.get(),
                                s,
                                written.get() / s);
                    }
                    return null;
                }));
            }
            pool.shutdown();
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            settings.setMassIngestionMode(massIngestion);
            ours.forEach(interceptors::registerInterceptor);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(resources), 0), COALESCE(SUM(seconds), 0) "
                        + "FROM linkwell_bench_seed_run")) {
            rs.next();
            long before = rs.getLong(1);
            double secondsBefore = rs.getDouble(2);
            s.execute("INSERT INTO linkwell_bench_seed_run(resources, seconds) VALUES (" + written.get() + ", "
                    + seconds + ")");
            s.execute("INSERT INTO linkwell_bench_seed(people, resources, seconds, threads, done_at) VALUES ("
                    + people + ", " + (before + written.get()) + ", " + (secondsBefore + seconds) + ", " + threads
                    + ", now())");
        }
        return new Seeding(written.get(), seconds, false, recorded());
    }

    private void writeStaff(DaoRegistry daos, AtomicLong written) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        put(bundle, "mb-team", LinkwellFixtures.organisation(ODS, "Bench service"));
        for (int w = 0; w < workers(); w++) {
            put(bundle, "mb-w-" + w, LinkwellFixtures.practitioner("Bench" + w));
            if (bundle.getEntry().size() >= 500) {
                daos.getSystemDao().transaction(new SystemRequestDetails(), bundle);
                written.addAndGet(bundle.getEntry().size());
                bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            }
        }
        if (!bundle.getEntry().isEmpty()) {
            daos.getSystemDao().transaction(new SystemRequestDetails(), bundle);
            written.addAndGet(bundle.getEntry().size());
        }
    }

    private int workers() {
        return Math.max(1, people / CASES_PER_WORKER);
    }

    /** One batch of people, the same every time it is made (its own seed, its own ids). */
    Bundle batch(int batch) {
        Random random = new Random(100_000L * 31 + batch);
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Reference teamRef = new Reference(TEAM);
        int nhs = batch * BATCH * 2;
        for (int n = batch * BATCH; n < Math.min(people, (batch + 1) * BATCH); n++) {
            String p = "mb-p-" + n;
            String nhsNumber;
            do {
                String firstNine = "999" + String.format("%06d", nhs++ % 1_000_000);
                int check = checkDigit(firstNine);
                nhsNumber = check < 0 ? null : firstNine + check;
            } while (nhsNumber == null);
            put(bundle, p, LinkwellFixtures.patient(nhsNumber));
            Reference patient = new Reference("Patient/" + p);
            LocalDate referred = YEAR_START.minusDays(30).plusDays(random.nextInt(380));
            boolean urgent = random.nextInt(6) == 0;
            int roll = random.nextInt(20);
            TaskStatus status = roll < 15
                    ? TaskStatus.COMPLETED
                    : roll < 18 ? TaskStatus.REJECTED : roll == 18 ? TaskStatus.INPROGRESS : TaskStatus.REQUESTED;
            ServiceRequest request = LinkwellFixtures.referral(patient, teamRef, teamRef);
            request.setAuthoredOnElement(at(referred.atTime(10, 0)));
            put(bundle, "mb-sr-" + n, request);
            LocalDateTime due = referred.plusDays(urgent ? 0 : 3).atTime(23, 59, 59);
            LocalDateTime assessed =
                    due.plusHours(random.nextInt(5) == 0 ? 1 + random.nextInt(48) : -random.nextInt(60));
            Task referral = new Task()
                    .setStatus(status)
                    .setIntent(Task.TaskIntent.ORDER)
                    .setFocus(new Reference("ServiceRequest/mb-sr-" + n))
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
            put(bundle, "mb-rt-" + n, authoredBy(referral));
            if (status == TaskStatus.COMPLETED) {
                LocalDate start = assessed.toLocalDate();
                boolean finished = random.nextInt(7) == 0;
                String caseId = "mb-eoc-" + n;
                Reference caseRef = new Reference("EpisodeOfCare/" + caseId);
                EpisodeOfCare episode = LinkwellFixtures.episode(
                        patient,
                        teamRef,
                        finished
                                ? EpisodeOfCare.EpisodeOfCareStatus.FINISHED
                                : EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
                episode.getPeriod().setStartElement(at(start.atTime(12, 0)));
                String worker = "Practitioner/mb-w-" + random.nextInt(workers());
                String colour = RAG[random.nextInt(RAG.length)];
                // What allocating the case leaves on it (the allocation hook's writes, made here directly).
                episode.setCareManager(new Reference(worker));
                episode.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag(colour));
                if (finished) {
                    episode.getPeriod()
                            .setEndElement(
                                    at(start.plusDays(30 + random.nextInt(200)).atTime(12, 0)));
                }
                put(bundle, caseId, authoredBy(episode));
                LocalDate allocatedOn = start.plusDays(random.nextInt(14));
                if (random.nextInt(8) != 0) {
                    CarePlan plan = LinkwellFixtures.actionPlan(patient, teamRef);
                    LocalDate planOn = allocatedOn.plusDays(random.nextInt(40));
                    plan.getPeriod().setStartElement(at(planOn.atTime(12, 0)));
                    plan.setCreatedElement(at(planOn.atTime(12, 0)));
                    put(bundle, "mb-cp-" + n, authoredBy(plan));
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
                    put(bundle, "mb-g-" + n, authoredBy(goal));
                }
                if (random.nextInt(10) < 7) {
                    Encounter session = new Encounter()
                            .setStatus(Encounter.EncounterStatus.FINISHED)
                            .setClass_(new Coding(ACT_CODE, "AMB", "ambulatory"))
                            .setSubject(patient);
                    session.addEpisodeOfCare(caseRef);
                    LocalDateTime on = start.plusDays(random.nextInt(30)).atTime(11, 0);
                    session.getPeriod().setStartElement(at(on)).setEndElement(at(on.plusHours(1)));
                    put(bundle, "mb-s-" + n, authoredBy(session));
                }
                if (!finished) {
                    Task allocation = careTask("allocation", patient, caseRef, new Reference(worker));
                    allocation.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, rag(colour));
                    allocation.getExecutionPeriod().setEndElement(at(allocatedOn.atTime(14, 0)));
                    allocation.setAuthoredOnElement(at(allocatedOn.atTime(9, 0)));
                    put(bundle, "mb-al-" + n, authoredBy(allocation));
                    if (random.nextInt(3) == 0) {
                        LocalDate review = allocatedOn.plusDays(60 + random.nextInt(200));
                        Task done = careTask("review", patient, caseRef, new Reference(worker));
                        done.addOutput()
                                .setType(new CodeableConcept().setText("outcome"))
                                .setValue(new StringType("Going well"));
                        done.getExecutionPeriod().setEndElement(at(review.atTime(15, 0)));
                        done.setAuthoredOnElement(at(review.atTime(9, 0)));
                        put(bundle, "mb-rv-" + n, authoredBy(done));
                    }
                }
            }
            if (random.nextInt(100) < 15) {
                LocalDateTime admitted =
                        YEAR_START.plusDays(random.nextInt(350)).atTime(9, 0);
                LocalDateTime discharged =
                        admitted.plusDays(1 + random.nextInt(10)).withHour(15);
                put(bundle, "mb-st-" + n, stay(patient, admitted, discharged, random.nextBoolean()));
                if (random.nextInt(100) < 35) {
                    LocalDateTime again = discharged
                            .toLocalDate()
                            .plusDays(random.nextInt(45))
                            .atTime(18, 0);
                    put(
                            bundle,
                            "mb-st2-" + n,
                            stay(patient, again, again.plusDays(2).withHour(11), random.nextInt(5) != 0));
                }
            }
        }
        return bundle;
    }

    private static int checkDigit(String firstNine) {
        int sum = 0;
        for (int i = 0; i < 9; i++) {
            sum += (firstNine.charAt(i) - '0') * (10 - i);
        }
        int check = 11 - (sum % 11);
        return check == 11 ? 0 : check == 10 ? -1 : check;
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
        return new Task()
                .setStatus(TaskStatus.COMPLETED)
                .setIntent(Task.TaskIntent.ORDER)
                .setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, code, null)))
                .setFor(patient)
                .setFocus(episode)
                .setOwner(owner);
    }

    private static CodeableConcept rag(String code) {
        return new CodeableConcept(new Coding(LinkwellProfiles.COMPLEXITY_RATING_SYSTEM, code, null));
    }

    private static DateTimeType at(LocalDateTime local) {
        return new DateTimeType(local.atZone(LONDON).format(SECONDS));
    }

    private static <R extends Resource> R authoredBy(R resource) {
        resource.getMeta().addTag(AuthorOrganisationStamp.TAG_SYSTEM, ODS, null);
        return resource;
    }

    private static void put(Bundle bundle, String id, Resource resource) {
        resource.setId(resource.fhirType() + "/" + id);
        bundle.addEntry()
                .setResource(resource)
                .setFullUrl(resource.fhirType() + "/" + id)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl(resource.fhirType() + "/" + id);
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
    }

    private static void ensureTables(Statement s) throws Exception {
        s.execute("CREATE TABLE IF NOT EXISTS linkwell_bench_seed_batch(batch INT PRIMARY KEY, resources INT)");
        s.execute("CREATE TABLE IF NOT EXISTS linkwell_bench_seed_run(resources BIGINT, seconds DOUBLE PRECISION)");
        s.execute("CREATE TABLE IF NOT EXISTS linkwell_bench_seed(people INT PRIMARY KEY, resources BIGINT, "
                + "seconds DOUBLE PRECISION, threads INT, done_at TIMESTAMPTZ)");
    }

    private Set<Integer> doneBatches() throws Exception {
        Set<Integer> done = new HashSet<>();
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT batch FROM linkwell_bench_seed_batch")) {
            while (rs.next()) {
                done.add(rs.getInt(1));
            }
        }
        return done;
    }

    private void markDone(int batch, int resources) throws Exception {
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("INSERT INTO linkwell_bench_seed_batch(batch, resources) "
                        + "VALUES (?, ?) ON CONFLICT (batch) DO NOTHING")) {
            s.setInt(1, batch);
            s.setInt(2, resources);
            s.executeUpdate();
        }
    }
}
