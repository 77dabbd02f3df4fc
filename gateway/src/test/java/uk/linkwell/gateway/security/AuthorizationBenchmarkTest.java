package uk.linkwell.gateway.security;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
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
 * Benchmark (only with -Pbench): a GP system's CarePlan search with authorization on (token check, scopes,
 * narrowing to the registered list, per-resource rules) versus off ({@code linkwell.security.enabled=false}),
 * two gateways on one PostgreSQL database, in rounds ordered on-off, off-on, on-off, ... so that drift during the
 * run (the JIT still compiling, the database growing) favours neither.
 * Writes target/bench/authorization.txt (authorization-calibration.txt for an A/A run); no timing assertions.
 */
@Tag("bench")
@ExtendWith(PostgresDatabaseExtension.class)
class AuthorizationBenchmarkTest {

    static final int THREADS = 4;
    static final int PATIENTS = 200;
    static final int OTHER_PRACTICE_PATIENTS = 200;
    /**
     * Long enough for the JIT to have compiled the hot paths: with 10 s, the C2 compiler still took a fifth of
     * the CPU during the measured rounds on a slow 2-core machine (JFR); with 40 s it still compiled for 60-70 s
     * of 120 s of rounds, with 120 s for about 10 s.
     */
    static final long WARM_UP_MILLIS = 1000L * Integer.getInteger("bench.auth.warm-up-seconds", 120);

    static final long ROUND_MILLIS = 1000L * Integer.getInteger("bench.auth.round-seconds", 20);
    /** Rounds per mode; even, so the on-off / off-on order evens out. */
    static final int ROUNDS = Integer.getInteger("bench.auth.rounds", 4);
    /**
     * With {@code -Dbench.auth.calibrate=true} both gateways run with authorization on (an A/A run): the
     * "cost" it reports is what this benchmark measures between two identical gateways, its own noise.
     */
    static final boolean CALIBRATE = Boolean.getBoolean("bench.auth.calibrate");

    static final String PRACTICE = "BENCH1";
    static final String QUERY = "/fhir/CarePlan?status=active&_count=20";

    private final FhirContext fhir = FhirContext.forR4Cached();

    @Test
    void carePlanSearchWithAuthorizationOnVersusOff(@TempDir Path dataDir) throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().newDatabase("bench-auth");
        try (ConfigurableApplicationContext on = start(db, dataDir.resolve("on"), true)) {
            JWKSource<SecurityContext> keys = keys(on);
            seed(base(on), TestTokens.mint(keys, TestTokens.Claims.of("admin", "X26", "system/*.cruds")));
            uk.linkwell.gateway.testsupport.BenchDatabase.settle(db, java.time.Duration.ofMinutes(10));
            String gpToken = gpToken(keys);
            try (ConfigurableApplicationContext off = start(db, dataDir.resolve("off"), CALIBRATE)) {
                Target secured = new Target(base(on) + QUERY, gpToken);
                Target open = new Target(base(off) + QUERY, CALIBRATE ? gpToken(keys(off)) : null);
                // Narrowed "on" sees the practice's plans; "off" sees every plan: the page size is the same.
                assertThat(get(secured)).contains("\"resourceType\": \"Bundle\"");
                assertThat(get(open)).contains("\"resourceType\": \"Bundle\"");

                uk.linkwell.gateway.testsupport.BenchDatabase.warmUp(
                        db, millis -> run(secured, millis), millis -> run(open, millis), WARM_UP_MILLIS);
                List<Long> onLatencies = new ArrayList<>();
                List<Long> offLatencies = new ArrayList<>();
                List<String> perRound = new ArrayList<>();
                long compileMillis = JitCompilation.millis();
                for (int round = 0; round < ROUNDS; round++) {
                    boolean onFirst = round % 2 == 0;
                    List<Long> first = run(onFirst ? secured : open, ROUND_MILLIS);
                    List<Long> second = run(onFirst ? open : secured, ROUND_MILLIS);
                    List<Long> onRound = onFirst ? first : second;
                    List<Long> offRound = onFirst ? second : first;
                    onLatencies.addAll(onRound);
                    offLatencies.addAll(offRound);
                    perRound.add(String.format(
                            Locale.ROOT, "%.1f", 100.0 * (offRound.size() - onRound.size()) / offRound.size()));
                }
                write(onLatencies, offLatencies, perRound, JitCompilation.millis() - compileMillis);
            }
        }
    }

    private record Target(String url, String token) {}

    private static String gpToken(JWKSource<SecurityContext> keys) {
        return TestTokens.mint(
                keys,
                TestTokens.Claims.of("gp-system", PRACTICE, "system/CarePlan.rs system/Patient.rs")
                        .issuedAt(java.time.Instant.now(), java.time.Duration.ofHours(2)));
    }

    private static ConfigurableApplicationContext start(
            PostgresTestDatabase.Connection db, Path dataDir, boolean security) {
        // Authorization alone: the consent engine (measured by ConsentBenchmarkTest) is off in both.
        List<String> settings =
                new ArrayList<>(List.of("--linkwell.consent.enabled=false", "--linkwell.consent.allow-disabled=true"));
        if (!security) {
            settings.add("--linkwell.security.enabled=false");
            settings.add("--linkwell.security.allow-disabled=true");
        }
        return BenchGateways.start(db, dataDir, settings);
    }

    private static JWKSource<SecurityContext> keys(ConfigurableApplicationContext app) {
        return BenchGateways.keys(app);
    }

    private static String base(ConfigurableApplicationContext app) {
        return BenchGateways.base(app);
    }

    /** The practice's registered patients with a plan each, and as many at another practice. */
    private void seed(String base, String adminToken) {
        IGenericClient admin = GatewayIntegrationTest.newClient(fhir, base + "/fhir");
        admin.registerInterceptor(new BearerTokenAuthInterceptor(adminToken));
        Reference practice = new Reference(admin.create()
                .resource(LinkwellFixtures.organisation(PRACTICE, "Bench practice"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        Reference other = new Reference(admin.create()
                .resource(LinkwellFixtures.organisation("BENCH2", "Other practice"))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        seedPractice(admin, practice, PATIENTS);
        seedPractice(admin, other, OTHER_PRACTICE_PATIENTS);
    }

    private static void seedPractice(IGenericClient admin, Reference practice, int patients) {
        for (int done = 0; done < patients; done += 50) {
            Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            for (int i = 0; i < 50 && done + i < patients; i++) {
                String fullUrl = "urn:uuid:" + java.util.UUID.randomUUID();
                Patient patient = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
                patient.addGeneralPractitioner(practice);
                tx.addEntry()
                        .setFullUrl(fullUrl)
                        .setResource(patient)
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.POST)
                        .setUrl("Patient");
                tx.addEntry()
                        .setResource(LinkwellFixtures.actionPlan(new Reference(fullUrl), practice))
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.POST)
                        .setUrl("CarePlan");
            }
            admin.transaction().withBundle(tx).execute();
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String get(Target target) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target.url()));
        if (target.token() != null) {
            request.header("Authorization", "Bearer " + target.token());
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("search failed: " + response.statusCode());
        }
        return response.body();
    }

    /** Searches from THREADS threads for the given time; returns each request's latency in nanoseconds. */
    private static List<Long> run(Target target, long millis) throws Exception {
        return ClosedLoad.latencies(THREADS, millis, () -> get(target));
    }

    private static void write(List<Long> on, List<Long> off, List<String> perRound, long compileMillis)
            throws Exception {
        double seconds = ROUNDS * ROUND_MILLIS / 1000.0;
        double onRps = on.size() / seconds;
        double offRps = off.size() / seconds;
        String report = String.format(
                Locale.ROOT,
                """
                CarePlan search (%s) as a GP system, %d client threads, %d rounds of %d s per mode,
                ordered on-off, off-on, ..., after %d s of warm-up per mode; JIT compilation during the rounds: %.1f s
                %d patients with a plan at the practice, %d at another practice; PostgreSQL; one JVM, two gateways
                %s: %8.1f requests/s   p50 %6.1f ms   p99 %6.1f ms   (%d requests)
                %s: %8.1f requests/s   p50 %6.1f ms   p99 %6.1f ms   (%d requests)
                throughput cost  : %5.1f %%   (per round pair: %s %%)%s
                """,
                QUERY,
                THREADS,
                ROUNDS,
                ROUND_MILLIS / 1000,
                WARM_UP_MILLIS / 1000,
                compileMillis / 1000.0,
                PATIENTS,
                OTHER_PRACTICE_PATIENTS,
                CALIBRATE ? "gateway A (on)   " : "authorization on ",
                onRps,
                percentile(on, 50),
                percentile(on, 99),
                on.size(),
                CALIBRATE ? "gateway B (on)   " : "authorization off",
                offRps,
                percentile(off, 50),
                percentile(off, 99),
                off.size(),
                (offRps - onRps) / offRps * 100,
                String.join(", ", perRound),
                CALIBRATE
                        ? "\nCALIBRATION RUN: authorization on in both gateways; the cost above is the benchmark's noise"
                        : "");
        Path out = Path.of("target", "bench", CALIBRATE ? "authorization-calibration.txt" : "authorization.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);
    }

    private static double percentile(List<Long> latencies, int percentile) {
        return ClosedLoad.percentileMillis(latencies, percentile);
    }
}
