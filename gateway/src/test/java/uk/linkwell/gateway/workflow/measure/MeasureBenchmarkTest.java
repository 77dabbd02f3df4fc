package uk.linkwell.gateway.workflow.measure;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hl7.fhir.r4.model.MeasureReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import uk.linkwell.gateway.testsupport.BenchDatabase;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.PostgresTestDatabase;

/**
 * Benchmark (only with -Pbench): {@code Measure/<id>/$evaluate-measure} for each Measure, asked by an operator over
 * HTTP on PostgreSQL, over a population of {@code linkwell.bench.measure.people} people (default 100,000) with a year
 * of activity ({@link MeasureBenchPopulation}), kept in the database {@code linkwell_bench_measure_<people>} so that a
 * rerun only evaluates (the first run seeds it, through a gateway of its own with the hooks off, and a run that
 * stopped part way resumes). With {@code -Dlinkwell.bench.measure.seed-only=true} it seeds and stops; with
 * {@code -Dlinkwell.bench.measure.as-seeded=true} it evaluates a population whose seeding was stopped as far as it got
 * (and reports that size) rather than seeding the rest. Each Measure is
 * evaluated for the year's last month and for the whole year, once to warm up and then
 * {@code linkwell.bench.measure.rounds} times, by a freshly started gateway. Target: under 10 s each. Writes
 * target/bench/measures.txt; the answers are checked for a population, the timings reported, not asserted.
 */
@Tag("bench")
class MeasureBenchmarkTest {

    static final int PEOPLE = Integer.getInteger("linkwell.bench.measure.people", 100_000);
    static final int ROUNDS = Integer.getInteger("linkwell.bench.measure.rounds", 3);
    static final int SEED_THREADS = Integer.getInteger("linkwell.bench.measure.seed-threads", 2);

    private final FhirContext fhirContext = FhirContext.forR4Cached();

    @Test
    void evaluateEachMeasureOverAYearOfAPopulation(@TempDir Path dataDir) throws Exception {
        PostgresTestDatabase.Connection db = PostgresTestDatabase.server().named("linkwell_bench_measure_" + PEOPLE);
        MeasureBenchPopulation population = new MeasureBenchPopulation(PEOPLE, db);
        String seeding;
        int people = PEOPLE;
        if (population.seeded()) {
            seeding = "population already seeded: " + population.recorded();
        } else if (Boolean.getBoolean("linkwell.bench.measure.as-seeded")) {
            // A population whose seeding was stopped part way: evaluated as far as it got, and said so.
            people = population.peopleSeeded();
            seeding = String.format(
                    Locale.ROOT,
                    "seeding of %,d people stopped part way: evaluated over the %,d seeded so far",
                    PEOPLE,
                    people);
        } else {
            try (GatewayInstance seeder = GatewayInstance.onPostgres(db, settings(dataDir.resolve("seed")))) {
                MeasureBenchPopulation.Seeding done = population.seed(seeder, SEED_THREADS);
                seeding = String.format(
                        Locale.ROOT,
                        "seeded by this run: %,d resources in %.0f s (%.0f resources/s); in all %s",
                        done.resources(),
                        done.seconds(),
                        done.resources() / Math.max(1, done.seconds()),
                        done.recorded());
            }
            BenchDatabase.settle(db, Duration.ofMinutes(30));
        }
        System.out.println("measure bench: " + seeding);
        if (Boolean.getBoolean("linkwell.bench.measure.seed-only")) {
            return;
        }
        BenchDatabase.analyze(db);
        try (GatewayInstance gateway = GatewayInstance.onPostgres(db, settings(dataDir.resolve("evaluate")))) {
            StringBuilder report = new StringBuilder(String.format(
                    Locale.ROOT,
                    "$evaluate-measure over %,d people with a year of activity (2024); %s;"
                            + " an operator over HTTP, one request at a time, %d rounds after one warm-up;"
                            + " target under 10 s each%n",
                    people,
                    seeding,
                    ROUNDS));
            List<String[]> periods =
                    List.of(new String[] {"2024-12-01", "2024-12-31"}, new String[] {"2024-01-01", "2024-12-31"});
            for (String measure : MeasureEvaluation.known()) {
                for (String[] period : periods) {
                    long warm = System.nanoTime();
                    MeasureReport first = evaluate(gateway, measure, period);
                    double warmSeconds = (System.nanoTime() - warm) / 1e9;
                    if (!measure.equals("goals-met")) {
                        assertThat(population(first))
                                .as(measure + " counts the population")
                                .isPositive();
                    }
                    long[] nanos = new long[ROUNDS];
                    for (int r = 0; r < ROUNDS; r++) {
                        long start = System.nanoTime();
                        evaluate(gateway, measure, period);
                        nanos[r] = System.nanoTime() - start;
                    }
                    Arrays.sort(nanos);
                    String line = String.format(
                            Locale.ROOT,
                            "%-32s %s..%s  denominator %,8d  first %6.2f s  median %6.2f s  max %6.2f s%s%n",
                            measure,
                            period[0],
                            period[1],
                            population(first),
                            warmSeconds,
                            nanos[nanos.length / 2] / 1e9,
                            nanos[nanos.length - 1] / 1e9,
                            nanos[nanos.length - 1] / 1e9 < 10 ? "" : "  (over the 10 s target)");
                    System.out.print(line);
                    report.append(line);
                }
            }
            Path out = Path.of("target", "bench", "measures.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report.toString());
            System.out.print(report);
        }
    }

    private static Map<String, String> settings(Path dataDir) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("linkwell.data-dir", dataDir.toString());
        return settings;
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

    private MeasureReport evaluate(GatewayInstance gateway, String measure, String[] period) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(gateway.fhirBase() + "/Measure/" + measure
                                        + "/$evaluate-measure?periodStart=" + period[0] + "&periodEnd=" + period[1]))
                                .header("Authorization", "Bearer " + gateway.adminToken())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return fhirContext.newJsonParser().parseResource(MeasureReport.class, response.body());
    }
}
