package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
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
import uk.linkwell.gateway.testsupport.TestTls;

/**
 * Issue 25, the {@code amqp} channel over TLS: an {@code amqps://} Endpoint is published to through a TLS listener
 * that requires a client certificate (a tunnel in front of the test broker, as a broker's own TLS port would be),
 * with the Endpoint's SSL bundle; the CloudEvent reaches a real consumer. With a bundle that has no client key, the
 * handshake fails, visibly, and is retried; nothing is published.
 */
class AmqpsExchangeTest extends GatewayIntegrationTest {

    private static final String ROUTING_KEY = "discharges.gp";

    @Autowired
    private JdbcTemplate jdbc;

    private final ObjectMapper json = new ObjectMapper();
    private final String exchange = "linkwell-tls-test-" + UUID.randomUUID();
    private Connection connection;
    private Channel consumer;
    private TlsTunnel tunnel;

    @BeforeEach
    void broker() throws Exception {
        RabbitTestBroker.Broker broker = RabbitTestBroker.get();
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(broker.host());
        factory.setPort(broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        connection = factory.newConnection("linkwell-amqps-test");
        consumer = connection.createChannel();
        consumer.exchangeDeclare(exchange, "topic", false, true, null);
        // TLS 1.2, so that a missing client certificate is refused inside the handshake (see ExchangeReceiver).
        tunnel = new TlsTunnel(TestTls.get().receiverContext(true), broker.host(), broker.port(), true);
    }

    @AfterEach
    void close() throws Exception {
        tunnel.close();
        consumer.exchangeDelete(exchange);
        connection.close();
    }

    @Test
    void aDischargeIsPublishedOverTlsPresentingTheGatewaysClientCertificate() throws Exception {
        String queue = consumer.queueDeclare().getQueue();
        consumer.queueBind(queue, exchange, ROUTING_KEY);
        Reference patient = patient(practice(amqpsEndpoint(EXCHANGE_TEST_AMQPS)));
        String stayId =
                client().create().resource(finished(patient)).execute().getId().getIdPart();

        Map<String, Object> row = awaitDelivery(patient, r -> "delivered".equals(r.get("STATUS")));
        assertThat(row.get("ATTEMPTS")).isEqualTo(1);
        assertThat((String) row.get("LAST_ANSWER")).startsWith("confirmed by the broker");
        assertThat(tunnel.clientCertificates()).contains(TestTls.CLIENT_DN);
        GetResponse got = null;
        for (int i = 0; i < 100 && got == null; i++) {
            got = consumer.basicGet(queue, true);
            if (got == null) {
                Thread.sleep(50);
            }
        }
        assertThat(got).isNotNull();
        assertThat(got.getProps().getMessageId()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
        assertThat(json.readTree(got.getBody()).path("subject").asText()).isEqualTo("Encounter/" + stayId);
    }

    @Test
    void withoutAClientCertificateTheHandshakeFailsVisiblyAndIsRetried() throws Exception {
        String queue = consumer.queueDeclare().getQueue();
        consumer.queueBind(queue, exchange, ROUTING_KEY);
        Reference patient = patient(practice(amqpsEndpoint(EXCHANGE_TEST_AMQPS_NO_KEY)));
        client().create().resource(finished(patient)).execute();

        Map<String, Object> row = awaitDelivery(patient, r -> ((Number) r.get("ATTEMPTS")).intValue() >= 2);
        assertThat(row.get("STATUS")).isIn("pending", "sending", "dead");
        // The listener refused the handshake; the gateway reads the alert or, when the listener closes first, the
        // broken connection (see OutboundTlsExchangeTest).
        assertThat((String) row.get("LAST_ANSWER"))
                .matches("TLS handshake failed: .*|.*SocketException: (Connection reset|Broken pipe).*");
        assertThat((String) row.get("LAST_ANSWER")).doesNotContain(TestTls.get().password());
        assertThat(tunnel.failedHandshakes()).isGreaterThanOrEqualTo(1);
        assertThat(tunnel.clientCertificates()).isEmpty();
        assertThat(consumer.basicGet(queue, true)).isNull();
    }

    // --- fixtures -------------------------------------------------------------------------------------------

    private String amqpsEndpoint(String id) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(Channels.LINKWELL_CONNECTION_TYPES, "amqp", null))
                .setAddress("amqps://127.0.0.1:" + tunnel.port() + "/%2F?exchange=" + exchange + "&routingKey="
                        + ROUTING_KEY);
        endpoint.addPayloadType().setText("CloudEvents");
        endpoint.setId("Endpoint/" + id);
        client().update().resource(endpoint).execute();
        return "Endpoint/" + id;
    }

    private Reference practice(String endpoint) {
        Organization practice = LinkwellFixtures.organisation(
                "S" + UUID.randomUUID().toString().substring(0, 5).toUpperCase(), "AMQPS test surgery");
        practice.addEndpoint(new Reference(endpoint));
        return new Reference(client().create()
                .resource(practice)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
    }

    private Reference patient(Reference practice) {
        Patient patient = LinkwellFixtures.patient(SyntheticNhsNumbers.next());
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

    private Map<String, Object> awaitDelivery(Reference patient, Predicate<Map<String, Object>> condition) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream().anyMatch(condition));
        return deliveries(patient).stream().filter(condition).findFirst().orElseThrow();
    }
}
