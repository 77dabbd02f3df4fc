package uk.linkwell.gateway.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * Benchmark (only with -Pbench): Patient creates over HTTP on PostgreSQL with profile validation on and off,
 * in one run and one JVM, alternating rounds so that drift hits both alike. Writes target/bench/validation-creates.txt.
 */
@Tag("bench")
class ValidationThroughputBenchmarkTest extends GatewayIntegrationTest {

    /** One client thread by default, so the on/off latency difference is the cost of validation, not queueing. */
    static final int THREADS = Integer.getInteger("linkwell.bench.threads", 1);

    static final int WARM_UP = 300;
    static final int PER_ROUND = 1000;
    static final int ROUNDS = 2;

    @Autowired
    IInterceptorService storageInterceptors;

    @Autowired
    ProfileValidationInterceptor validationInterceptor;

    @Autowired
    ProfileValidation validation;

    @Test
    void createsWithValidationOnVersusOff() throws Exception {
        validation.awaitReady();
        IGenericClient client = client();
        run(client, WARM_UP, true);
        run(client, WARM_UP, false);

        List<Long> on = new ArrayList<>();
        List<Long> off = new ArrayList<>();
        long onNanos = 0;
        long offNanos = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long start = System.nanoTime();
            on.addAll(run(client, PER_ROUND, true));
            onNanos += System.nanoTime() - start;
            start = System.nanoTime();
            off.addAll(run(client, PER_ROUND, false));
            offNanos += System.nanoTime() - start;
        }
        setValidation(true);

        double onRate = on.size() / (onNanos / 1e9);
        double offRate = off.size() / (offNanos / 1e9);
        List<String> lines = List.of(
                "# Patient creates over HTTP (HAPI client, " + THREADS + " threads) on PostgreSQL, " + ROUNDS
                        + " alternating rounds of " + PER_ROUND + " per mode after " + WARM_UP + " warm-up",
                String.format("%-16s %12s %10s %10s", "validation", "creates/s", "p50 ms", "p99 ms"),
                line("on", onRate, on),
                line("off", offRate, off),
                String.format(
                        "validation adds %.2f ms per create at p50; throughput %.0f%% of unvalidated",
                        (percentile(on, 50) - percentile(off, 50)) / 1e6, 100 * onRate / offRate));
        Path out = Path.of("target", "bench", "validation-creates.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, lines);
        lines.forEach(System.out::println);

        assertThat(on).hasSize(ROUNDS * PER_ROUND);
        assertThat(off).hasSize(ROUNDS * PER_ROUND);
    }

    private void setValidation(boolean on) {
        if (on) {
            storageInterceptors.registerInterceptor(validationInterceptor);
        } else {
            storageInterceptors.unregisterInterceptor(validationInterceptor);
        }
    }

    /** Creates {@code count} Patients; returns each create's latency in nanoseconds. */
    private List<Long> run(IGenericClient client, int count, boolean validate) throws Exception {
        setValidation(validate);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<long[]>> parts = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int share = count / THREADS + (t < count % THREADS ? 1 : 0);
                parts.add(pool.submit(() -> {
                    long[] latencies = new long[share];
                    for (int i = 0; i < share; i++) {
                        long start = System.nanoTime();
                        client.create()
                                .resource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                                .execute();
                        latencies[i] = System.nanoTime() - start;
                    }
                    return latencies;
                }));
            }
            List<Long> all = new ArrayList<>(count);
            for (Future<long[]> part : parts) {
                Arrays.stream(part.get()).forEach(all::add);
            }
            return all;
        } finally {
            pool.shutdown();
        }
    }

    private static String line(String mode, double rate, List<Long> latencies) {
        return String.format(
                "%-16s %12.0f %10.2f %10.2f",
                mode, rate, percentile(latencies, 50) / 1e6, percentile(latencies, 99) / 1e6);
    }

    static double percentile(List<Long> values, int p) {
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
    }
}
