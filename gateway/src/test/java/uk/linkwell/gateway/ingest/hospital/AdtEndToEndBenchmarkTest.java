package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.testsupport.CpuClock;
import uk.linkwell.gateway.testsupport.MllpClient;

/**
 * End-to-end load: N distinct ADT messages (half admissions, half discharges needing follow-up, each a new
 * patient) over a few MLLP connections to the gateway on PostgreSQL. Measures ACK latency (p50/p99) and the
 * sustained rate of messages reaching {@code done}; writes target/bench/adt-end-to-end.txt. Asserts only that
 * every message ended done. {@code -Dlinkwell.bench.messages=5000 -Dlinkwell.bench.connections=4
 * -Dlinkwell.bench.warm-up-messages=2000}.
 */
@Tag("bench")
class AdtEndToEndBenchmarkTest extends HospitalIngestTestBase {

    @Value("${linkwell.ingest.pool-size}")
    int workerPoolSize;

    @Test
    void adtMessagesOverMllpToDone() throws Exception {
        int messages = Integer.getInteger("linkwell.bench.messages", 5000);
        int connections = Integer.getInteger("linkwell.bench.connections", 4);
        // A gateway that has been running has its write path compiled: with the 20 messages this once sent, the
        // JIT was still compiling through much of the measured run (as the CLD benchmark found for its batches).
        int warmUp = Integer.getInteger("linkwell.bench.warm-up-messages", 2000);
        Duration budget = Duration.ofSeconds(Long.getLong("linkwell.bench.max-seconds", 600));
        String run = "B" + UUID.randomUUID().toString().substring(0, 6).toUpperCase();

        // Warm-up outside the measurement, sent as the measured messages are: the first writes also build the
        // validator and HAPI's caches.
        sendAll(run + "W", warmUp, connections, new long[warmUp], Instant.now().plus(budget));
        await().atMost(budget)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> doneCount(run + "W") + failedCount(run + "W") >= warmUp);

        long[] latencies = new long[messages];
        Instant deadline = Instant.now().plus(budget);
        CpuClock cpu = new CpuClock(jdbc);
        long start = System.nanoTime();
        sendAll(run + "M", messages, connections, latencies, deadline);
        long sent = System.nanoTime();
        boolean finished = true;
        try {
            await().atMost(Duration.between(Instant.now(), deadline).plusSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> doneCount(run + "M") + failedCount(run + "M") >= messages);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            finished = false; // reported below, then the assertion fails
        }
        long allDone = System.nanoTime();
        CpuClock.Used used = cpu.used();
        int done = doneCount(run + "M");

        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        double sendSeconds = (sent - start) / 1e9;
        double doneSeconds = (allDone - start) / 1e9;
        String report = String.join(
                "\n",
                "ADT over MLLP to done, gateway on PostgreSQL (" + Instant.now() + ")",
                "messages: " + messages + " distinct (half A01, half A03 pathway 1 with referral), new patient each",
                "MLLP connections: " + connections + ", worker pool size: " + workerPoolSize
                        + ", available processors: " + Runtime.getRuntime().availableProcessors(),
                "ACK latency ms: p50 " + ms(percentile(sorted, 0.50)) + ", p90 " + ms(percentile(sorted, 0.90))
                        + ", p99 " + ms(percentile(sorted, 0.99)) + ", max " + ms(sorted[sorted.length - 1]),
                String.format("acknowledged: %.1f s, %.1f messages/s", sendSeconds, messages / sendSeconds),
                finished
                        ? String.format(
                                "all done: %.1f s after the first send, sustained %.1f messages/s to done",
                                doneSeconds, messages / doneSeconds)
                        : String.format(
                                "time budget spent: %d done in %.1f s, %.1f messages/s to done",
                                done, doneSeconds, done / doneSeconds),
                // On a shared machine the wall clock says as much about the neighbours as about the gateway.
                String.format(
                        "CPU per message: gateway JVM %.1f ms (includes the test's MLLP clients), PostgreSQL"
                                + " backends %s",
                        used.jvmSeconds() * 1000 / messages,
                        used.postgresSeconds() < 0
                                ? "unknown (server not local)"
                                : String.format("%.1f ms", used.postgresSeconds() * 1000 / messages)),
                "done: " + done + ", failed: " + failedCount(run + "M") + ", warm-up: " + warmUp + " messages",
                "");
        Path out = Path.of("target", "bench", "adt-end-to-end.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report);
        System.out.println(report);

        assertThat(doneCount(run + "M")).isEqualTo(messages);
    }

    /** Sends {@code count} distinct messages (admissions and discharges in turn) over the connections. */
    private void sendAll(String prefix, int count, int connections, long[] latencies, Instant deadline)
            throws Exception {
        AtomicLong next = new AtomicLong();
        ExecutorService senders = Executors.newFixedThreadPool(connections);
        List<Future<?>> work = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            work.add(senders.submit(() -> {
                try (MllpClient client = new MllpClient(mllpPort())) {
                    for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        if (Instant.now().isAfter(deadline)) {
                            throw new IllegalStateException("time budget spent after " + i + " messages");
                        }
                        Visit visit = Visit.fresh();
                        String controlId = prefix + i;
                        String message = i % 2 == 0
                                ? AdtMessages.admit(visit, controlId)
                                : AdtMessages.discharge(visit, controlId, "1");
                        long t0 = System.nanoTime();
                        String ack = client.send(message);
                        latencies[(int) i] = System.nanoTime() - t0;
                        if (!"AA".equals(AdtMessages.ackCode(ack))) {
                            throw new IllegalStateException("message " + i + " not accepted");
                        }
                    }
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            senders.shutdown();
        }
    }

    private int doneCount(String prefix) {
        return count(prefix, "done");
    }

    private int failedCount(String prefix) {
        return count(prefix, "failed");
    }

    private int count(String prefix, String status) {
        Map<String, Object> row = jdbc.queryForMap(
                "SELECT COUNT(*) AS N FROM LW_INBOUND_MESSAGE" + " WHERE CONTROL_ID LIKE ? AND STATUS = ?",
                prefix + "%",
                status);
        return ((Number) row.get("N")).intValue();
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static String ms(long nanos) {
        return String.format("%.2f", nanos / 1e6);
    }
}
