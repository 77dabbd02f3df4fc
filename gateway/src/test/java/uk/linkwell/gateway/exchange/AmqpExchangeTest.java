package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.RabbitTestBroker;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * Issue 25, the {@code amqp} channel: a discharge is published to a RabbitMQ exchange as the webhook's CloudEvent,
 * with a publisher confirm, and read back by a real consumer on a queue of its own; a message the broker cannot
 * route (no queue bound yet) is tried again, and delivered once a queue is there.
 */
class AmqpExchangeTest extends GatewayIntegrationTest {

    private static final String ROUTING_KEY = "discharges.gp";

    @Autowired
    private JdbcTemplate jdbc;

    private final ObjectMapper json = new ObjectMapper();
    private final String exchange = "linkwell-test-" + UUID.randomUUID();
    private Connection connection;
    private Channel consumer;

    @BeforeEach
    void broker() throws Exception {
        RabbitTestBroker.Broker broker = RabbitTestBroker.get();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(broker.host());
        factory.setPort(broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        connection = factory.newConnection("linkwell-amqp-test");
        consumer = connection.createChannel();
        // The partner owns its exchange: it exists before anything is published to it.
        consumer.exchangeDeclare(exchange, "topic", false, true, null);
    }

    @AfterEach
    void close() throws Exception {
        consumer.exchangeDelete(exchange);
        connection.close();
    }

    @Test
    void aDischargeIsPublishedAsAPersistentCloudEventAndConfirmed() throws Exception {
        String queue = boundQueue();
        String nhsNumber = SyntheticNhsNumbers.next();
        Reference patient = patient(nhsNumber, practice(amqpEndpoint()));
        String stayId =
                client().create().resource(finished(patient)).execute().getId().getIdPart();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        List<GetResponse> got = drain(queue, 1);
        assertThat(got).hasSize(1);
        GetResponse message = got.get(0);
        assertThat(message.getProps().getMessageId()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
        assertThat(message.getProps().getContentType()).isEqualTo("application/cloudevents+json");
        assertThat(message.getProps().getDeliveryMode()).isEqualTo(2);
        assertThat(message.getEnvelope().getRoutingKey()).isEqualTo(ROUTING_KEY);

        JsonNode event = json.readTree(message.getBody());
        assertThat(event.path("specversion").asText()).isEqualTo("1.0");
        assertThat(event.path("id").asText()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
        assertThat(event.path("type").asText()).isEqualTo("uk.linkwell.exchange.discharge");
        assertThat(event.path("source").asText()).isEqualTo("urn:linkwell:gateway");
        assertThat(event.path("subject").asText()).isEqualTo("Encounter/" + stayId);
        assertThat(event.path("datacontenttype").asText()).isEqualTo("application/fhir+json");
        assertThat(Instant.parse(event.path("time").asText()))
                .isBefore(Instant.now().plusSeconds(1));
        Bundle data = fhirContext
                .newJsonParser()
                .setOverrideResourceIdWithBundleEntryFullUrl(false)
                .parseResource(Bundle.class, event.path("data").toString());
        Encounter sent = data.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r instanceof Encounter)
                .map(r -> (Encounter) r)
                .findFirst()
                .orElseThrow();
        assertThat(sent.getIdElement().getIdPart()).isEqualTo(stayId);
        assertThat(sent.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(sent.getPeriod().getEnd().toInstant()).isEqualTo(Instant.parse("2026-11-30T12:00:00Z"));
        assertThat(data.getEntry())
                .extracting(Bundle.BundleEntryComponent::getResource)
                .filteredOn(r -> r instanceof Patient)
                .singleElement()
                .satisfies(p -> assertThat(((Patient) p).getIdentifierFirstRep().getValue())
                        .isEqualTo(nhsNumber));

        assertThat(row.get("CHANNEL")).isEqualTo("amqp");
        assertThat(row.get("ATTEMPTS")).isEqualTo(1);
        assertThat((String) row.get("LAST_ANSWER")).startsWith("confirmed by the broker");
    }

    @Test
    void aMessageNoQueueTakesIsTriedAgainAndDeliveredOnceAQueueIsBound() throws Exception {
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(amqpEndpoint()));
        client().create().resource(finished(patient)).execute();

        // Returned unroutable: not delivered, tried again.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream().anyMatch(r -> ((Number) r.get("ATTEMPTS")).intValue() >= 2));
        Map<String, Object> waiting = deliveries(patient).get(0);
        assertThat(waiting.get("DELIVERED_AT")).isNull();
        assertThat((String) waiting.get("LAST_ANSWER")).contains("returned by the broker");

        String queue = boundQueue();
        Map<String, Object> row = awaitDelivery(patient, "delivered");
        List<GetResponse> got = drain(queue, 1);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).getProps().getMessageId()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
    }

    // --- fixtures -------------------------------------------------------------------------------------------

    /** A queue of the consumer's own, bound to the exchange for the Endpoint's routing key. */
    private String boundQueue() throws Exception {
        String queue = consumer.queueDeclare().getQueue();
        consumer.queueBind(queue, exchange, ROUTING_KEY);
        return queue;
    }

    /** Takes what is on the queue, waiting a little for {@code expected} messages, then a little more for extras. */
    private List<GetResponse> drain(String queue, int expected) throws Exception {
        List<GetResponse> got = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until && got.size() < expected) {
            GetResponse r = consumer.basicGet(queue, true);
            if (r == null) {
                Thread.sleep(50);
            } else {
                got.add(r);
            }
        }
        Thread.sleep(800);
        for (GetResponse r = consumer.basicGet(queue, true); r != null; r = consumer.basicGet(queue, true)) {
            got.add(r);
        }
        return got;
    }

    private String amqpEndpoint() {
        RabbitTestBroker.Broker broker = RabbitTestBroker.get();
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(
                        new Coding("https://fhir.linkwell.example/CodeSystem/endpoint-connection-type", "amqp", null))
                .setAddress("amqp://" + broker.host() + ":" + broker.port() + "/%2F?exchange=" + exchange
                        + "&routingKey=" + ROUTING_KEY);
        endpoint.addPayloadType().setText("CloudEvents");
        endpoint.setId("Endpoint/" + EXCHANGE_TEST_AMQP);
        client().update().resource(endpoint).execute();
        return "Endpoint/" + EXCHANGE_TEST_AMQP;
    }

    private Reference practice(String endpoint) {
        Organization practice = LinkwellFixtures.organisation(
                "Q" + UUID.randomUUID().toString().substring(0, 5).toUpperCase(), "AMQP test surgery");
        practice.addEndpoint(new Reference(endpoint));
        return new Reference(client().create()
                .resource(practice)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    }

    private Reference patient(String nhsNumber, Reference practice) {
        Patient patient = LinkwellFixtures.patient(nhsNumber);
        patient.addGeneralPractitioner(practice);
        return new Reference(client().create()
                .resource(patient)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    }

    private static Encounter finished(Reference patient) {
        return new Encounter()
                .setStatus(Encounter.EncounterStatus.FINISHED)
                .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter"))
                .setSubject(patient)
                .setPeriod(new Period()
                        .setStart(Date.from(Instant.parse("2026-11-28T09:00:00Z")))
                        .setEnd(Date.from(Instant.parse("2026-11-30T12:00:00Z"))));
    }

    private List<Map<String, Object>> deliveries(Reference patient) {
        return jdbc.queryForList("SELECT * FROM LW_DELIVERY WHERE PATIENT = ? ORDER BY ID", patient.getReference());
    }

    private Map<String, Object> awaitDelivery(Reference patient, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream().anyMatch(r -> status.equals(r.get("STATUS"))));
        return deliveries(patient).stream()
                .filter(r -> status.equals(r.get("STATUS")))
                .findFirst()
                .orElseThrow();
    }
}
