package uk.linkwell.gateway.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.CamelContext;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Endpoint;
import org.hl7.fhir.r4.model.MessageHeader;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.MllpClient;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * Issue 25, first slice: a discharge (an A03 over MLLP, or an Encounter finished through FHIR) reaches the
 * person's registered GP practice through the outbox, consent-filtered at send time, over real HTTP to real
 * receivers on this machine; a write that rolls back records nothing; receivers that fail are retried or given up
 * on, and an admin sees and retries what died. The gateway's exchange settings for tests (a quick sender, short
 * backoffs, the webhook's secret) are in {@link GatewayIntegrationTest}, so this class shares its context.
 */
class DischargeExchangeTest extends GatewayIntegrationTest {

    static final String HOOK_ID = EXCHANGE_TEST_HOOK;

    static final String HOOK_SECRET = EXCHANGE_TEST_HOOK_SECRET;

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private CamelContext camel;

    private final ObjectMapper json = new ObjectMapper();
    private final ExchangeReceiver receiver = new ExchangeReceiver();
    private final String practiceOds =
            "P" + UUID.randomUUID().toString().substring(0, 5).toUpperCase();

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    @Test
    void anA03OverMllpReachesTheRegisteredPracticeAsOneFhirMessage() throws Exception {
        String endpoint = endpoint(fhirMessaging(receiver.base() + "/fhir"));
        Reference practice = practice(endpoint);
        String nhsNumber = SyntheticNhsNumbers.next();
        Reference patient = patient(nhsNumber, practice);

        String visit = "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        assertThat(ackCode(mllp(admit(nhsNumber, visit)))).isEqualTo("AA");
        assertThat(ackCode(mllp(discharge(nhsNumber, visit)))).isEqualTo("AA");

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        // Exactly one message, even after a few more polls.
        Thread.sleep(800);
        assertThat(receiver.received()).hasSize(1);
        ExchangeReceiver.Received request = receiver.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/fhir/$process-message");
        assertThat(request.header("Content-Type")).startsWith("application/fhir+json");

        Bundle message = parser().parseResource(Bundle.class, request.text());
        assertThat(message.getType()).isEqualTo(Bundle.BundleType.MESSAGE);
        MessageHeader header = (MessageHeader) message.getEntryFirstRep().getResource();
        assertThat(header.getIdElement().getIdPart()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
        assertThat(header.getEventCoding().getSystem())
                .isEqualTo("https://fhir.linkwell.example/CodeSystem/exchange-event");
        assertThat(header.getEventCoding().getCode()).isEqualTo("discharge");
        assertThat(header.getDestinationFirstRep().getEndpoint()).isEqualTo(receiver.base() + "/fhir");
        assertThat(header.getSource().getEndpoint()).isEqualTo("urn:linkwell:gateway");
        assertThat(header.getFocus()).hasSize(1);
        Encounter encounter =
                (Encounter) entry(message, header.getFocusFirstRep().getReference());
        assertThat(encounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(encounter.getPeriod().getEnd().toInstant()).isEqualTo(Instant.parse("2026-11-24T14:30:00Z"));
        assertThat(encounter.getIdElement().getIdPart()).isEqualTo(focusId(row));
        // The person, so the practice can match them: under direct care, as a read would show them.
        assertThat(message.getEntry())
                .extracting(Bundle.BundleEntryComponent::getResource)
                .filteredOn(r -> r instanceof Patient)
                .singleElement()
                .satisfies(p -> assertThat(((Patient) p).getIdentifierFirstRep().getValue())
                        .isEqualTo(nhsNumber));

        assertThat(row.get("ATTEMPTS")).isEqualTo(1);
        assertThat(row.get("CHANNEL")).isEqualTo("hl7-fhir-msg");
        assertThat(row.get("RECIPIENT_ORGANISATION")).isEqualTo(practiceOds);
        assertThat(row.get("LAST_STATUS_CODE")).isEqualTo(200);
        assertThat(row.get("DELIVERED_AT")).isNotNull();
        // Every delivery is a disclosure: the Encounter, to the endpoint, on the discharge-notification basis.
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                        "SELECT COUNT(*) FROM LW_DISCLOSURE WHERE CHANNEL = 'exchange' AND REQUEST_ID = ?"
                                + " AND CLIENT_ID = ?",
                        Integer.class,
                        row.get("IDEMPOTENCY_KEY"),
                        "endpoint:" + idPart(endpoint)))
                .isGreaterThanOrEqualTo(1));

        // The admin view shows it.
        JsonNode list = adminGet("/admin/deliveries?endpoint=" + endpoint);
        assertThat(list.path("items")).hasSize(1);
        assertThat(list.path("items").get(0).path("status").asText()).isEqualTo("delivered");
        assertThat(list.path("items").get(0).path("event").asText()).isEqualTo("discharge");
        assertThat(list.path("byStatus").path("delivered").asLong()).isGreaterThanOrEqualTo(1);

        // And the metrics count it, by channel, with its latency.
        HttpResponse<String> metrics =
                http().send(request("/actuator/prometheus").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body())
                .contains("linkwell_exchange_delivered_total{channel=\"hl7-fhir-msg\"")
                .contains("linkwell_exchange_latency_seconds_count{channel=\"hl7-fhir-msg\"");
    }

    /**
     * Issue 25's end-to-end discharge: an A03 on pathway 1 over MLLP, for a person already in the store, ends with
     * the practice's discharge message, the care management team's follow-up (the referral with its transfer summary)
     * by FHIR message, and the council's case system's CloudEvent (the team's organisation's webhook Endpoint).
     */
    @Test
    void anA03OnPathwayOneTellsThePracticeTheCareTeamAndTheCouncil() throws Exception {
        String practiceEndpoint = endpoint(fhirMessaging(receiver.base() + "/practice"));
        String teamEndpoint = endpoint(fhirMessaging(receiver.base() + "/team"));
        Endpoint hook = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "https://fhir.linkwell.example/CodeSystem/endpoint-connection-type", "webhook", null))
                .setAddress(receiver.base() + "/council/case-events");
        hook.addPayloadType().setText("CloudEvents");
        hook.setId("Endpoint/" + HOOK_ID);
        client().update().resource(hook).execute();
        Organization team = careManagementTeam();
        List<Reference> teamEndpointsBefore = List.copyOf(team.getEndpoint());
        team.addEndpoint(new Reference(teamEndpoint));
        team.addEndpoint(new Reference("Endpoint/" + HOOK_ID));
        client().update().resource(team).execute();
        try {
            String nhsNumber = SyntheticNhsNumbers.next();
            Reference patient = patient(nhsNumber, practice(practiceEndpoint));
            String visit = "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
            assertThat(ackCode(mllp(admit(nhsNumber, visit)))).isEqualTo("AA");
            assertThat(ackCode(mllp(discharge(nhsNumber, visit, "1")))).isEqualTo("AA");

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> deliveries(patient).size() == 3
                            && deliveries(patient).stream().allMatch(r -> "delivered".equals(r.get("STATUS"))));
            List<Map<String, Object>> rows = deliveries(patient);
            Map<String, Object> toPractice = row(rows, practiceEndpoint);
            Map<String, Object> toTeam = row(rows, teamEndpoint);
            Map<String, Object> toCouncil = row(rows, "Endpoint/" + HOOK_ID);
            assertThat(toPractice.get("EVENT")).isEqualTo("discharge");
            assertThat(toTeam.get("EVENT")).isEqualTo("discharge-follow-up");
            assertThat(toCouncil.get("EVENT")).isEqualTo("discharge-follow-up");
            assertThat(toTeam.get("RECIPIENT_ROLE")).isEqualTo("social-care-system");
            assertThat(toTeam.get("RECIPIENT_ORGANISATION")).isEqualTo("X26CMT");
            assertThat(receiver.received()).hasSize(3);

            // The practice: the finished Encounter with its pathway, and the person. The follow-up referral was
            // recorded with it, but is addressed to the team: without the person's consent the practice does not
            // receive it.
            Bundle toGp = parser().parseResource(
                            Bundle.class, received("/practice/$process-message").text());
            MessageHeader gpHeader = (MessageHeader) toGp.getEntryFirstRep().getResource();
            assertThat(gpHeader.getIdElement().getIdPart()).isEqualTo(toPractice.get("IDEMPOTENCY_KEY"));
            assertThat(gpHeader.getEventCoding().getCode()).isEqualTo("discharge");
            assertThat((String) toPractice.get("FOCUS"))
                    .startsWith("Encounter/")
                    .contains(",ServiceRequest/");
            Encounter stay = (Encounter) entry(toGp, gpHeader.getFocusFirstRep().getReference());
            assertThat(stay.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
            assertThat(stay.getPeriod().getEnd().toInstant()).isEqualTo(Instant.parse("2026-11-24T14:30:00Z"));
            assertThat(stay.getHospitalization().getDischargeDisposition().getCoding())
                    .anySatisfy(c -> {
                        assertThat(c.getSystem())
                                .isEqualTo("https://fhir.linkwell.example/CodeSystem/discharge-pathway");
                        assertThat(c.getCode()).isEqualTo("pathway-1");
                    });
            assertThat(gpHeader.getFocus()).hasSize(1);
            assertThat(toGp.getEntry())
                    .extracting(e -> e.getResource().fhirType())
                    .containsExactlyInAnyOrder("MessageHeader", "Encounter", "Patient");

            // The care management team: the referral, with the pathway and the transfer summary, and the person.
            String requestRef = (String) toTeam.get("FOCUS");
            assertThat(requestRef).startsWith("ServiceRequest/");
            Bundle toTeamMessage = parser().parseResource(
                            Bundle.class, received("/team/$process-message").text());
            MessageHeader teamHeader =
                    (MessageHeader) toTeamMessage.getEntryFirstRep().getResource();
            assertThat(teamHeader.getIdElement().getIdPart()).isEqualTo(toTeam.get("IDEMPOTENCY_KEY"));
            assertThat(teamHeader.getEventCoding().getSystem())
                    .isEqualTo("https://fhir.linkwell.example/CodeSystem/exchange-event");
            assertThat(teamHeader.getEventCoding().getCode()).isEqualTo("discharge-follow-up");
            ServiceRequest referral = (ServiceRequest)
                    entry(toTeamMessage, teamHeader.getFocusFirstRep().getReference());
            assertThat(referral.getIdElement().getIdPart()).isEqualTo(idPart(requestRef));
            assertThat(referral.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.ACTIVE);
            assertThat(referral.getOrderDetailFirstRep().getCodingFirstRep().getCode())
                    .isEqualTo("pathway-1");
            assertThat(referral.getNoteFirstRep().getText()).startsWith("Transfer summary from");
            assertThat(referral.getPerformerFirstRep().getReferenceElement().getIdPart())
                    .isEqualTo(team.getIdElement().getIdPart());
            assertThat(toTeamMessage.getEntry())
                    .extracting(Bundle.BundleEntryComponent::getResource)
                    .filteredOn(r -> r instanceof Patient)
                    .singleElement()
                    .satisfies(p -> assertThat(
                                    ((Patient) p).getIdentifierFirstRep().getValue())
                            .isEqualTo(nhsNumber));

            // The council's case system: the same referral as a signed CloudEvent.
            ExchangeReceiver.Received event = received("/council/case-events");
            assertThat(event.header("Content-Type")).startsWith("application/cloudevents+json");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(HOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            assertThat(event.header("X-Linkwell-Signature"))
                    .isEqualTo("sha256=" + HexFormat.of().formatHex(mac.doFinal(event.body())));
            JsonNode cloudEvent = json.readTree(event.body());
            assertThat(cloudEvent.path("specversion").asText()).isEqualTo("1.0");
            assertThat(cloudEvent.path("id").asText()).isEqualTo(toCouncil.get("IDEMPOTENCY_KEY"));
            assertThat(cloudEvent.path("type").asText()).isEqualTo("uk.linkwell.exchange.discharge-follow-up");
            assertThat(cloudEvent.path("subject").asText()).isEqualTo(requestRef);
            Bundle data =
                    parser().parseResource(Bundle.class, cloudEvent.path("data").toString());
            assertThat(data.getEntry())
                    .extracting(Bundle.BundleEntryComponent::getResource)
                    .filteredOn(r -> r instanceof ServiceRequest)
                    .singleElement()
                    .satisfies(r -> assertThat(
                                    ((ServiceRequest) r).getNoteFirstRep().getText())
                            .startsWith("Transfer summary from"));
            // Three keys, one per delivery.
            assertThat(rows).extracting(r -> r.get("IDEMPOTENCY_KEY")).doesNotHaveDuplicates();
        } finally {
            Organization now = careManagementTeam();
            now.setEndpoint(new java.util.ArrayList<>(teamEndpointsBefore));
            client().update().resource(now).execute();
        }
    }

    @Test
    void aPausedEndpointKeepsItsDeliveriesWaitingUntilAnAdminResumesIt() throws Exception {
        String paused = endpoint(fhirMessaging(receiver.base() + "/paused"));
        String open = endpoint(fhirMessaging(receiver.base() + "/open"));
        Organization surgery = LinkwellFixtures.organisation(practiceOds, "Exchange test surgery");
        surgery.addEndpoint(new Reference(paused));
        surgery.addEndpoint(new Reference(open));
        Reference practice = new Reference("Organization/"
                + client().create().resource(surgery).execute().getId().getIdPart());
        Reference patient = patient(SyntheticNhsNumbers.next(), practice);

        HttpResponse<String> pause =
                adminPost("/admin/deliveries/endpoints/" + idPart(paused) + "/pause?reason=receiver%20maintenance");
        assertThat(pause.statusCode()).as(pause.body()).isEqualTo(200);
        assertThat(json.readTree(pause.body()).path("paused").asBoolean()).isTrue();
        assertThat(adminGet("/admin/deliveries/endpoints/paused").path("items")).anySatisfy(item -> {
            assertThat(item.path("endpoint").asText()).isEqualTo(paused);
            assertThat(item.path("reason").asText()).isEqualTo("receiver maintenance");
        });

        client().create().resource(finished(patient)).execute();
        // The open endpoint's delivery goes; the paused one's waits, unclaimed, no attempt counted.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream()
                        .anyMatch(r -> open.equals(r.get("ENDPOINT")) && "delivered".equals(r.get("STATUS"))));
        Thread.sleep(1500);
        Map<String, Object> waiting = row(deliveries(patient), paused);
        assertThat(waiting.get("STATUS")).isEqualTo("pending");
        assertThat(waiting.get("ATTEMPTS")).isEqualTo(0);
        assertThat(receiver.received())
                .extracting(ExchangeReceiver.Received::path)
                .containsExactly("/open/$process-message");

        HttpResponse<String> resume = adminPost("/admin/deliveries/endpoints/" + idPart(paused) + "/resume");
        assertThat(resume.statusCode()).as(resume.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "delivered".equals(row(deliveries(patient), paused).get("STATUS")));
        assertThat(row(deliveries(patient), paused).get("ATTEMPTS")).isEqualTo(1);
        assertThat(receiver.received())
                .extracting(ExchangeReceiver.Received::path)
                .containsExactly("/open/$process-message", "/paused/$process-message");

        // Resuming what is not paused, or pausing an endpoint that does not exist, is a problem naming it.
        HttpResponse<String> again = adminPost("/admin/deliveries/endpoints/" + idPart(paused) + "/resume");
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(adminPost("/admin/deliveries/endpoints/no-such-endpoint/pause")
                        .statusCode())
                .isEqualTo(404);
        // An Endpoint deleted while paused can still be resumed, so its deliveries do not wait for ever.
        String gone = endpoint(fhirMessaging(receiver.base() + "/gone"));
        assertThat(adminPost("/admin/deliveries/endpoints/" + idPart(gone) + "/pause")
                        .statusCode())
                .isEqualTo(200);
        client().delete().resourceById(new org.hl7.fhir.r4.model.IdType(gone)).execute();
        assertThat(adminPost("/admin/deliveries/endpoints/" + idPart(gone) + "/resume")
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void aWebhookGetsASignedCloudEvent() throws Exception {
        Endpoint hook = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "https://fhir.linkwell.example/CodeSystem/endpoint-connection-type", "webhook", null))
                .setAddress(receiver.base() + "/hooks/discharges");
        hook.addPayloadType().setText("CloudEvents");
        hook.setId("Endpoint/" + HOOK_ID);
        client().update().resource(hook).execute();
        Reference patient = patient(SyntheticNhsNumbers.next(), practice("Endpoint/" + HOOK_ID));

        Encounter stay = encounter(patient, Encounter.EncounterStatus.INPROGRESS);
        String stayId = client().create().resource(stay).execute().getId().getIdPart();
        stay.setId("Encounter/" + stayId);
        stay.setStatus(Encounter.EncounterStatus.FINISHED);
        stay.getPeriod().setEnd(Date.from(Instant.parse("2026-12-01T16:00:00Z")));
        client().update().resource(stay).execute();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        assertThat(receiver.received()).hasSize(1);
        ExchangeReceiver.Received request = receiver.received().get(0);
        assertThat(request.path()).isEqualTo("/hooks/discharges");
        assertThat(request.header("Content-Type")).startsWith("application/cloudevents+json");
        // The signature is over the exact bytes received.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(HOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(request.header("X-Linkwell-Signature"))
                .isEqualTo("sha256=" + HexFormat.of().formatHex(mac.doFinal(request.body())));

        JsonNode event = json.readTree(request.body());
        assertThat(event.path("specversion").asText()).isEqualTo("1.0");
        assertThat(event.path("id").asText()).isEqualTo(row.get("IDEMPOTENCY_KEY"));
        assertThat(event.path("type").asText()).isEqualTo("uk.linkwell.exchange.discharge");
        assertThat(event.path("source").asText()).isEqualTo("urn:linkwell:gateway");
        assertThat(event.path("datacontenttype").asText()).isEqualTo("application/fhir+json");
        assertThat(Instant.parse(event.path("time").asText()))
                .isBefore(Instant.now().plusSeconds(1));
        Bundle data = parser().parseResource(Bundle.class, event.path("data").toString());
        Encounter sent = data.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r instanceof Encounter)
                .map(r -> (Encounter) r)
                .findFirst()
                .orElseThrow();
        assertThat(sent.getIdElement().getIdPart()).isEqualTo(stayId);
        assertThat(sent.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
        assertThat(sent.getPeriod().getEnd().toInstant()).isEqualTo(Instant.parse("2026-12-01T16:00:00Z"));
    }

    @Test
    void aConsentThatDeniesThePracticeWithholdsTheDelivery() throws Exception {
        String endpoint = endpoint(fhirMessaging(receiver.base()));
        Reference practice = practice(endpoint);
        Reference patient = patient(SyntheticNhsNumbers.next(), practice);
        String consent = refuse(patient, practice);

        client().create().resource(finished(patient)).execute();

        Map<String, Object> row = awaitDelivery(patient, "withheld");
        assertThat((String) row.get("WITHHELD_BASIS")).isEqualTo(consent + "#provision");
        Thread.sleep(500);
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void aConsentWithdrawnAfterTheDischargeButBeforeTheSendStopsIt() throws Exception {
        String endpoint = endpoint(fhirMessaging(receiver.base()));
        Reference practice = practice(endpoint);
        Reference patient = patient(SyntheticNhsNumbers.next(), practice);
        camel.getRouteController().stopRoute(OutboxRoute.ROUTE_ID);
        try {
            client().create().resource(finished(patient)).execute();
            assertThat(delivery(patient).get("STATUS")).isEqualTo("pending");
            refuse(patient, practice);
        } finally {
            camel.getRouteController().startRoute(OutboxRoute.ROUTE_ID);
        }
        awaitDelivery(patient, "withheld");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void aWriteThatRollsBackRecordsNoDelivery() {
        String endpoint = endpoint(fhirMessaging(receiver.base()));
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction
                .addEntry()
                .setResource(finished(patient))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Encounter");
        // A finished stay without its discharge date breaks LinkwellEncounter: the whole transaction is refused.
        Encounter broken = finished(patient);
        broken.getPeriod().setEnd(null);
        transaction
                .addEntry()
                .setResource(broken)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Encounter");

        HttpResponse<String> response =
                fhir(adminToken(), "POST", "", fhirContext.newJsonParser().encodeResourceToString(transaction));
        assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
        assertThat(deliveries(patient)).isEmpty();

        // The same stay written on its own is told: the trigger was there, the rollback took its delivery away.
        client().create().resource(finished(patient)).execute();
        awaitDelivery(patient, "delivered");
        assertThat(deliveries(patient)).hasSize(1);
    }

    @Test
    void aReceiverThatFailsOnceGetsTheSameMessageAgainAndOnlyOnceDelivered() throws Exception {
        receiver.thenAnswer(503);
        String endpoint = endpoint(fhirMessaging(receiver.base()));
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint));
        client().create().resource(finished(patient)).execute();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        Thread.sleep(800);
        assertThat(receiver.received()).hasSize(2);
        assertThat(receiver.received())
                .extracting(r -> messageId(r.text()))
                .containsExactly((String) row.get("IDEMPOTENCY_KEY"), (String) row.get("IDEMPOTENCY_KEY"));
        assertThat(row.get("ATTEMPTS")).isEqualTo(2);
    }

    @Test
    void aReceiverThatHangsIsGivenUpOnAfterTheResponseTimeoutAndTriedAgain() throws Exception {
        // Longer than linkwell.exchange.response-timeout (3s in the tests).
        receiver.thenHang(Duration.ofSeconds(6));
        String endpoint = endpoint(fhirMessaging(receiver.base()));
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint));
        long started = System.nanoTime();
        client().create().resource(finished(patient)).execute();

        Map<String, Object> row = awaitDelivery(patient, "delivered");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(row.get("ATTEMPTS")).isEqualTo(2);
        // Given up at the timeout, not when the receiver finally answered.
        assertThat(took).isLessThan(Duration.ofSeconds(6));
        assertThat(receiver.received())
                .extracting(r -> messageId(r.text()))
                .containsExactly((String) row.get("IDEMPOTENCY_KEY"), (String) row.get("IDEMPOTENCY_KEY"));
    }

    @Test
    void aReceiverThatRefusesMakesTheDeliveryDeadUntilAnAdminRetriesIt() throws Exception {
        receiver.thenAnswer(400);
        String endpoint = endpoint(fhirMessaging(receiver.base()));
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint));
        client().create().resource(finished(patient)).execute();

        Map<String, Object> dead = awaitDelivery(patient, "dead");
        assertThat(dead.get("LAST_STATUS_CODE")).isEqualTo(400);
        assertThat(dead.get("ATTEMPTS")).isEqualTo(1);
        long id = ((Number) dead.get("ID")).longValue();
        JsonNode deadList = adminGet("/admin/deliveries?status=dead&endpoint=" + endpoint);
        assertThat(deadList.path("items")).hasSize(1);
        assertThat(deadList.path("items").get(0).path("id").asLong()).isEqualTo(id);
        assertThat(deadList.path("items").get(0).path("lastStatusCode").asInt()).isEqualTo(400);
        assertThat(adminGet("/admin/deliveries/" + id).path("status").asText()).isEqualTo("dead");

        // The receiver is fixed (it answers 200 from now on); an admin retries.
        HttpResponse<String> retried = adminPost("/admin/deliveries/" + id + "/retry");
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
        Map<String, Object> delivered = awaitDelivery(patient, "delivered");
        assertThat(receiver.received())
                .extracting(r -> messageId(r.text()))
                .containsExactly((String) dead.get("IDEMPOTENCY_KEY"), (String) dead.get("IDEMPOTENCY_KEY"));
        assertThat(delivered.get("IDEMPOTENCY_KEY")).isEqualTo(dead.get("IDEMPOTENCY_KEY"));

        // Only a dead one can be retried; an unknown one is not found; a wrong status filter is named.
        HttpResponse<String> again = adminPost("/admin/deliveries/" + id + "/retry");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(adminPost("/admin/deliveries/999999999/retry").statusCode()).isEqualTo(404);
        HttpResponse<String> badFilter = http().send(
                        request("/admin/deliveries?status=lost").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badFilter.statusCode()).isEqualTo(400);
        assertThat(json.readTree(badFilter.body()).path("parameter").asText()).isEqualTo("status");
    }

    @Test
    void theAdminListIsFilteredByWhenADeliveryWasCreatedAndABadTimeIsNamed() throws Exception {
        String endpoint = endpoint(fhirMessaging(receiver.base()));
        Reference patient = patient(SyntheticNhsNumbers.next(), practice(endpoint));
        client().create().resource(finished(patient)).execute();
        awaitDelivery(patient, "delivered");

        String list = "/admin/deliveries?endpoint=" + endpoint;
        Instant created = Instant.parse(
                adminGet(list).path("items").get(0).path("createdAt").asText());
        String day = created.atZone(java.time.ZoneOffset.UTC).toLocalDate().toString();
        String dayBefore = created.atZone(java.time.ZoneOffset.UTC)
                .toLocalDate()
                .minusDays(1)
                .toString();
        // From is inclusive, to exclusive, as /admin/messages' receivedFrom and receivedTo.
        assertThat(adminGet(list + "&createdFrom=" + created.minusSeconds(1)).path("items"))
                .hasSize(1);
        assertThat(adminGet(list + "&createdFrom=" + created).path("items")).hasSize(1);
        assertThat(adminGet(list + "&createdFrom=" + created.plusSeconds(1)).path("items"))
                .isEmpty();
        assertThat(adminGet(list + "&createdTo=" + created).path("items")).isEmpty();
        assertThat(adminGet(list + "&createdFrom=" + created.minusSeconds(60) + "&createdTo=" + created.plusSeconds(1))
                        .path("items"))
                .hasSize(1);
        // A date is that whole day (UTC).
        assertThat(adminGet(list + "&createdFrom=" + day + "&createdTo=" + day).path("items"))
                .hasSize(1);
        assertThat(adminGet(list + "&createdTo=" + dayBefore).path("items")).isEmpty();

        for (String bad : List.of("createdFrom=26%2F11%2F2026", "createdTo=yesterday", "createdFrom=2026-13-01")) {
            HttpResponse<String> answer =
                    http().send(request(list + "&" + bad).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(bad).isEqualTo(400);
            assertThat(answer.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            JsonNode problem = json.readTree(answer.body());
            assertThat(problem.path("parameter").asText()).isEqualTo(bad.substring(0, bad.indexOf('=')));
            assertThat(problem.path("detail").asText()).contains("ISO-8601");
        }
    }

    // --- fixtures -------------------------------------------------------------------------------------------

    private static Endpoint fhirMessaging(String address) {
        Endpoint endpoint = new Endpoint()
                .setStatus(Endpoint.EndpointStatus.ACTIVE)
                .setConnectionType(new Coding(
                        "http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "hl7-fhir-msg", null))
                .setAddress(address);
        endpoint.addPayloadType().setText("FHIR message");
        return endpoint;
    }

    private String endpoint(Endpoint endpoint) {
        return "Endpoint/"
                + client().create().resource(endpoint).execute().getId().getIdPart();
    }

    private Reference practice(String endpoint) {
        Organization practice = LinkwellFixtures.organisation(practiceOds, "Exchange test surgery");
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

    private static Encounter encounter(Reference patient, Encounter.EncounterStatus status) {
        Encounter encounter = new Encounter()
                .setStatus(status)
                .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter"))
                .setSubject(patient)
                .setPeriod(new Period().setStart(Date.from(Instant.parse("2026-11-28T09:00:00Z"))));
        return encounter;
    }

    private static Encounter finished(Reference patient) {
        Encounter encounter = encounter(patient, Encounter.EncounterStatus.FINISHED);
        encounter.getPeriod().setEnd(Date.from(Instant.parse("2026-11-30T12:00:00Z")));
        return encounter;
    }

    /** The person refuses sharing with the practice; returns the Consent's {@code Consent/<id>}. */
    private String refuse(Reference patient, Reference practice) {
        Reference recorder = new Reference(client().create()
                .resource(LinkwellFixtures.practitioner("Exchange-recorder"))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue());
        Consent consent = LinkwellFixtures.verbalConsent(patient, recorder);
        consent.getProvision().setType(Consent.ConsentProvisionType.DENY);
        consent.getProvision()
                .addActor()
                .setReference(practice)
                .setRole(new CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "IRCP",
                        "information recipient")));
        return "Consent/"
                + client().create().resource(consent).execute().getId().getIdPart();
    }

    /** The care management team the hospital's discharge referrals go to (hospital.care-team-ods-code). */
    private Organization careManagementTeam() {
        Bundle found = client().search()
                .byUrl("Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code|X26CMT")
                .returnBundle(Bundle.class)
                .execute();
        if (!found.getEntry().isEmpty()) {
            return (Organization) found.getEntryFirstRep().getResource();
        }
        Organization team = LinkwellFixtures.organisation("X26CMT", "Adult Care Management Team");
        String id = client().create().resource(team).execute().getId().getIdPart();
        return client().read().resource(Organization.class).withId(id).execute();
    }

    private ExchangeReceiver.Received received(String path) {
        return receiver.received().stream()
                .filter(r -> path.equals(r.path()))
                .reduce((a, b) -> {
                    throw new AssertionError("more than one request to " + path);
                })
                .orElseThrow(() -> new AssertionError("nothing received at " + path));
    }

    private static Map<String, Object> row(List<Map<String, Object>> rows, String endpoint) {
        return rows.stream()
                .filter(r -> endpoint.equals(r.get("ENDPOINT")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no delivery to " + endpoint));
    }

    // --- MLLP -----------------------------------------------------------------------------------------------

    private String mllp(String message) throws Exception {
        try (MllpClient client = new MllpClient(mllpPort())) {
            return client.send(message);
        }
    }

    private static String controlId() {
        return "X"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase();
    }

    private static String msh(String event) {
        return "MSH|^~\\&|PAS|RWELL|LINKWELL|LINKWELL|20261120083000||ADT^" + event + "^ADT_" + event + "|"
                + controlId() + "|P|2.5.1|||AL|NE|GBR";
    }

    private static String pid(String nhsNumber) {
        return "PID|1||" + nhsNumber + "^^^NHS^NH~H" + nhsNumber + "^^^RWELL^MR||EXCHANGE^SAM^^^MX^^L||19500101|F|||"
                + "1 TEST STREET^^LEEDS^^LS1 1AA^GBR^H";
    }

    private static String pv1(String visit, String disposition, String discharged) {
        String[] f = new String[46];
        java.util.Arrays.fill(f, "");
        f[0] = "PV1";
        f[1] = "1";
        f[2] = "I";
        f[3] = "WARD 7^B2^04^RWELL";
        f[7] = "7654321^OKAFOR^CLARE^^^DR^^^GMC";
        f[14] = "19";
        f[17] = f[7];
        f[19] = visit + "^^^RWELL^VN";
        f[36] = disposition == null ? "" : disposition;
        f[37] = disposition == null ? "" : "HOME";
        f[44] = "20261120082500";
        f[45] = discharged == null ? "" : discharged;
        int last = f.length - 1;
        while (f[last].isEmpty()) {
            last--;
        }
        return String.join("|", java.util.Arrays.copyOf(f, last + 1));
    }

    private static String admit(String nhsNumber, String visit) {
        return String.join("\r", msh("A01"), "EVN|A01|20261120083000", pid(nhsNumber), pv1(visit, null, null)) + "\r";
    }

    private static String discharge(String nhsNumber, String visit) {
        return discharge(nhsNumber, visit, "0");
    }

    private static String discharge(String nhsNumber, String visit, String pathway) {
        return String.join(
                        "\r",
                        msh("A03"),
                        "EVN|A03|20261124150000",
                        pid(nhsNumber),
                        pv1(visit, "19", "20261124143000"),
                        "ZDS|" + pathway)
                + "\r";
    }

    private static String ackCode(String ack) {
        for (String segment : ack.split("\r")) {
            if (segment.startsWith("MSA|")) {
                return segment.split("\\|")[1];
            }
        }
        throw new AssertionError("no MSA in the ACK: " + ack.length() + " characters");
    }

    // --- outbox and admin -----------------------------------------------------------------------------------

    private List<Map<String, Object>> deliveries(Reference patient) {
        return jdbc.queryForList("SELECT * FROM LW_DELIVERY WHERE PATIENT = ? ORDER BY ID", patient.getReference());
    }

    private Map<String, Object> delivery(Reference patient) {
        List<Map<String, Object>> rows = deliveries(patient);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    private Map<String, Object> awaitDelivery(Reference patient, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> deliveries(patient).stream().anyMatch(r -> status.equals(r.get("STATUS"))));
        return delivery(patient);
    }

    private static String focusId(Map<String, Object> row) {
        return ((String) row.get("FOCUS")).substring("Encounter/".length());
    }

    private static String idPart(String reference) {
        return reference.substring(reference.indexOf('/') + 1);
    }

    private static Resource entry(Bundle bundle, String fullUrl) {
        return bundle.getEntry().stream()
                .filter(e -> fullUrl.equals(e.getFullUrl()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no entry " + fullUrl))
                .getResource();
    }

    /** A parser that keeps each entry's own id (HAPI's default takes it from the entry's fullUrl). */
    private ca.uhn.fhir.parser.IParser parser() {
        return fhirContext.newJsonParser().setOverrideResourceIdWithBundleEntryFullUrl(false);
    }

    private String messageId(String body) {
        Bundle message = parser().parseResource(Bundle.class, body);
        return message.getEntryFirstRep().getResource().getIdElement().getIdPart();
    }

    private JsonNode adminGet(String path) throws Exception {
        HttpResponse<String> response = http().send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> adminPost(String path) throws Exception {
        return http().send(
                        request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
