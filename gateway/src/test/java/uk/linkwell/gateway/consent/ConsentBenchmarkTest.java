package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import uk.linkwell.gateway.consent.audit.DisclosureAuditWriter;
import uk.linkwell.gateway.testsupport.BenchGateways;
import uk.linkwell.gateway.testsupport.ClosedLoad;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.JitCompilation;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * Benchmark (only with -Pbench), issue 7's acceptance figure: a GP system's CarePlan search with the plan's goals
 * and service requests ({@code _include}) for one patient at a time, over 10,000 registered patients of whom 200
 * hold complex consents (nested provisions, PSY-labelled records, a denied organisation, expired ones), with the
 * consent engine on versus off ({@code linkwell.consent.enabled=false}). Two gateways on one PostgreSQL database,
 * authorization on in both, rounds ordered on-off, off-on, ... so that drift during the run (the JIT still
 * compiling, the database growing) favours neither. Writes target/bench/consent.txt; no
 * timing assertions. Sizes: -Dbench.consent.patients=, -Dbench.consent.round-seconds=, -Dbench.consent.rounds=,
 * -Dbench.consent.warm-up-seconds=, -Dbench.consent.threads=.
 */
@Tag("bench")
@ExtendWith(PostgresDatabaseExtension.class)
class ConsentBenchmarkTest {

    static final int PATIENTS = Integer.getInteger("bench.consent.patients", 10_000);
    /** 2% of the patients: 200 of 10,000. */
    static final int CONSENT_PATIENTS = Math.max(1, PATIENTS / 50);

    static final int THREADS = Integer.getInteger("bench.consent.threads", 4);
    /**
     * Rounds per mode; even, so the on-off / off-on order evens out. Single round pairs scatter by ten points and
     * more on two shared cores, so the figure is the aggregate of several.
     */
    static final int ROUNDS = Integer.getInteger("bench.consent.rounds", 6);

    static final long ROUND_MILLIS = 1000L * Integer.getInteger("bench.consent.round-seconds", 20);
    /**
     * Long enough for the JIT: with 40 s per mode it still compiled for 48-76 s during the 120 s of rounds (two
     * gateways' code paths, 2 cores); with 120 s, for 5 s.
     */
    static final long WARM_UP_MILLIS = 1000L * Integer.getInteger("bench.consent.warm-up-seconds", 120);

    static final int PATIENTS_PER_BUNDLE = 10;
    static final int SEED_THREADS = 2;
    static final String PRACTICE = "BENCHC1";
    static final String LINK_WORKERS = "BENCHLW";
    static final String DENIED_ORGANISATION = "RXX";
    static final String QUERY = "/fhir/CarePlan?patient=%s&_include=CarePlan:goal&_include=CarePlan:activity-reference";
    static final String GP_SCOPES = "system/CarePlan.rs system/Goal.rs system/ServiceRequest.rs system/Patient.rs";

    static final String AUTHOR_ORGANISATION = "https://fhir.linkwell.example/CodeSystem/author-organisation";
    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    static final String ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    static final String RECIPIENT_ROLE = "https://fhir.linkwell.example/CodeSystem/recipient-role";
    static final String RESOURCE_TYPES = "http://hl7.org/fhir/resource-types";

    private final FhirContext fhir = FhirContext.forR4Cached();

    @Test
    void carePlanSearchWithConsentOnVersusOff(@TempDir Path dataDir) throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("bench-consent");
        try (ConfigurableApplicationContext on = start(db, dataDir.resolve("on"), true)) {
            long seedStart = System.nanoTime();
            List<String> patients = seed(
                    base(on),
                    TestTokens.mint(
                            keys(on),
                            TestTokens.Claims.of("admin", "X26", "system/*.cruds")
                                    .issuedAt(Instant.now(), Duration.ofHours(6))));
            double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
            uk.linkwell.gateway.testsupport.BenchDatabase.settle(db, Duration.ofMinutes(15));
            try (ConfigurableApplicationContext off = start(db, dataDir.resolve("off"), false)) {
                Target consentOn = new Target(base(on), gpToken(on), patients);
                Target consentOff = new Target(base(off), gpToken(off), patients);
                // Both answer the search with the plan, its goals and its service requests.
                for (Target target : List.of(consentOn, consentOff)) {
                    String body = get(target, patients.get(patients.size() - 1));
                    assertThat(body)
                            .contains("\"CarePlan\"")
                            .contains("\"Goal\"")
                            .contains("\"ServiceRequest\"");
                }

                uk.linkwell.gateway.testsupport.BenchDatabase.warmUp(
                        db, millis -> run(consentOn, millis), millis -> run(consentOff, millis), WARM_UP_MILLIS);
                DisclosureAuditWriter audit = on.getBean(DisclosureAuditWriter.class);
                awaitAuditWritten(audit);
                List<Long> onLatencies = new ArrayList<>();
                List<Long> offLatencies = new ArrayList<>();
                long auditDrainNanos = 0;
                long compileMillis = JitCompilation.millis();
                List<String> perRound = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    boolean onFirst = round % 2 == 0;
                    List<Long> offFirst = onFirst ? null : run(consentOff, ROUND_MILLIS);
                    List<Long> onRound = run(consentOn, ROUND_MILLIS);
                    // The disclosures' AuditEvents are part of the work: the round ends when they are written.
                    long drain = awaitAuditWritten(audit);
                    auditDrainNanos += drain;
                    List<Long> offRound = onFirst ? run(consentOff, ROUND_MILLIS) : offFirst;
                    onLatencies.addAll(onRound);
                    offLatencies.addAll(offRound);
                    double onRate = onRound.size() / (ROUND_MILLIS / 1000.0 + drain / 1e9);
                    double offRate = offRound.size() / (ROUND_MILLIS / 1000.0);
                    perRound.add(String.format(Locale.ROOT, "%.1f", 100 * (offRate - onRate) / offRate));
                }
                // The write path: Goals created by the admin client with their bodies returned, on-off, off-on.
                String adminOn = adminToken(on);
                String adminOff = adminToken(off);
                List<Long> onWrites = new ArrayList<>();
                List<Long> offWrites = new ArrayList<>();
                long writeDrainNanos = 0;
                for (int round = 0; round < 2; round++) {
                    List<Long> offFirst = round == 0 ? null : runWrites(base(off), adminOff, patients, ROUND_MILLIS);
                    onWrites.addAll(runWrites(base(on), adminOn, patients, ROUND_MILLIS));
                    writeDrainNanos += awaitAuditWritten(audit);
                    offWrites.addAll(round == 0 ? runWrites(base(off), adminOff, patients, ROUND_MILLIS) : offFirst);
                }
                double writeSeconds = 2 * ROUND_MILLIS / 1000.0;
                double onWriteRate = onWrites.size() / (writeSeconds + writeDrainNanos / 1e9);
                double offWriteRate = offWrites.size() / writeSeconds;
                String writes = String.format(
                        Locale.ROOT,
                        """
                        write path: a Goal created for a random patient, body returned (Prefer: return=representation),
                        by the admin client, %d threads, 2 rounds of %d s per mode, on-off, off-on
                        consent on : %8.1f creates/s   p50 %6.1f ms   p99 %6.1f ms   (AuditEvents written %.1f s later)
                        consent off: %8.1f creates/s   p50 %6.1f ms   p99 %6.1f ms
                        write-path cost: %5.1f %%  (reported, no target)
                        """,
                        THREADS,
                        ROUND_MILLIS / 1000,
                        onWriteRate,
                        percentile(onWrites, 50),
                        percentile(onWrites, 99),
                        writeDrainNanos / 1e9,
                        offWriteRate,
                        percentile(offWrites, 50),
                        percentile(offWrites, 99),
                        (offWriteRate - onWriteRate) / offWriteRate * 100);
                write(
                        writes,
                        onLatencies,
                        offLatencies,
                        perRound,
                        seedSeconds,
                        auditDrainNanos / 1e9,
                        JitCompilation.millis() - compileMillis);
            }
        }
    }

    private record Target(String base, String token, List<String> patients) {}

    /** A Goal for a random patient, created with its body returned: the write path's response is a disclosure. */
    private static String createGoal(String base, String token, String patient) throws Exception {
        String body = "{\"resourceType\":\"Goal\",\"lifecycleStatus\":\"active\","
                + "\"description\":{\"text\":\"Walk to the shops\"},"
                + "\"subject\":{\"reference\":\"" + patient + "\"},"
                + "\"expressedBy\":{\"reference\":\"" + patient + "\"}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/fhir/Goal"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/fhir+json")
                .header("Prefer", "return=representation")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("create failed: " + response.statusCode());
        }
        return response.body();
    }

    /** Creates Goals for random patients from THREADS threads for the given time; each request's latency in ns. */
    private static List<Long> runWrites(String base, String token, List<String> patients, long millis)
            throws Exception {
        return ClosedLoad.latencies(
                THREADS,
                millis,
                () -> createGoal(
                        base, token, patients.get(ThreadLocalRandom.current().nextInt(patients.size()))));
    }

    private static ConfigurableApplicationContext start(
            PostgresTestDatabase.Connection db, Path dataDir, boolean consent) {
        // Only the consent engine is off; authorization stays on in both. The engine honours the switch only with an
        // explicit allow, as linkwell.security.enabled does.
        return BenchGateways.start(
                db,
                dataDir,
                consent
                        ? List.of()
                        : List.of(
                                "--linkwell.consent.enabled=false",
                                "--linkwell.consent.allow-disabled=true",
                                "--linkwell.security.allow-disabled=true"));
    }

    private static JWKSource<SecurityContext> keys(ConfigurableApplicationContext app) {
        return BenchGateways.keys(app);
    }

    private static String adminToken(ConfigurableApplicationContext app) {
        return TestTokens.mint(
                keys(app),
                TestTokens.Claims.of("admin", "X26", "system/*.cruds").issuedAt(Instant.now(), Duration.ofHours(6)));
    }

    private static String gpToken(ConfigurableApplicationContext app) {
        return TestTokens.mint(
                keys(app),
                TestTokens.Claims.of("gp-system", PRACTICE, GP_SCOPES).issuedAt(Instant.now(), Duration.ofHours(6)));
    }

    private static String base(ConfigurableApplicationContext app) {
        return BenchGateways.base(app);
    }

    /** The practice, the link worker team and PATIENTS registered patients with a plan each; returns their ids. */
    private List<String> seed(String base, String adminToken) throws Exception {
        IGenericClient admin = GatewayIntegrationTest.newClient(fhir, base + "/fhir");
        // Every resource of a seeding transaction is validated against the profiles: allow a slow machine time.
        fhir.getRestfulClientFactory().setSocketTimeout(600_000);
        admin.registerInterceptor(new BearerTokenAuthInterceptor(adminToken));
        Reference practice = new Reference(admin.create()
                .resource(LinkwellFixtures.organisation(PRACTICE, "Bench practice"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        Reference linkWorkers = new Reference(admin.create()
                .resource(LinkwellFixtures.organisation(LINK_WORKERS, "Bench link worker team"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        admin.create()
                .resource(LinkwellFixtures.organisation(DENIED_ORGANISATION, "Bench hospital"))
                .execute();
        Reference recorder = new Reference(admin.create()
                .resource(LinkwellFixtures.practitioner("Bench recorder"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());

        ExecutorService pool = Executors.newFixedThreadPool(SEED_THREADS);
        List<Future<List<String>>> chunks = new ArrayList<>();
        for (int first = 0; first < PATIENTS; first += PATIENTS_PER_BUNDLE) {
            int from = first;
            int to = Math.min(PATIENTS, first + PATIENTS_PER_BUNDLE);
            chunks.add(pool.submit(() -> seedChunk(admin, from, to, practice, linkWorkers, recorder)));
        }
        List<String> patients = new ArrayList<>();
        for (Future<List<String>> chunk : chunks) {
            patients.addAll(chunk.get());
        }
        pool.shutdown();
        assertThat(patients).hasSize(PATIENTS);
        return patients;
    }

    /** Patients from..to-1 in one transaction; every 50th (2%) holds a complex consent. */
    private static List<String> seedChunk(
            IGenericClient admin, int from, int to, Reference practice, Reference linkWorkers, Reference recorder) {
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = from; i < to; i++) {
            boolean complex = i % 50 == 0;
            Reference patient = new Reference("urn:uuid:" + UUID.randomUUID());
            Patient p = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
            p.addGeneralPractitioner(practice);
            add(tx, patient.getReference(), p);
            CarePlan plan = LinkwellFixtures.actionPlan(patient, linkWorkers);
            for (int g = 0; g < 2; g++) {
                Goal goal = LinkwellFixtures.goal(patient, g == 0 ? "Back to my allotment" : "Sleep better");
                // In consenting patients' records, the second goal is mental-health information.
                if (complex && g == 1) {
                    goal.getMeta().addSecurity(ACT_CODE, "PSY", "psychiatry disorder information sensitivity");
                }
                String id = "urn:uuid:" + UUID.randomUUID();
                add(tx, id, goal);
                plan.addGoal(new Reference(id));
            }
            for (int s = 0; s < 2; s++) {
                ServiceRequest referral = LinkwellFixtures.referral(patient, practice, linkWorkers);
                if (complex && s == 1) {
                    referral.getMeta().addSecurity(ACT_CODE, "PSY", "psychiatry disorder information sensitivity");
                }
                String id = "urn:uuid:" + UUID.randomUUID();
                add(tx, id, referral);
                plan.addActivity().setReference(new Reference(id));
            }
            add(tx, "urn:uuid:" + UUID.randomUUID(), plan);
            if (complex) {
                add(tx, "urn:uuid:" + UUID.randomUUID(), complexConsent(patient, recorder, i / 50));
            } else {
                // Everyone else consented plainly to their GP: each record the GP gets is still decided by a
                // Consent, as the records are the link worker team's (author organisation below), not the GP's.
                Consent plain = LinkwellFixtures.verbalConsent(patient, recorder);
                plain.addPerformer(patient);
                plain.getProvision().addActor(actor("gp", PRACTICE));
                add(tx, "urn:uuid:" + UUID.randomUUID(), plain);
            }
        }
        Bundle response = admin.transaction().withBundle(tx).execute();
        List<String> patients = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : response.getEntry()) {
            String location = entry.getResponse().getLocation();
            if (location != null && location.startsWith("Patient/")) {
                patients.add(new org.hl7.fhir.r4.model.IdType(location)
                        .toUnqualifiedVersionless()
                        .getValue());
            }
        }
        return patients;
    }

    private static void add(Bundle tx, String fullUrl, Resource resource) {
        // Written by the link worker team (the admin client may state the author organisation).
        resource.getMeta().addTag(AUTHOR_ORGANISATION, LINK_WORKERS, null);
        tx.addEntry()
                .setFullUrl(fullUrl)
                .setResource(resource)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl(resource.fhirType());
    }

    /**
     * A LinkwellConsent with nested provisions: permit to the GP practice and the link worker team for direct
     * care of plans, goals and referrals, except PSY-labelled records; every third also denies the hospital;
     * every fifth has expired.
     */
    static Consent complexConsent(Reference patient, Reference recorder, int n) {
        Consent consent = LinkwellFixtures.verbalConsent(patient, recorder);
        consent.addPerformer(patient);
        Consent.ProvisionComponent permit = consent.getProvision().setType(Consent.ConsentProvisionType.PERMIT);
        boolean expired = n % 5 == 4;
        permit.setPeriod(new Period()
                .setStartElement(new DateTimeType(expired ? "2024-01-01" : "2026-01-01"))
                .setEndElement(new DateTimeType(expired ? "2025-01-01" : "2028-01-01")));
        permit.addActor(actor("gp", PRACTICE));
        permit.addActor(actor("link-worker", LINK_WORKERS));
        permit.addPurpose(new Coding(ACT_REASON, "TREAT", "treatment"));
        permit.addPurpose(new Coding(ACT_REASON, "CAREMGT", "care management"));
        for (String type : List.of("CarePlan", "Goal", "ServiceRequest", "Patient")) {
            permit.addClass_(new Coding(RESOURCE_TYPES, type, null));
        }
        permit.addProvision()
                .setType(Consent.ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding(ACT_CODE, "PSY", "psychiatry disorder information sensitivity"));
        if (n % 3 == 0) {
            permit.addProvision()
                    .setType(Consent.ConsentProvisionType.DENY)
                    .addActor(actor("hospital", DENIED_ORGANISATION));
        }
        return consent;
    }

    private static Consent.provisionActorComponent actor(String role, String odsCode) {
        return new Consent.provisionActorComponent()
                .setRole(new CodeableConcept(new Coding(RECIPIENT_ROLE, role, null)))
                .setReference(new Reference()
                        .setIdentifier(
                                new Identifier().setSystem(LinkwellFixtures.ODS).setValue(odsCode)));
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static String get(Target target, String patient) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(target.base() + String.format(QUERY, patient)))
                .header("Authorization", "Bearer " + target.token())
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("search failed: " + response.statusCode());
        }
        return response.body();
    }

    /** Searches for random patients from THREADS threads for the given time; each request's latency in ns. */
    private static List<Long> run(Target target, long millis) throws Exception {
        return ClosedLoad.latencies(
                THREADS,
                millis,
                () -> get(
                        target,
                        target.patients()
                                .get(ThreadLocalRandom.current()
                                        .nextInt(target.patients().size()))));
    }

    /** Waits until every disclosure so far is written as an AuditEvent; returns how long that took. */
    private static long awaitAuditWritten(DisclosureAuditWriter audit) throws InterruptedException {
        long start = System.nanoTime();
        int quiet = 0;
        while (quiet < 2) {
            quiet = audit.backlog() == 0 ? quiet + 1 : 0;
            Thread.sleep(quiet == 0 ? 20 : 60);
        }
        return System.nanoTime() - start;
    }

    private static void write(
            String writes,
            List<Long> on,
            List<Long> off,
            List<String> perRound,
            double seedSeconds,
            double auditDrainSeconds,
            long compileMillis)
            throws Exception {
        double seconds = ROUNDS * ROUND_MILLIS / 1000.0;
        double onRps = on.size() / (seconds + auditDrainSeconds);
        double offRps = off.size() / seconds;
        String report = String.format(
                Locale.ROOT,
                """
                CarePlan search with _include of goals and service requests (%s), one random patient per request
                as a GP system, %d client threads, %d rounds of %d s per mode, ordered on-off, off-on, ... (%s),
                after %d s of warm-up per mode; JIT compilation during the rounds: %.1f s
                %d registered patients, each with a plan, 2 goals, 2 service requests written by the link worker team;
                %d with complex consents, the others with a plain permit to their GP practice
                (nested provisions, PSY-labelled records, a denied organisation, every fifth expired)
                PostgreSQL; one JVM, two gateways; authorization on in both; seeding took %.0f s
                consent on : %8.1f requests/s   p50 %6.1f ms   p99 %6.1f ms   (%d requests; their AuditEvents
                             written %.1f s after the rounds ended, counted in the rate)
                consent off: %8.1f requests/s   p50 %6.1f ms   p99 %6.1f ms   (%d requests)
                throughput cost: %5.1f %%  (target under 15 %%; per round pair: %s %%)
                available processors: %d
                """,
                String.format(QUERY, "Patient/X"),
                THREADS,
                ROUNDS,
                ROUND_MILLIS / 1000,
                Instant.now(),
                WARM_UP_MILLIS / 1000,
                compileMillis / 1000.0,
                PATIENTS,
                CONSENT_PATIENTS,
                seedSeconds,
                onRps,
                percentile(on, 50),
                percentile(on, 99),
                on.size(),
                auditDrainSeconds,
                offRps,
                percentile(off, 50),
                percentile(off, 99),
                off.size(),
                (offRps - onRps) / offRps * 100,
                String.join(", ", perRound),
                Runtime.getRuntime().availableProcessors());
        Path out = Path.of("target", "bench", "consent.txt");
        Files.createDirectories(out.getParent());
        report = report + writes;
        Files.writeString(out, report);
        System.out.println(report);
    }

    private static double percentile(List<Long> latencies, int percentile) {
        return ClosedLoad.percentileMillis(latencies, percentile);
    }
}
