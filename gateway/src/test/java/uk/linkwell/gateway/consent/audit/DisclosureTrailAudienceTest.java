package uk.linkwell.gateway.consent.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;
import uk.linkwell.gateway.testsupport.TestTokens.Claims;

/**
 * The disclosure trail is read by its audience only: admin, and information-governance clients answering "who has
 * seen my record". Every other role gets one 403 for every AuditEvent, whatever its scopes; a page of a trail
 * search is the searching client's alone; and no other path (system search, {@code _revinclude}, batch) reaches
 * the trail. Each reproduction of issue 23's finding 7 is a test here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DisclosureTrailAudienceTest extends GatewayIntegrationTest {

    private static final String NOT_THE_AUDIENCE =
            "the disclosure trail (AuditEvent) is for the admin and information-governance roles only";
    /** Clients that looked at the person, as the trail names them. */
    private static final List<String> LOOKERS = List.of("trail-gp", "trail-council", "trail-link-worker");

    @Autowired
    DisclosureAudit audit;

    @Autowired
    JdbcTemplate jdbc;

    private String patient;
    private String nhsNumber;
    private String practitioner;
    private final List<String> eventIds = new ArrayList<>();

    @BeforeAll
    void aPersonSeenByThreeClients() {
        nhsNumber = SyntheticNhsNumbers.next();
        patient = client().create()
                .resource(LinkwellFixtures.patient(nhsNumber))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        // A link worker with the person on their caseload: the app that read the trail before.
        practitioner = client().create()
                .resource(LinkwellFixtures.practitioner("Trail-linkworker"))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        CareTeam team = new CareTeam()
                .setStatus(CareTeam.CareTeamStatus.ACTIVE)
                .setSubject(new Reference(patient))
                .setName("Trail care team");
        team.addParticipant().setMember(new Reference(practitioner));
        client().create().resource(team).execute();

        String[][] lookers = {
            {"trail-gp", "gp-system", "Y90001"},
            {"trail-council", "social-care-system", "999"},
            {"trail-link-worker", "link-worker-app", "LW0001"}
        };
        for (String[] looker : lookers) {
            audit.record(new Disclosure(
                    Instant.now(),
                    looker[0],
                    looker[1],
                    looker[2],
                    null,
                    patient,
                    List.of(patient),
                    "TREAT",
                    "permit",
                    "direct-care",
                    false,
                    null,
                    "fhir-read",
                    UUID.randomUUID().toString()));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> adminTrail("").getEntry().size() == 3);
        adminTrail("")
                .getEntry()
                .forEach(e -> eventIds.add(e.getResource().getIdElement().getIdPart()));
    }

    private Bundle adminTrail(String extra) {
        return client().search()
                .byUrl("AuditEvent?patient=" + patient + extra)
                .returnBundle(Bundle.class)
                .execute();
    }

    private String token(String role, String scopes) {
        return tokenFor(Claims.of(role, "T" + role.hashCode(), scopes));
    }

    private String linkWorkerToken(String scopes) {
        return tokenFor(Claims.of("link-worker-app", "LW0002", scopes).withPractitioner(practitioner));
    }

    private String informationGovernanceToken(String scopes) {
        return tokenFor(Claims.of("information-governance", "IG001", scopes).withClientId("trail-ig"));
    }

    /** Neither the trail's events nor who looked: no AuditEvent id, no client id of the trail. */
    private void assertNothingOfTheTrail(HttpResponse<String> response) {
        for (String id : eventIds) {
            assertThat(response.body()).doesNotContain(id);
        }
        for (String looker : LOOKERS) {
            assertThat(response.body()).doesNotContain(looker);
        }
        assertThat(response.body()).doesNotContain("\"AuditEvent\"");
    }

    private static void assertRefused(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.body()).contains("OperationOutcome").contains(NOT_THE_AUDIENCE);
    }

    @Test
    void aLinkWorkerAppWithAnAuditEventScopeDoesNotReadWhoElseLooked() {
        String app = linkWorkerToken("user/Patient.rs user/AuditEvent.rs");
        // The person is on the app's caseload: it reads them.
        assertThat(fhir(app, "GET", patient, null).statusCode()).isEqualTo(200);

        HttpResponse<String> search = fhir(app, "GET", "AuditEvent?patient=" + patient, null);
        assertRefused(search);
        assertNothingOfTheTrail(search);

        // One answer for an event of this person's trail and for an id never used: 403 is not an oracle.
        HttpResponse<String> read = fhir(app, "GET", "AuditEvent/" + eventIds.get(0), null);
        HttpResponse<String> unknown = fhir(app, "GET", "AuditEvent/" + UUID.randomUUID(), null);
        assertRefused(read);
        assertNothingOfTheTrail(read);
        assertThat(read.body()).isEqualTo(unknown.body());
        assertThat(fhir(app, "GET", "AuditEvent?patient=" + patient + "&_summary=count", null)
                        .body())
                .isEqualTo(search.body());
    }

    @Test
    void everyOtherRoleGetsTheSame403WhateverItsScopes() {
        String expected = null;
        for (String role : List.of("gp-system", "link-worker-app", "social-care-system", "hospital", "metrics")) {
            for (String scopes : List.of("system/*.cruds", "system/AuditEvent.rs", "system/Patient.rs")) {
                String token = token(role, scopes);
                for (String path : List.of(
                        "AuditEvent/" + eventIds.get(1),
                        "AuditEvent/" + UUID.randomUUID(),
                        "AuditEvent?patient=" + patient,
                        "AuditEvent?_id=" + eventIds.get(1))) {
                    HttpResponse<String> response = fhir(token, "GET", path, null);
                    assertRefused(response);
                    assertNothingOfTheTrail(response);
                    if (expected == null) {
                        expected = response.body();
                    }
                    assertThat(response.body())
                            .as(role + " " + scopes + " " + path)
                            .isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aCouncilSearchingByAnotherClientGetsNoEntryIds() {
        String council = token("social-care-system", "system/*.rs");
        HttpResponse<String> byClient = fhir(council, "GET", "AuditEvent?altid=trail-gp", null);
        assertRefused(byClient);
        assertNothingOfTheTrail(byClient);
        HttpResponse<String> counted = fhir(council, "GET", "AuditEvent?altid=trail-gp&_summary=count", null);
        assertRefused(counted);
        assertThat(counted.body()).doesNotContain("\"total\"");
    }

    @Test
    void anAdminsTrailPageReplayedByAnotherClientIsAnUnknownPage() {
        Bundle first = adminTrail("&_count=1");
        String next = first.getLink(Bundle.LINK_NEXT).getUrl();
        String searchId = next.replaceAll(".*_getpages=([^&]+).*", "$1");
        assertThat(searchId).startsWith("lw-trail-");
        String unknownId = "lw-trail-" + UUID.randomUUID();
        String unknownPage = next.replace(searchId, unknownId);

        for (String other : List.of(
                token("gp-system", "system/*.rs"),
                informationGovernanceToken("system/AuditEvent.rs"),
                tokenFor(Claims.of("admin", "X26", "system/*.cruds").withClientId("another-admin")))) {
            HttpResponse<String> replayed = fhir(other, "GET", next, null);
            HttpResponse<String> unknown = fhir(other, "GET", unknownPage, null);
            assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(410);
            assertThat(unknown.statusCode()).isEqualTo(410);
            assertThat(replayed.body()).isEqualTo(unknown.body().replace(unknownId, searchId));
            assertNothingOfTheTrail(replayed);
        }

        // The admin who searched pages on.
        HttpResponse<String> own = fhir(adminToken(), "GET", next, null);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        Bundle second = fhirContext.newJsonParser().parseResource(Bundle.class, own.body());
        assertThat(second.getEntry()).hasSize(1);
        assertThat(second.getEntryFirstRep().getResource()).isInstanceOf(AuditEvent.class);
    }

    @Test
    void informationGovernanceReadsThePersonsTrail() {
        String ig = informationGovernanceToken("system/AuditEvent.rs");
        HttpResponse<String> search = fhir(ig, "GET", "AuditEvent?patient=" + patient + "&_sort=-date", null);
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        Bundle trail = fhirContext.newJsonParser().parseResource(Bundle.class, search.body());
        assertThat(trail.getEntry())
                .extracting(e -> e.getResource().getIdElement().getIdPart())
                .containsExactlyInAnyOrderElementsOf(eventIds);
        assertThat(trail.getEntry())
                .extracting(
                        e -> ((AuditEvent) e.getResource()).getAgentFirstRep().getAltId())
                .containsExactlyInAnyOrderElementsOf(LOOKERS);

        HttpResponse<String> byNhsNumber = fhir(
                ig,
                "GET",
                "AuditEvent?patient.identifier=" + LinkwellFixtures.NHS + "|" + nhsNumber + "&_summary=count",
                null);
        assertThat(byNhsNumber.body()).as(byNhsNumber.body()).contains("\"total\": 3");
        HttpResponse<String> read = fhir(ig, "GET", "AuditEvent/" + eventIds.get(2), null);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);

        // Its own search pages on.
        Bundle first = fhirContext
                .newJsonParser()
                .parseResource(
                        Bundle.class,
                        fhir(ig, "GET", "AuditEvent?patient=" + patient + "&_count=2", null)
                                .body());
        HttpResponse<String> page =
                fhir(ig, "GET", first.getLink(Bundle.LINK_NEXT).getUrl(), null);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(fhirContext
                        .newJsonParser()
                        .parseResource(Bundle.class, page.body())
                        .getEntry())
                .hasSize(1);
    }

    @Test
    void informationGovernanceReadsNothingButTheTrailWhateverItsScopes() {
        String ig = informationGovernanceToken("system/*.cruds");
        for (String path : List.of(
                patient,
                "Patient?identifier=" + LinkwellFixtures.NHS + "|" + nhsNumber,
                "CareTeam?patient=" + patient,
                practitioner,
                "Organization",
                "Patient/" + patient.substring("Patient/".length()) + "/$everything")) {
            HttpResponse<String> response = fhir(ig, "GET", path, null);
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(403);
            assertThat(response.body())
                    .contains("an information-governance client reads the disclosure trail (AuditEvent) and nothing")
                    .doesNotContain(nhsNumber)
                    .doesNotContain("Testperson");
        }
        HttpResponse<String> write = fhir(
                ig,
                "POST",
                "Patient",
                fhirContext
                        .newJsonParser()
                        .encodeResourceToString(LinkwellFixtures.patient(SyntheticNhsNumbers.next())));
        assertThat(write.statusCode()).isEqualTo(403);
        // A page of another client's (JPA) search is not the trail either.
        client().create()
                .resource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .execute();
        Bundle patients = client().search()
                .byUrl("Patient?_count=1&_sort=_id")
                .returnBundle(Bundle.class)
                .execute();
        HttpResponse<String> replayed =
                fhir(ig, "GET", patients.getLink(Bundle.LINK_NEXT).getUrl(), null);
        assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(403);
        assertThat(replayed.body()).doesNotContain("\"Patient\"");
    }

    @Test
    void noOtherPathReachesTheTrail() {
        String gp = token("gp-system", "system/*.cruds");
        for (String path : List.of(
                "Patient?_id=" + patient.substring("Patient/".length()) + "&_revinclude=AuditEvent:patient",
                "Patient?_has:AuditEvent:patient:altid=trail-gp")) {
            HttpResponse<String> response = fhir(gp, "GET", path, null);
            assertRefused(response);
            assertNothingOfTheTrail(response);
        }
        // Not served at all, to anyone: a search across types (HAPI-0287), and a trail event's version, refused
        // alike for an event and an unused id before any record is looked at.
        for (String path : List.of("?_type=AuditEvent", "?_type=Patient,AuditEvent")) {
            HttpResponse<String> response = fhir(gp, "GET", path, null);
            assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(400);
            assertNothingOfTheTrail(response);
        }
        String unused = UUID.randomUUID().toString();
        HttpResponse<String> version = fhir(gp, "GET", "AuditEvent/" + eventIds.get(0) + "/_history/1", null);
        HttpResponse<String> unusedVersion = fhir(gp, "GET", "AuditEvent/" + unused + "/_history/1", null);
        assertThat(version.statusCode()).isEqualTo(400);
        assertThat(version.body()).isEqualTo(unusedVersion.body().replace(unused, eventIds.get(0)));
        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\","
                + "\"url\":\"AuditEvent?patient=" + patient + "\"}}]}";
        HttpResponse<String> batched = fhir(gp, "POST", "", batch);
        assertRefused(batched);
        assertNothingOfTheTrail(batched);

        // Nobody, admin included, puts AuditEvents into HAPI's own store beside the trail.
        String write = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":"
                + "\"POST\",\"url\":\"AuditEvent\"},\"resource\":{\"resourceType\":\"AuditEvent\",\"type\":{\"code\":"
                + "\"110106\"},\"recorded\":\"2026-12-01T10:00:00Z\",\"agent\":[{\"requestor\":true}],"
                + "\"source\":{\"observer\":{\"display\":\"forged\"}}}}]}";
        HttpResponse<String> forged = fhir(adminToken(), "POST", "", write);
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);
        assertThat(forged.body()).contains("the disclosure trail (AuditEvent) is written by the gateway alone");
        assertThat(jdbc.queryForObject(
                        "SELECT COUNT(*) FROM HFJ_RESOURCE WHERE RES_TYPE = 'AuditEvent'", Integer.class))
                .isZero();
    }
}
