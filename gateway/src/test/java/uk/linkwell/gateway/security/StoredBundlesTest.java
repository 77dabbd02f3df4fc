package uk.linkwell.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * Bundles stored on the server are for admin only: a stored collection Bundle holding a Patient of another practice
 * is not read, searched, listed in history, found by {@code _type}, reached by {@code _include} or
 * {@code $everything}, nor written, by a GP or a council with every read scope. Issue 23, finding 4.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoredBundlesTest extends GatewayIntegrationTest {

    private static final String ADMIN_ONLY = "Bundles stored on the server are for the admin role only";

    private final String run = UUID.randomUUID().toString().substring(0, 5).toUpperCase();
    private final String gpOds = "SB" + run;
    private final String councilOds = "SC" + run;
    private String nestedNhsNumber;
    private String storedBundle;
    private String councilPatient;
    private String adminsSubscription;

    @BeforeAll
    void aStoredBundleHoldingAnotherPracticesPatient() {
        create(LinkwellFixtures.organisation(gpOds, "Bundle probe surgery"));
        Reference otherPractice = create(LinkwellFixtures.organisation("SO" + run, "Another surgery"));
        nestedNhsNumber = SyntheticNhsNumbers.next();
        Patient nested = LinkwellFixtures.patient(nestedNhsNumber);
        nested.getNameFirstRep().setFamily("Bundlenested");
        nested.addGeneralPractitioner(otherPractice);
        Bundle collection = new Bundle().setType(Bundle.BundleType.COLLECTION);
        collection.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(nested);
        storedBundle = create(collection).getReferenceElement().getIdPart();

        // A council's person, with a List of the council's that points at the stored Bundle.
        Reference council = create(LinkwellFixtures.organisation(councilOds, "Bundle probe council"));
        Reference person = create(LinkwellFixtures.patient(SyntheticNhsNumbers.next()));
        councilPatient = person.getReference();
        EpisodeOfCare episode = new EpisodeOfCare()
                .setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE)
                .setPatient(person)
                .setManagingOrganization(council)
                .setPeriod(new Period().setStartElement(new DateTimeType("2026-09-29")));
        episode.addType(new CodeableConcept().setText("Adult social care case"));
        create(authoredBy(episode, councilOds));
        ListResource list = new ListResource()
                .setStatus(ListResource.ListStatus.CURRENT)
                .setMode(ListResource.ListMode.WORKING)
                .setTitle("Documents about the person")
                .setSubject(person);
        list.addEntry().setItem(new Reference("Bundle/" + storedBundle));
        // And at an admin's Subscription, whose header holds a secret: SubscriptionOwnership's rule, same path.
        Subscription subscription = new Subscription()
                .setStatus(Subscription.SubscriptionStatus.REQUESTED)
                .setReason("bundle probe " + run)
                .setCriteria("Patient?");
        subscription
                .getChannel()
                .setType(Subscription.SubscriptionChannelType.RESTHOOK)
                .setEndpoint("https://hooks.admin.test/" + run)
                .addHeader("Authorization: Bearer admin-secret-" + run);
        adminsSubscription = create(subscription).getReferenceElement().getIdPart();
        list.addEntry().setItem(new Reference("Subscription/" + adminsSubscription));
        create(authoredBy(list, councilOds));
    }

    private Reference create(Resource resource) {
        return new Reference(
                client().create().resource(resource).execute().getId().toUnqualifiedVersionless());
    }

    private static <T extends Resource> T authoredBy(T resource, String ods) {
        resource.getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(ods);
        return resource;
    }

    private String gp() {
        return tokenFor(Claims.of("gp-system", gpOds, "system/*.rs"));
    }

    private String council() {
        return tokenFor(Claims.of("social-care-system", councilOds, "system/*.rs"));
    }

    /** An admin client other than the one that wrote the scenario (and so owns its Subscription). */
    private String anotherAdmin() {
        return tokenFor(Claims.of("admin", "X26", "system/*.cruds").withClientId("another-admin-" + run));
    }

    private void assertNothingOfTheBundle(HttpResponse<String> response) {
        assertThat(response.body())
                .doesNotContain(nestedNhsNumber)
                .doesNotContain("Bundlenested")
                .doesNotContain("Bundle/" + storedBundle)
                .doesNotContain("\"" + storedBundle + "\"");
    }

    @Test
    void aGpWithEveryReadScopeGetsNothingOfAStoredBundle() {
        String expected = null;
        for (String path : List.of(
                "Bundle/" + storedBundle,
                "Bundle/" + UUID.randomUUID(),
                "Bundle/" + storedBundle + "/_history/1",
                "Bundle/" + storedBundle + "/_history",
                "Bundle/_history",
                "Bundle",
                "Bundle?_id=" + storedBundle,
                "Bundle?type=collection&_summary=count",
                "Patient?_revinclude=Bundle:composition",
                "Organization?_has:Bundle:message:type=collection")) {
            HttpResponse<String> response = fhir(gp(), "GET", path, null);
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(403);
            assertThat(response.body()).contains(ADMIN_ONLY);
            assertNothingOfTheBundle(response);
            if (expected == null) {
                expected = response.body();
            }
            assertThat(response.body()).as(path).isEqualTo(expected);
        }
        // The whole server's history is admin's alone already; a search across types is not served (HAPI-0287).
        HttpResponse<String> history = fhir(gp(), "GET", "_history", null);
        assertThat(history.statusCode()).isEqualTo(403);
        assertNothingOfTheBundle(history);
        for (String path : List.of("?_type=Bundle", "?_type=Patient,Bundle")) {
            HttpResponse<String> response = fhir(gp(), "GET", path, null);
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(400);
            assertNothingOfTheBundle(response);
        }

        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\","
                + "\"url\":\"Bundle/" + storedBundle + "\"}}]}";
        HttpResponse<String> batched = fhir(gp(), "POST", "", batch);
        assertThat(batched.statusCode()).as(batched.body()).isEqualTo(403);
        assertNothingOfTheBundle(batched);
    }

    @Test
    void nobodyButAdminStoresOne() {
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
                + "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"probe\"}}}]}";
        String writer = tokenFor(Claims.of("gp-system", gpOds, "system/*.cruds"));
        HttpResponse<String> direct = fhir(writer, "POST", "Bundle", bundle);
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(403);
        assertThat(direct.body()).contains(ADMIN_ONLY);
        String transaction = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":"
                + "{\"method\":\"POST\",\"url\":\"Bundle\"},\"resource\":" + bundle + "}]}";
        HttpResponse<String> batched = fhir(writer, "POST", "", transaction);
        assertThat(batched.statusCode()).as(batched.body()).isEqualTo(403);
        assertThat(batched.body()).contains(ADMIN_ONLY);
        HttpResponse<String> delete = fhir(writer, "DELETE", "Bundle/" + storedBundle, null);
        assertThat(delete.statusCode()).isEqualTo(403);
        assertThat(fhir(adminToken(), "GET", "Bundle/" + storedBundle, null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void includeAndEverythingDoNotReachAStoredBundleOrAnotherClientsSubscription() {
        HttpResponse<String> listed =
                fhir(council(), "GET", "List?subject=" + councilPatient + "&_include=List:item", null);
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        Bundle page = fhirContext.newJsonParser().parseResource(Bundle.class, listed.body());
        assertThat(page.getEntry()).extracting(e -> e.getResource().fhirType()).containsExactly("List");
        assertThat(listed.body())
                .doesNotContain(nestedNhsNumber)
                .doesNotContain("Bundlenested")
                .doesNotContain("admin-secret-" + run)
                .doesNotContain("hooks.admin.test");

        // A wildcard include is for operators (the search allow-list); either way nothing of the Bundle leaves.
        HttpResponse<String> wildcard = fhir(council(), "GET", "List?subject=" + councilPatient + "&_include=*", null);
        assertThat(wildcard.statusCode()).as(wildcard.body()).isEqualTo(403);
        assertThat(wildcard.body()).doesNotContain(nestedNhsNumber).doesNotContain("Bundlenested");

        HttpResponse<String> everything = fhir(council(), "GET", councilPatient + "/$everything", null);
        assertThat(everything.statusCode()).as(everything.body()).isEqualTo(200);
        Bundle all = fhirContext.newJsonParser().parseResource(Bundle.class, everything.body());
        assertThat(all.getEntry()).extracting(e -> e.getResource().fhirType()).doesNotContain("Bundle");
        assertThat(everything.body()).doesNotContain(nestedNhsNumber).doesNotContain("Bundlenested");
    }

    @Test
    void adminReadsAStoredBundleWithWhatItHolds() {
        HttpResponse<String> read = fhir(adminToken(), "GET", "Bundle/" + storedBundle, null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(read.body()).contains(nestedNhsNumber).contains("Bundlenested");
        HttpResponse<String> listed =
                fhir(anotherAdmin(), "GET", "List?subject=" + councilPatient + "&_include=List:item", null);
        // The include path is live: admin gets both items, another admin's Subscription without its secret.
        assertThat(listed.body())
                .contains(nestedNhsNumber)
                .contains("hooks.admin.test/" + run)
                .doesNotContain("admin-secret-" + run);
    }
}
