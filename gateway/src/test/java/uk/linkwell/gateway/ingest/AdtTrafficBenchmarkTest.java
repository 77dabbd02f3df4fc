package uk.linkwell.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import uk.linkwell.gateway.testsupport.CpuClock;
import uk.linkwell.gateway.testsupport.GatewayInstance;
import uk.linkwell.gateway.testsupport.InboundDoors;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.PostgresDatabaseExtension;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.AdtMapper;

/**
 * A hospital's ADT traffic two ways, in one run on one PostgreSQL server: through the gateway (MLLP, the message
 * store, the worker's write path) and through HAPI's own FHIR transaction endpoint (the same messages mapped by
 * the same mapper and posted as transactions, what a team running HAPI with a converter would do), each on a
 * database of its own, validation on in both. The traffic is a hospital's, not a stream of strangers: people's
 * stories (admission, perhaps an update or a transfer, discharge on pathway 0 to 3) interleaved, so that most
 * messages are about someone already stored. Reports messages per second to applied and CPU per message (JVM and
 * PostgreSQL backends) for both, and their ratio, in target/bench/adt-traffic.txt.
 * <p>
 * {@code -Dlinkwell.bench.messages=3000 -Dlinkwell.bench.warm-up-messages=1000 -Dlinkwell.bench.connections=4}.
 */
@Tag("bench")
@ExtendWith(PostgresDatabaseExtension.class)
class AdtTrafficBenchmarkTest {

    private static final int MESSAGES = Integer.getInteger("linkwell.bench.messages", 3000);
    private static final int WARM_UP = Integer.getInteger("linkwell.bench.warm-up-messages", 1000);
    private static final int CONNECTIONS = Integer.getInteger("linkwell.bench.connections", 4);

    /** One message of the traffic: its text (control id to fill in) and the story (person) it belongs to. */
    record Message(String template, int story, boolean knownPerson) {}

    /**
     * Interleaved stories of {@code count} messages: 40 stories open at once, each admission, then perhaps an
     * update (A08) and a transfer (A02), then a discharge, one step of a random open story at a time.
     */
    static List<Message> traffic(int count, long seed, String tag) {
        Random random = new Random(seed);
        List<Message> messages = new ArrayList<>();
        List<List<String>> open = new ArrayList<>();
        List<Integer> openIds = new ArrayList<>();
        int stories = 0;
        int minute = 0;
        while (messages.size() < count) {
            while (open.size() < 40) {
                AdtSequences.Person person = new AdtSequences.Person(
                        uk.linkwell.gateway.testsupport.SyntheticNhsNumbers.next(),
                        "B" + tag + stories,
                        "BROOK",
                        "0113 496 " + (1000 + random.nextInt(8999)));
                String visit = "BV" + tag + stories;
                minute += 1;
                List<String> story = new ArrayList<>();
                story.add(AdtSequences.admit(person, visit, "WARD1^B1^01", "C1001^ADAMS^ANN^^^DR", minute));
                if (random.nextInt(3) == 0) {
                    person.family = "CARTER";
                    story.add(AdtSequences.update(person, minute + 1));
                }
                if (random.nextInt(4) == 0) {
                    story.add(AdtSequences.transfer(
                            person, visit, "WARD2^B4^07", "WARD1^B1^01", "C1002^BAKER^BEN^^^DR", minute + 2));
                }
                story.add(AdtSequences.discharge(
                        person,
                        visit,
                        "WARD2^B4^07",
                        "C1002^BAKER^BEN^^^DR",
                        String.valueOf(random.nextInt(4)),
                        minute + 3));
                open.add(story);
                openIds.add(stories++);
            }
            int pick = random.nextInt(open.size());
            List<String> story = open.get(pick);
            boolean first = story.get(0).contains("ADT^A01");
            messages.add(new Message(story.remove(0), openIds.get(pick), !first));
            if (story.isEmpty()) {
                open.remove(pick);
                openIds.remove(pick);
            }
        }
        return messages;
    }

    @Test
    void aHospitalsTrafficThroughTheGatewayAndThroughHapisTransactions() throws Exception {
        try (GatewayInstance gateway = GatewayInstance.onPostgres("bench-adt-gateway", Map.of());
                GatewayInstance hapi = GatewayInstance.onPostgres(
                        "bench-adt-hapi",
                        Map.of("linkwell.hospital.mllp.enabled", "false", "linkwell.ingest.worker-enabled", "false"))) {
            long seed = 20261207L;
            // Warm-up of each path outside the measurement, its traffic shaped as the measured one.
            throughGateway(gateway, traffic(WARM_UP, seed, "WG"));
            throughTransactions(hapi, traffic(WARM_UP, seed, "WH"));

            List<Message> measured = traffic(MESSAGES, seed + 1, "MG");
            long known = measured.stream().filter(Message::knownPerson).count();
            Result ours = throughGateway(gateway, measured);
            Result theirs = throughTransactions(hapi, traffic(MESSAGES, seed + 1, "MH"));

            String report = String.join(
                    "\n",
                    "ADT traffic, gateway against HAPI's transaction endpoint, PostgreSQL (" + Instant.now() + ")",
                    "machine: " + Runtime.getRuntime().availableProcessors() + " processors, Java "
                            + System.getProperty("java.version"),
                    String.format(
                            "traffic: %d messages, %d (%.0f%%) about a person already stored (A08, A02, A03 after"
                                    + " A01), %d connections/clients, warm-up %d each",
                            MESSAGES, known, 100.0 * known / MESSAGES, CONNECTIONS, WARM_UP),
                    ours.line("gateway (MLLP, store, worker)"),
                    theirs.line("HAPI FHIR transactions (HTTP)"),
                    String.format(
                            "ratio gateway/HAPI: %.2f x messages/s, %.2f x CPU per message",
                            ours.perSecond() / theirs.perSecond(), ours.cpuPerMessageMs() / theirs.cpuPerMessageMs()),
                    "");
            Path out = Path.of("target", "bench", "adt-traffic.txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report);
            System.out.println(report);
            assertThat(ours.applied()).isEqualTo(MESSAGES);
            assertThat(theirs.applied()).isEqualTo(MESSAGES);
        }
    }

    /** What one path did with the traffic. */
    record Result(int applied, double seconds, double jvmCpuSeconds, double postgresCpuSeconds) {
        double perSecond() {
            return applied / seconds;
        }

        double cpuPerMessageMs() {
            return (jvmCpuSeconds + Math.max(0, postgresCpuSeconds)) * 1000 / applied;
        }

        String line(String path) {
            return String.format(
                    "%-32s %6.1f messages/s applied, CPU per message %.1f ms (JVM %.1f, PostgreSQL %.1f)",
                    path + ":",
                    perSecond(),
                    cpuPerMessageMs(),
                    jvmCpuSeconds * 1000 / applied,
                    postgresCpuSeconds * 1000 / applied);
        }
    }

    private static Result throughGateway(GatewayInstance gateway, List<Message> traffic) throws Exception {
        InboundDoors doors = new InboundDoors(gateway);
        String run = "T" + UUID.randomUUID().toString().substring(0, 6).toUpperCase();
        CpuClock cpu = new CpuClock(gateway.jdbc());
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(CONNECTIONS);
        List<Future<?>> work = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            work.add(senders.submit(() -> {
                try (MllpClient client = new MllpClient(doors.mllpPort())) {
                    for (int i = next.getAndIncrement(); i < traffic.size(); i = next.getAndIncrement()) {
                        String ack = client.send(traffic.get(i).template().replace("{CONTROL}", run + i));
                        assertThat(InboundDoors.ackCode(ack)).isEqualTo("AA");
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        senders.shutdown();
        await().atMost(Duration.ofMinutes(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> settled(gateway, run) >= traffic.size());
        double seconds = (System.nanoTime() - start) / 1e9;
        CpuClock.Used used = cpu.used();
        int done = gateway.jdbc()
                .queryForObject(
                        "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID LIKE ? AND STATUS = 'done'",
                        Integer.class,
                        run + "%");
        return new Result(done, seconds, used.jvmSeconds(), used.postgresSeconds());
    }

    private static int settled(GatewayInstance gateway, String run) {
        return gateway.jdbc()
                .queryForObject(
                        "SELECT COUNT(*) FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID LIKE ? AND STATUS IN ('done',"
                                + " 'failed')",
                        Integer.class,
                        run + "%");
    }

    /**
     * Maps each message with the gateway's own mapper and posts it as a FHIR transaction, {@link #CONNECTIONS} at
     * once; one person's messages always on one client, in order, as a converter keyed by patient would send them.
     */
    private static Result throughTransactions(GatewayInstance hapi, List<Message> traffic) throws Exception {
        AdtMapper mapper = hapi.bean(AdtMapper.class);
        IGenericClient client = hapi.admin();
        CpuClock cpu = new CpuClock(hapi.jdbc());
        long start = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(CONNECTIONS);
        List<Future<Integer>> work = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            int lane = c;
            work.add(clients.submit(() -> {
                int applied = 0;
                for (int i = 0; i < traffic.size(); i++) {
                    Message message = traffic.get(i);
                    if (message.story() % CONNECTIONS != lane) {
                        continue;
                    }
                    String text = message.template().replace("{CONTROL}", "H" + i);
                    Bundle bundle = mapper.map(text, new MappingContext("bench-" + i, Instant.now()));
                    for (int attempt = 1; ; attempt++) {
                        try {
                            client.transaction().withBundle(bundle).execute();
                            applied++;
                            break;
                        } catch (ResourceVersionConflictException e) {
                            // Two lanes creating the same doctor at once: a converter retries, as the worker does.
                            if (attempt == 5) {
                                throw e;
                            }
                        }
                    }
                }
                return applied;
            }));
        }
        int applied = 0;
        for (Future<Integer> f : work) {
            applied += f.get();
        }
        clients.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        CpuClock.Used used = cpu.used();
        return new Result(applied, seconds, used.jvmSeconds(), used.postgresSeconds());
    }
}
