package uk.linkwell.mappings.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.linuxforhealth.hl7.ConverterOptions;
import io.github.linuxforhealth.hl7.HL7ToFHIRConverter;
import io.github.linuxforhealth.hl7.message.HL7MessageEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.AdtMapper;

/**
 * Runs {@link AdtTranslationBenchmark} in-process with JMH (one fork, 5 x 2 s warm-up, 5 x 2 s
 * measurement per benchmark) and writes the figures and the ratio to target/bench/. Only with -Pbench:
 * {@code ./mvnw -Pbench -pl mappings -am verify}. It asserts that both translators turn every message
 * into a non-empty Bundle, never a timing: the figures are for people to read.
 */
@Tag("bench")
class AdtTranslationBenchmarkTest {

    private static final Path OUT = Path.of("target/bench");

    @Test
    void benchmarkCoversEveryGoldenA03Input() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/test/resources/hl7v2/adt"))) {
            List<String> a03 = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("adt-a03-") && n.endsWith(".hl7"))
                    .map(n -> n.substring(0, n.length() - ".hl7".length()))
                    .sorted()
                    .toList();
            assertThat(AdtTranslationBenchmark.A03_MESSAGES).containsExactlyInAnyOrderElementsOf(a03);
        }
    }

    @Test
    void bothTranslatorsProduceBundlesAndTheFiguresAreWritten() throws Exception {
        // Both sides must really translate the messages, or the figures compare nothing.
        AdtMapper ours = new AdtMapper(AdtTranslationBenchmark.config());
        HL7ToFHIRConverter theirs = new HL7ToFHIRConverter();
        ConverterOptions options = AdtTranslationBenchmark.theirOptions();
        HL7MessageEngine engine = AdtTranslationBenchmark.theirEngine(options);
        for (String name : AdtTranslationBenchmark.A03_MESSAGES) {
            String message = AdtTranslationBenchmark.message(name);
            Bundle mine = ours.map(message, new MappingContext("bench", Instant.EPOCH));
            Bundle theirBundle = theirs.convertToBundle(message, options, engine);
            assertThat(mine.getEntry()).as("ours, " + name).isNotEmpty();
            assertThat(theirBundle.getEntry()).as("LinuxForHealth, " + name).isNotEmpty();
            assertThat(theirBundle.getEntry())
                    .as("LinuxForHealth maps the encounter, " + name)
                    .anyMatch(e -> e.getResource().fhirType().equals("Encounter"));
        }

        Files.createDirectories(OUT);
        // JMH starts the fork with java.class.path; under surefire that is only the booter jar.
        String testClassPath = System.getProperty("surefire.test.class.path");
        if (testClassPath != null) {
            System.setProperty("java.class.path", testClassPath);
        }
        Options jmh = new OptionsBuilder()
                .include(AdtTranslationBenchmark.class.getName() + "\\.")
                .forks(1)
                .warmupIterations(5)
                .warmupTime(TimeValue.seconds(2))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(2))
                .threads(1)
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(OUT.resolve("adt-translation-jmh.json").toString())
                .build();
        Collection<RunResult> results = runWhenNoOtherBenchmarkRuns(jmh);
        assertThat(results).hasSize(2);

        RunResult linkwell = result(results, "linkwell");
        RunResult lfh = result(results, "linuxForHealth");
        double ratio =
                linkwell.getPrimaryResult().getScore() / lfh.getPrimaryResult().getScore();
        List<String> lines = new ArrayList<>();
        lines.add("ADT^A03 -> FHIR R4 transaction Bundle (object, not serialised), single thread");
        lines.add("messages: " + String.join(", ", AdtTranslationBenchmark.A03_MESSAGES) + " (round robin)");
        lines.add("JMH 1.37, 1 fork, 5 x 2 s warm-up, 5 x 2 s measurement; JDK " + System.getProperty("java.version")
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        lines.add(line("Linkwell AdtMapper", linkwell));
        lines.add(line("LinuxForHealth hl7v2-fhir-converter 1.0.19", lfh));
        lines.add(String.format(Locale.ROOT, "ratio (Linkwell / LinuxForHealth): %.2f", ratio));
        lines.add("command: ./mvnw -Pbench -pl mappings -am verify");
        Files.write(OUT.resolve("adt-translation.txt"), lines, StandardCharsets.UTF_8);
    }

    /**
     * JMH allows one benchmark run per machine (/tmp/jmh.lock) and fails at once when another holds it, e.g.
     * another module's benchmarks; waiting for it (up to ten minutes) beats both failing and measuring two
     * benchmarks against each other.
     */
    private static Collection<RunResult> runWhenNoOtherBenchmarkRuns(Options jmh) throws Exception {
        long giveUpAt = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
        while (true) {
            try {
                return new Runner(jmh).run();
            } catch (org.openjdk.jmh.runner.RunnerException e) {
                boolean locked = String.valueOf(e.getMessage()).contains("JMH lock");
                if (!locked || System.nanoTime() > giveUpAt) {
                    throw e;
                }
                Thread.sleep(5_000);
            }
        }
    }

    private static RunResult result(Collection<RunResult> results, String method) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().endsWith("." + method))
                .findFirst()
                .orElseThrow();
    }

    private static String line(String who, RunResult result) {
        return String.format(
                Locale.ROOT,
                "%-45s %,12.1f ± %,10.1f %s",
                who,
                result.getPrimaryResult().getScore(),
                result.getPrimaryResult().getScoreError(),
                result.getPrimaryResult().getScoreUnit());
    }
}
