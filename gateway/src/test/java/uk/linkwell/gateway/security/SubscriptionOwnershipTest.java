package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * Subscriptions over HTTP: creating one is limited to the configured roles and endpoints (the shared test context
 * allows social-care systems, to {@code https://hooks.council.test/}); each belongs to the client that created it,
 * is invisible to every other client but admin (the same 404 as an unused id, absent from searches and their
 * totals), and its {@code channel.header} secret leaves to its creator only. Issue 23, finding 4.
 */
class SubscriptionOwnershipTest extends GatewayIntegrationTest {

    private static final String ALLOWED = "https://hooks.council.test/";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private String councilA;
    private String councilB;
    private String widerGp;

    /** Two councils (one with every scope) and a GP with every scope, each its own client. */
    @BeforeEach
    void clients() {
        councilA = tokenFor(Claims.of("social-care-system", "SCA01", "system/Subscription.cruds")
                .withClientId("council-a-" + run));
        councilB = tokenFor(
                Claims.of("social-care-system", "SCB01", "system/*.cruds").withClientId("council-b-" + run));
        widerGp = tokenFor(Claims.of("gp-system", "GPW01", "system/*.cruds").withClientId("gp-" + run));
    }

    private String subscription(String channelType, String endpoint, String secret) {
        return "{\"resourceType\":\"Subscription\",\"status\":\"requested\",\"reason\":\"probe " + run + "\","
                + "\"criteria\":\"CarePlan?status=active\",\"channel\":{\"type\":\"" + channelType + "\","
                + "\"endpoint\":\"" + endpoint + "\",\"payload\":\"application/fhir+json\","
                + "\"header\":[\"Authorization: Bearer " + secret + "\"]}}";
    }

    /** Creates one as the given client; returns its id part. */
    private String created(String token, String endpoint, String secret) {
        HttpResponse<String> response =
                fhir(token, "POST", "Subscription", subscription("rest-hook", endpoint, secret));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return fhirContext
                .newJsonParser()
                .parseResource(Subscription.class, response.body())
                .getIdElement()
                .getIdPart();
    }

    private Subscription asAdmin(String id) {
        return client().read().resource(Subscription.class).withId(id).execute();
    }

    private int adminCountFor(String endpoint) {
        return client().search()
                .byUrl("Subscription?url=" + endpoint + "&_summary=count")
                .returnBundle(Bundle.class)
                .execute()
                .getTotal();
    }

    private OperationOutcome outcome(HttpResponse<String> response) {
        return fhirContext.newJsonParser().parseResource(OperationOutcome.class, response.body());
    }

    @Test
    void aGpWithWideScopesCannotCreateASubscription() {
        String endpoint = "https://attacker.example/" + run;
        HttpResponse<String> direct = fhir(widerGp, "POST", "Subscription", subscription("rest-hook", endpoint, "x"));
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(403);
        assertThat(outcome(direct).getIssueFirstRep().getDiagnostics())
                .contains("linkwell.fhir.subscriptions.roles")
                .contains("admin, social-care-system");

        String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":"
                + "{\"method\":\"POST\",\"url\":\"Subscription\"},\"resource\":"
                + subscription("rest-hook", endpoint, "x") + "}]}";
        HttpResponse<String> batched = fhir(widerGp, "POST", "", transaction);
        assertThat(batched.statusCode()).as(batched.body()).isEqualTo(403);
        assertThat(batched.body()).contains("linkwell.fhir.subscriptions.roles");
        assertThat(adminCountFor(endpoint)).isZero();
    }

    @Test
    void anAllowedRoleNotifiesAllowedEndpointsOnly() {
        String elsewhere = "https://attacker.example/" + run;
        HttpResponse<String> outside =
                fhir(councilA, "POST", "Subscription", subscription("rest-hook", elsewhere, "x"));
        assertThat(outside.statusCode()).as(outside.body()).isEqualTo(403);
        OperationOutcome.OperationOutcomeIssueComponent issue = outcome(outside).getIssueFirstRep();
        assertThat(issue.getDiagnostics())
                .contains("linkwell.fhir.subscriptions.allowed-endpoints")
                .contains(ALLOWED);
        assertThat(issue.getExpression())
                .extracting(e -> e.getValue())
                .containsExactly("Subscription.channel.endpoint");
        // A prefix that only looks like an allowed one.
        HttpResponse<String> lookalike = fhir(
                councilA, "POST", "Subscription", subscription("rest-hook", "https://hooks.council.test.evil/", "x"));
        assertThat(lookalike.statusCode()).isEqualTo(403);
        HttpResponse<String> email =
                fhir(councilA, "POST", "Subscription", subscription("email", "mailto:someone@example.org", "x"));
        assertThat(email.statusCode()).as(email.body()).isEqualTo(403);
        assertThat(outcome(email).getIssueFirstRep().getExpression())
                .extracting(e -> e.getValue())
                .containsExactly("Subscription.channel.type");
        assertThat(adminCountFor(elsewhere)).isZero();
        // A conditional create would match other clients' Subscriptions.
        HttpResponse<String> conditional = fhir(
                councilA,
                "POST",
                "Subscription",
                subscription("rest-hook", ALLOWED + "c-" + run, "x"),
                "If-None-Exist",
                "url=" + ALLOWED + "c-" + run);
        assertThat(conditional.statusCode()).as(conditional.body()).isEqualTo(403);
        assertThat(conditional.body()).contains("conditional create");

        String endpoint = ALLOWED + run;
        String id = created(councilA, endpoint, "secret-a-" + run);
        Subscription stored = asAdmin(id);
        assertThat(stored.getMeta().getTag(SubscriptionOwnership.TAG_SYSTEM, "council-a-" + run))
                .isNotNull();
        assertThat(stored.getChannel().getEndpoint()).isEqualTo(endpoint);

        // Moving it elsewhere is refused like creating it there; the stored one is unchanged.
        Subscription moved = fhirContext
                .newJsonParser()
                .parseResource(
                        Subscription.class,
                        fhir(councilA, "GET", "Subscription/" + id, null).body());
        moved.getChannel().setEndpoint(elsewhere);
        HttpResponse<String> update = fhir(
                councilA,
                "PUT",
                "Subscription/" + id,
                fhirContext.newJsonParser().encodeResourceToString(moved));
        assertThat(update.statusCode()).as(update.body()).isEqualTo(403);
        assertThat(update.body()).contains("linkwell.fhir.subscriptions.allowed-endpoints");
        assertThat(asAdmin(id).getChannel().getEndpoint()).isEqualTo(endpoint);

        // The creator cannot hand it to another client by its tag: the creator stays.
        moved.getChannel().setEndpoint(endpoint + "/v2");
        moved.getMeta().getTag().clear();
        moved.getMeta().addTag(SubscriptionOwnership.TAG_SYSTEM, "council-b-" + run, null);
        HttpResponse<String> retagged = fhir(
                councilA,
                "PUT",
                "Subscription/" + id,
                fhirContext.newJsonParser().encodeResourceToString(moved));
        assertThat(retagged.statusCode()).as(retagged.body()).isEqualTo(200);
        assertThat(asAdmin(id).getMeta().getTag())
                .filteredOn(t -> SubscriptionOwnership.TAG_SYSTEM.equals(t.getSystem()))
                .extracting(t -> t.getCode())
                .containsExactly("council-a-" + run);
    }

    @Test
    void anotherClientsSubscriptionDoesNotExistForIt() {
        String secret = "secret-a-" + run;
        String endpoint = ALLOWED + "a-" + run;
        String theirs = created(councilA, endpoint, secret);
        String own = created(councilB, ALLOWED + "b-" + run, "secret-b-" + run);
        String unused = "99" + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L);

        for (String token : List.of(councilB, widerGp)) {
            for (String[] request : new String[][] {
                {"GET", "Subscription/%s"},
                {"GET", "Subscription/%s/_history/1"},
                {"GET", "Subscription/%s/_history"},
                {"DELETE", "Subscription/%s"},
                {"PATCH", "Subscription/%s"},
                {"PUT", "Subscription/%s"}
            }) {
                String body = request[0].equals("PATCH")
                        ? "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"off\"}]"
                        : request[0].equals("PUT")
                                ? subscription("rest-hook", ALLOWED + "b-" + run, "x")
                                        .replace(
                                                "{\"resourceType\":\"Subscription\",",
                                                "{\"resourceType\":" + "\"Subscription\",\"id\":\"ID\",")
                                : null;
                HttpResponse<String> hidden = fhir(
                        token,
                        request[0],
                        request[1].formatted(theirs),
                        body == null ? null : body.replace("ID", theirs));
                HttpResponse<String> missing = fhir(
                        token,
                        request[0],
                        request[1].formatted(unused),
                        body == null ? null : body.replace("ID", unused));
                assertThat(hidden.statusCode())
                        .as(request[0] + " " + hidden.body())
                        .isEqualTo(404);
                assertThat(missing.statusCode())
                        .as(request[0] + " " + missing.body())
                        .isEqualTo(404);
                assertThat(hidden.body()).isEqualTo(missing.body().replace(unused, theirs));
                assertThat(hidden.body()).doesNotContain(secret).doesNotContain(endpoint);
            }
        }

        // ... and an unused id is "not known" to every client alike (the decision point's one answer).
        assertThat(fhir(widerGp, "GET", "Subscription/" + unused, null).body())
                .isEqualTo(fhir(councilB, "GET", "Subscription/" + unused, null).body());

        HttpResponse<String> search = fhir(councilB, "GET", "Subscription?_count=200", null);
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        Bundle found = fhirContext.newJsonParser().parseResource(Bundle.class, search.body());
        assertThat(found.getEntry())
                .extracting(e -> e.getResource().getIdElement().getIdPart())
                .contains(own)
                .doesNotContain(theirs);
        assertThat(search.body()).doesNotContain(secret).doesNotContain(endpoint);
        for (String counted :
                List.of("Subscription?_summary=count", "Subscription?_total=accurate", "Subscription?_id=" + theirs)) {
            HttpResponse<String> response = fhir(councilB, "GET", counted, null);
            Bundle bundle = fhirContext.newJsonParser().parseResource(Bundle.class, response.body());
            assertThat(bundle.getTotal())
                    .as(counted)
                    .isEqualTo(counted.contains("_id") ? 0 : found.getEntry().size());
            assertThat(response.body()).doesNotContain(theirs + "\"");
        }
        assertThat(fhir(widerGp, "GET", "Subscription?url=" + endpoint, null).body())
                .doesNotContain(secret)
                .doesNotContain("\"" + theirs + "\"");
        // A search across types is not served (HAPI-0287, 400), to anyone.
        HttpResponse<String> system = fhir(councilB, "GET", "?_type=Subscription", null);
        assertThat(system.statusCode()).as(system.body()).isEqualTo(400);
        assertThat(system.body()).doesNotContain(secret).doesNotContain(theirs);

        HttpResponse<String> typeHistory = fhir(councilB, "GET", "Subscription/_history", null);
        assertThat(typeHistory.statusCode()).as(typeHistory.body()).isEqualTo(403);
        assertThat(typeHistory.body()).doesNotContain(theirs).doesNotContain(secret);

        // Batches neither read nor change it.
        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\","
                + "\"url\":\"Subscription/" + theirs + "\"}}]}";
        HttpResponse<String> batched = fhir(councilB, "POST", "", batch);
        assertThat(batched.body()).doesNotContain(secret).doesNotContain(endpoint);
        assertThat(batched.body()).contains("404").contains("is not known");
        String delete = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":"
                + "\"DELETE\",\"url\":\"Subscription/" + theirs + "\"}}]}";
        assertThat(fhir(councilB, "POST", "", delete).statusCode()).isEqualTo(403);

        // It is all still there, as its creator left it.
        Subscription kept = asAdmin(theirs);
        assertThat(kept.getStatus()).isEqualTo(Subscription.SubscriptionStatus.REQUESTED);
        assertThat(kept.getChannel().getEndpoint()).isEqualTo(endpoint);
        assertThat(kept.getMeta().getVersionId()).isEqualTo("1");
    }

    @Test
    void theHeaderSecretLeavesToItsCreatorOnly() {
        String secret = "secret-h-" + run;
        String id = created(councilA, ALLOWED + "h-" + run, secret);

        HttpResponse<String> ownerRead = fhir(councilA, "GET", "Subscription/" + id, null);
        assertThat(ownerRead.body()).contains(secret);
        assertThat(fhir(councilA, "GET", "Subscription?_id=" + id, null).body()).contains(secret);

        // Admin sees every Subscription, never another client's secret: read, search, history, its own writes.
        HttpResponse<String> adminRead = fhir(adminToken(), "GET", "Subscription/" + id, null);
        assertThat(adminRead.statusCode()).isEqualTo(200);
        assertThat(adminRead.body()).contains(ALLOWED + "h-" + run).doesNotContain(secret);
        for (String path : List.of(
                "Subscription?_id=" + id,
                "Subscription/" + id + "/_history",
                "Subscription/" + id + "/_history/1",
                "Subscription/_history?_count=200")) {
            HttpResponse<String> response = fhir(adminToken(), "GET", path, null);
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(200);
            assertThat(response.body()).as(path).contains(id).doesNotContain(secret);
        }
        HttpResponse<String> patched = fhir(
                adminToken(),
                "PATCH",
                "Subscription/" + id,
                "[{\"op\":\"replace\",\"path\":\"/reason\",\"value\":\"reviewed\"}]",
                "Prefer",
                "return=representation");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(patched.body()).contains("reviewed").doesNotContain(secret);

        // The owner still has it, and still sees it.
        assertThat(fhir(councilA, "GET", "Subscription/" + id, null).body())
                .contains(secret)
                .contains("reviewed");
    }
}
