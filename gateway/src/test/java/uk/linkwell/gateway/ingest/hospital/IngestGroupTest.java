package uk.linkwell.gateway.ingest.hospital;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Provenance;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.ingest.hospital.AdtMessages.Visit;
import uk.linkwell.gateway.ingest.queue.MessageWorker;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;

/**
 * Several stored ADT messages applied in one database transaction: each still gets its own Provenance and done
 * mark, and a message that cannot be applied fails alone while the rest of its group lands.
 */
class IngestGroupTest extends HospitalIngestTestBase {

    @Autowired
    MessageWorker worker;

    @Autowired
    MeterRegistry meters;

    /** Sends the messages over MLLP while the worker is stopped, so that it finds them all due at once. */
    private void storeWhileWorkerStopped(List<String> messages) throws Exception {
        worker.stop();
        try {
            for (String message : messages) {
                assertThat(AdtMessages.ackCode(send(message))).isEqualTo("AA");
            }
        } finally {
            worker.start();
        }
    }

    private double groups(String outcome) {
        var counter =
                meters.find("linkwell.ingest.groups").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void messagesAppliedTogetherEachGetTheirOwnProvenance() throws Exception {
        double applied = groups("applied");
        List<String> ids = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = AdtMessages.controlId();
            ids.add(id);
            messages.add(
                    i % 2 == 0 ? AdtMessages.admit(Visit.fresh(), id) : AdtMessages.discharge(Visit.fresh(), id, "1"));
        }
        storeWhileWorkerStopped(messages);

        Set<Object> provenances = new HashSet<>();
        for (String id : ids) {
            Map<String, Object> done = awaitStatus(id, "done");
            assertThat(((Number) done.get("ATTEMPTS")).intValue()).isEqualTo(1);
            Provenance provenance = client().read()
                    .resource(Provenance.class)
                    .withId((String) done.get("PROVENANCE_ID"))
                    .execute();
            assertThat(provenance.getEntityFirstRep().getWhat().getIdentifier().getValue())
                    .isEqualTo(String.valueOf(done.get("ID")));
            // Every resource the message produced is a target of its Provenance.
            for (String produced : ((String) done.get("RESOURCE_IDS")).split("\n")) {
                String versionless = produced.replaceAll("/_history/.*", "");
                assertThat(provenance.getTarget())
                        .anySatisfy(t -> assertThat(t.getReference()).isEqualTo(versionless));
            }
            provenances.add(done.get("PROVENANCE_ID"));
        }
        assertThat(provenances).hasSize(4);
        assertThat(groups("applied")).isGreaterThan(applied);
    }

    @Test
    void aMessageThatCannotBeAppliedFailsAloneAndTheRestOfItsGroupLands() throws Exception {
        double split = groups("split");
        // Two records with one NHS number: this admission's conditional update is ambiguous (HTTP 412).
        Visit ambiguous = Visit.fresh();
        client().create()
                .resource(LinkwellFixtures.patient(ambiguous.nhsNumber()))
                .execute();
        client().create()
                .resource(LinkwellFixtures.patient(ambiguous.nhsNumber()))
                .execute();
        String bad = AdtMessages.controlId();
        List<String> good = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = AdtMessages.controlId();
            good.add(id);
            messages.add(AdtMessages.admit(Visit.fresh(), id));
            if (i == 1) {
                messages.add(AdtMessages.admit(ambiguous, bad));
            }
        }
        storeWhileWorkerStopped(messages);

        Map<String, Object> failed = awaitStatus(bad, "failed");
        assertThat(((Number) failed.get("ATTEMPTS")).intValue()).isEqualTo(1);
        assertThat((String) failed.get("LAST_ERROR"))
                .startsWith("PID-3: it names a record the store holds more than once")
                .doesNotContain(ambiguous.nhsNumber());
        assertThat(failed.get("PROVENANCE_ID")).isNull();
        for (String id : good) {
            Map<String, Object> done = awaitStatus(id, "done");
            assertThat(((Number) done.get("ATTEMPTS")).intValue()).isEqualTo(1);
            assertThat(done.get("PROVENANCE_ID")).isNotNull();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> groups("split") > split);
    }
}
