package uk.linkwell.gateway.ingest.socialcare;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens;

/**
 * Helpers for tests of {@code POST /socialcare/events}: a real token of the demo social-care client (council
 * {@value #LA}), the example events with fresh identifiers, the message store as rows, FHIR searches by identifier.
 */
abstract class SocialCareEventsTestBase extends GatewayIntegrationTest {

    /** The demo social-care client's organisation, used as the council of every test event. */
    static final String LA = "999";

    static final String SOCIALCARE_ID = "https://fhir.linkwell.example/Id/socialcare/" + LA + "/";
    static final List<String> TYPES = List.of(
            "referral-received",
            "referral-accepted",
            "referral-declined",
            "case-allocated",
            "assessment-completed",
            "care-plan-updated",
            "review-scheduled",
            "review-completed",
            "carer-identified",
            "safeguarding-enquiry-opened",
            "safeguarding-enquiry-closed",
            "case-closed");

    static final ObjectMapper JSON = new ObjectMapper();
    private static String socialCareToken;
    private static int socialCareTokenPort;
    private static java.time.Instant socialCareTokenFetched = java.time.Instant.EPOCH;

    @Autowired
    protected JdbcTemplate jdbc;

    /** One person's case: a Patient known to the gateway (unless made with {@link #unknownCase}). */
    record Case(String nhsNumber, String laPersonId, String caseReference) {
        String key() {
            return laPersonId + ":" + caseReference;
        }
    }

    /**
     * A case of a person the gateway knows and council {@value #LA} may take on: the Patient is created through
     * FHIR first, then a GP practice's referral to the council (a ServiceRequest whose performer is the council),
     * the relationship a council needs before its case events about someone are applied.
     */
    protected Case newCase() {
        Case c = strangerCase();
        referToCouncil(c, LA);
        return c;
    }

    /** A case of a person the gateway knows but no organisation has referred to any council. */
    protected Case strangerCase() {
        Case c = unknownCase();
        client().create().resource(LinkwellFixtures.patient(c.nhsNumber())).execute();
        return c;
    }

    /** A referral of the person to the organisation with this ODS code by a GP practice, as admin records it. */
    protected String referToCouncil(Case c, String odsCode) {
        ServiceRequest referral = LinkwellFixtures.referral(
                new Reference(patientId(c.nhsNumber())), organisation("Y90001"), organisation(odsCode));
        // Written by the practice: the author organisation the consent engine and the matching rule see.
        referral.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode("Y90001");
        return client().create()
                .resource(referral)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    /** The Organization with this ODS code, created if absent. */
    protected Reference organisation(String odsCode) {
        return new Reference(client().create()
                .resource(LinkwellFixtures.organisation(odsCode, "Organisation " + odsCode))
                .conditionalByUrl("Organization?identifier=" + LinkwellFixtures.ODS + "|" + odsCode)
                .execute()
                .getId()
                .toUnqualifiedVersionless());
    }

    protected static Case unknownCase() {
        String suffix = UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        return new Case(SyntheticNhsNumbers.next(), "LAP-" + suffix, "CASE-" + suffix);
    }

    /** The example event of this type for the case, with a fresh event id. */
    protected static ObjectNode event(String type, Case c) {
        try (InputStream in =
                SocialCareEventsTestBase.class.getResourceAsStream("/socialcare/events/" + type + ".json")) {
            ObjectNode event = (ObjectNode) JSON.readTree(in);
            event.put("eventId", UUID.randomUUID().toString());
            event.put("localAuthority", LA);
            ObjectNode person = event.putObject("person");
            person.put("laPersonId", c.laPersonId());
            person.put("nhsNumber", c.nhsNumber());
            event.put("caseReference", c.caseReference());
            return event;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A real client-credentials token of the demo social-care client, as the README's curl gets it. */
    protected String socialCareToken() {
        synchronized (SocialCareEventsTestBase.class) {
            if (socialCareToken == null
                    || socialCareTokenPort != port
                    || socialCareTokenFetched.isBefore(java.time.Instant.now().minus(TestTokens.REFETCH_AFTER))) {
                socialCareToken = TestTokens.fromTokenEndpoint(
                        gatewayBase(), "demo-social-care", "demo-social-care-secret", null);
                socialCareTokenPort = port;
                socialCareTokenFetched = java.time.Instant.now();
            }
            return socialCareToken;
        }
    }

    protected HttpResponse<String> post(String body) throws Exception {
        return post(body, socialCareToken(), "application/json");
    }

    protected HttpResponse<String> post(JsonNode body) throws Exception {
        return post(JSON.writeValueAsString(body));
    }

    protected HttpResponse<String> post(String body, String token, String contentType) throws Exception {
        return post(HttpRequest.BodyPublishers.ofString(body), token, contentType);
    }

    protected HttpResponse<String> post(HttpRequest.BodyPublisher body, String token, String contentType)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gatewayBase() + "/socialcare/events"))
                .header("Authorization", "Bearer " + token)
                .POST(body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return http().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    protected static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** The message id of the one event a 202 answered. */
    protected static long messageId(HttpResponse<String> response) throws IOException {
        return json(response).path("results").get(0).path("messageId").asLong();
    }

    protected Map<String, Object> row(long id) {
        return jdbc.queryForMap("SELECT * FROM LW_INBOUND_MESSAGE WHERE ID = ?", id);
    }

    protected Map<String, Object> awaitDone(long id) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Object status = row(id).get("STATUS");
                    if ("failed".equals(status) || "unmatched".equals(status)) {
                        throw new AssertionError("message " + id + " " + status + ": " + row(id).get("LAST_ERROR"));
                    }
                    return "done".equals(status);
                });
        return row(id);
    }

    /** Waits until the worker has settled the message with this status (not applied: failed or unmatched). */
    protected Map<String, Object> awaitSettledAs(long id, String status) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Object now = row(id).get("STATUS");
                    if ("done".equals(now)) {
                        throw new AssertionError("message " + id + " was applied; expected " + status);
                    }
                    return status.equals(now);
                });
        return row(id);
    }

    /** Posts one event, expects 202 accepted, waits until the worker has applied it; returns its message id. */
    protected long apply(JsonNode event) throws Exception {
        HttpResponse<String> response = post(event);
        if (response.statusCode() != 202) {
            throw new AssertionError("expected 202, got " + response.statusCode() + ": " + response.body());
        }
        long id = messageId(response);
        awaitDone(id);
        return id;
    }

    /** The resources of a type with this Linkwell social-care identifier (kind, value). */
    protected <T extends IBaseResource> List<T> byIdentifier(Class<T> type, String kind, String value) {
        Bundle bundle = client().search()
                .forResource(type)
                .where(new ca.uhn.fhir.rest.gclient.TokenClientParam("identifier")
                        .exactly()
                        .systemAndCode(SOCIALCARE_ID + kind, value))
                .returnBundle(Bundle.class)
                .execute();
        return bundle.getEntry().stream().map(e -> type.cast(e.getResource())).toList();
    }

    /** The one resource with this identifier. */
    protected <T extends IBaseResource> T one(Class<T> type, String kind, String value) {
        List<T> found = byIdentifier(type, kind, value);
        if (found.size() != 1) {
            throw new AssertionError(
                    "expected one " + type.getSimpleName() + " " + kind + "|" + value + ", found " + found.size());
        }
        return found.get(0);
    }

    /** The server id of the Patient with this NHS number. */
    protected String patientId(String nhsNumber) {
        Bundle bundle = client().search()
                .forResource(org.hl7.fhir.r4.model.Patient.class)
                .where(org.hl7.fhir.r4.model.Patient.IDENTIFIER
                        .exactly()
                        .systemAndCode(LinkwellFixtures.NHS, nhsNumber))
                .returnBundle(Bundle.class)
                .execute();
        return bundle.getEntryFirstRep()
                .getResource()
                .getIdElement()
                .toUnqualifiedVersionless()
                .getValue();
    }
}
