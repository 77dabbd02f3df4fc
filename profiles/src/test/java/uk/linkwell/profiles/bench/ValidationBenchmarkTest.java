package uk.linkwell.profiles.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/** Runs {@link ValidationBenchmark} (only with -Pbench) and writes p50/p99 per resource to target/bench/. */
@Tag("bench")
class ValidationBenchmarkTest {

    @Test
    void validationCostPerResource() throws RunnerException, IOException {
        Options options = new OptionsBuilder()
                .include(ValidationBenchmark.class.getName())
                .forks(1)
                .warmupIterations(3)
                .warmupTime(TimeValue.seconds(3))
                .measurementIterations(5)
                .measurementTime(TimeValue.seconds(3))
                .threads(1)
                .build();
        Collection<RunResult> results = new Runner(options).run();

        List<String> lines = new ArrayList<>();
        lines.add("# Linkwell profile validation, one resource per call, after warm-up (JMH SampleTime, 1 thread)");
        lines.add(String.format("%-16s %10s %10s %10s %10s", "resource", "p50 ms", "p90 ms", "p99 ms", "samples"));
        for (RunResult result : results) {
            Statistics stats = result.getPrimaryResult().getStatistics();
            String name = result.getParams().getBenchmark().replaceAll(".*\\.", "");
            lines.add(String.format(
                    "%-16s %10.3f %10.3f %10.3f %10d",
                    name,
                    stats.getPercentile(50) / 1000,
                    stats.getPercentile(90) / 1000,
                    stats.getPercentile(99) / 1000,
                    stats.getN()));
        }
        Path out = Path.of("target", "bench", "validation.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, lines);
        lines.forEach(System.out::println);

        assertThat(results).hasSize(4).allSatisfy(r -> assertThat(
                        r.getPrimaryResult().getStatistics().getN())
                .isPositive());
    }
}
