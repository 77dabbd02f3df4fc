package uk.linkwell.gateway.testsupport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The benchmarks' load: a fixed number of client threads, each sending its next request as the last one returns. */
public final class ClosedLoad {

    /** One request, sent and answered. */
    @FunctionalInterface
    public interface Request {
        void send() throws Exception;
    }

    private ClosedLoad() {}

    /** Sends requests from {@code threads} threads for {@code millis}; returns each request's latency in ns. */
    public static List<Long> latencies(int threads, long millis, Request request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long end = System.currentTimeMillis() + millis;
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    List<Long> latencies = new ArrayList<>();
                    while (System.currentTimeMillis() < end) {
                        long start = System.nanoTime();
                        request.send();
                        latencies.add(System.nanoTime() - start);
                    }
                    return latencies;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : futures) {
                all.addAll(f.get());
            }
            return all;
        } finally {
            pool.shutdown();
        }
    }

    /** The given percentile of latencies in ns, in milliseconds. */
    public static double percentileMillis(List<Long> latencies, int percentile) {
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1_000_000.0;
    }
}
