package uk.linkwell.gateway.ingest.socialcare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.MllpClient;

/**
 * A council's case comes only from its events about people it has a relationship with (a referral another
 * organisation addressed to it or its team, a discharge follow-up to its care management team, an episode it
 * manages). Any other event is answered exactly like the rest, kept, set aside as {@code unmatched} for an operator,
 * never applied, and applied once the relationship exists and it is reprocessed; the grant it then makes is in the
 * disclosure trail.
 */
class SocialCareEventMatchingTest extends SocialCareEventsTestBase {

    /** The care management team that receives discharges (linkwell.hospital.discharge.care-team-ods-code). */
    private static final String CARE_TEAM = "X26CMT";

    @Test
    void anEventAboutSomeoneUnknownOrUnrelatedIsAnsweredLikeAnyOtherAndParkedForMatching() throws Exception {
        Case related = newCase();
        Case stranger = strangerCase();
        Case unknown = unknownCase();
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (Case c : List.of(related, stranger, unknown)) {
            answers.add(post(event("referral-accepted", c)));
        }
        for (HttpResponse<String> answer : answers) {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
            assertThat(answer.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            assertThat(answer.headers().firstValue("Location")).isPresent();
        }
        // The same body but for the event's own ids: nothing says whether the gateway holds the person.
        JsonNode expected = withoutIds(json(answers.get(0)));
        assertThat(withoutIds(json(answers.get(1)))).isEqualTo(expected);
        assertThat(withoutIds(json(answers.get(2)))).isEqualTo(expected);
        assertThat(answers.get(2).body()).doesNotContain(unknown.nhsNumber());

        awaitDone(messageId(answers.get(0)));
        long strangerId = messageId(answers.get(1));
        long unknownId = messageId(answers.get(2));
        Map<String, Object> unrelated = awaitSettledAs(strangerId, "unmatched");
        assertThat((String) unrelated.get("LAST_ERROR"))
                .startsWith("no relationship between council 999 and this person: parked for matching")
                .contains(CARE_TEAM)
                .doesNotContain(stranger.nhsNumber());
        Map<String, Object> nobody = awaitSettledAs(unknownId, "unmatched");
        assertThat((String) nobody.get("LAST_ERROR"))
                .startsWith("no Patient with this NHS number is known to the gateway: parked for matching")
                .doesNotContain(unknown.nhsNumber());
        // Never applied: no decision, no case.
        for (Case c : List.of(stranger, unknown)) {
            assertThat(byIdentifier(Task.class, "referral-task", c.key())).isEmpty();
            assertThat(byIdentifier(EpisodeOfCare.class, "case", c.key())).isEmpty();
        }
        assertThat(one(EpisodeOfCare.class, "case", related.key()).getStatus())
                .isEqualTo(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);

        // An operator sees them, in a state of their own and with the reason.
        JsonNode list = admin("/admin/messages?status=unmatched&source=socialcare-events&limit=500");
        List<Long> listed = new ArrayList<>();
        list.path("items").forEach(item -> {
            assertThat(item.path("status").asText()).isEqualTo("unmatched");
            listed.add(item.path("id").asLong());
        });
        assertThat(listed).contains(strangerId, unknownId);
        assertThat(list.path("queue").path("byStatus").path("unmatched").asLong())
                .isGreaterThanOrEqualTo(2);
        JsonNode detail = admin("/admin/messages/" + strangerId);
        assertThat(detail.path("status").asText()).isEqualTo("unmatched");
        assertThat(detail.path("lastError").asText()).contains("parked for matching");
        assertThat(detail.path("resourceIds")).isEmpty();
    }

    @Test
    void onlyARelationshipAnotherOrganisationMadeLetsTheEventApplyWhenReprocessed() throws Exception {
        Case c = unknownCase();
        long id = messageId(post(event("referral-accepted", c)));
        awaitSettledAs(id, "unmatched");

        // The person becomes known: still no relationship.
        client().create().resource(LinkwellFixtures.patient(c.nhsNumber())).execute();
        String patient = patientId(c.nhsNumber());
        reprocess(id);
        assertThat((String) awaitSettledAs(id, "unmatched").get("LAST_ERROR")).startsWith("no relationship");

        // A referral to another council, and one the council addressed to itself, are not relationships.
        referToCouncil(c, "998");
        ServiceRequest selfAddressed =
                LinkwellFixtures.referral(new Reference(patient), organisation(LA), organisation(LA));
        selfAddressed
                .getMeta()
                .addTag()
                .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                .setCode(LA);
        client().create().resource(selfAddressed).execute();
        client().create()
                .resource(LinkwellFixtures.episode(
                        new Reference(patient), organisation("998"), EpisodeOfCare.EpisodeOfCareStatus.ACTIVE))
                .execute();
        reprocess(id);
        assertThat((String) awaitSettledAs(id, "unmatched").get("LAST_ERROR")).startsWith("no relationship");
        assertThat(byIdentifier(EpisodeOfCare.class, "case", c.key())).isEmpty();
        assertThat(councilSees(patient)).isFalse();

        // A GP practice refers the person to the council: the same message now applies, and the council has them.
        referToCouncil(c, LA);
        reprocess(id);
        awaitDone(id);
        EpisodeOfCare episode = one(EpisodeOfCare.class, "case", c.key());
        Organization council = client().read()
                .resource(Organization.class)
                .withId(episode.getManagingOrganization().getReferenceElement())
                .execute();
        assertThat(council.getIdentifierFirstRep().getValue()).isEqualTo(LA);
        assertThat(councilSees(patient)).isTrue();

        // The grant is in the disclosure trail: the council, the person, the episode and the message behind it.
        String episodeId = episode.getIdElement().toUnqualifiedVersionless().getValue();
        AuditEvent grant = awaitOneGrant(patient, episodeId);
        assertThat(grant.getType().getCode()).isEqualTo("110136");
        assertThat(grant.getSubtype()).anySatisfy(s -> assertThat(s.getCode()).isEqualTo("access-grant"));
        assertThat(grant.getOutcomeDesc()).isEqualTo("grant");
        assertThat(grant.getAgent())
                .anySatisfy(
                        a -> assertThat(a.getWho().getIdentifier().getValue()).isEqualTo(LA));
        assertThat(grant.getEntity())
                .anySatisfy(e -> assertThat(e.getWhat().getReference()).startsWith(patient + "/_history/"));
        assertThat(grant.getEntity())
                .anySatisfy(
                        e -> assertThat(e.getWhat().getIdentifier().getValue()).isEqualTo(String.valueOf(id)));
        assertThat(((StringType) grant.getExtensionByUrl(
                                        "https://fhir.linkwell.example/StructureDefinition/disclosure-basis")
                                .getValue())
                        .getValue())
                .isEqualTo("socialcare-events:referral-accepted");
        // Found as a grant, not among the disclosures.
        assertThat(auditEvents("AuditEvent?type=110106&entity=" + episodeId)).isEmpty();
    }

    /** The README tour's order: a discharge asks the care management team to follow up, then the council writes. */
    @Test
    void aDischargeFollowUpToTheCouncilsCareManagementTeamIsARelationship() throws Exception {
        Case c = strangerCase();
        String control = "M" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String visit = "V" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        String discharge = String.join(
                        "\r",
                        "MSH|^~\\&|PAS|RWELL|LINKWELL|LINKWELL|20261120103000||ADT^A03^ADT_A03|" + control + "|P|2.5.1",
                        "EVN|A03|20261120103000",
                        "PID|1||" + c.nhsNumber() + "^^^NHS^NH||Example^Jo||19480314|F",
                        "PV1|1|I|WARD1^^^RWELL||||||||||||||||" + visit
                                + "|||||||||||||||||||||||||20261110090000|20261120103000",
                        "ZDS|1")
                + "\r";
        try (MllpClient mllp = new MllpClient(mllpPort())) {
            assertThat(mllp.send(discharge)).contains("MSA|AA|" + control);
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "done"
                        .equals(jdbc.queryForObject(
                                "SELECT STATUS FROM LW_INBOUND_MESSAGE WHERE CONTROL_ID = ?", String.class, control)));
        ServiceRequest followUp = client()
                .search()
                .byUrl("ServiceRequest?subject=" + patientId(c.nhsNumber()))
                .returnBundle(Bundle.class)
                .execute()
                .getEntry()
                .stream()
                .map(e -> (ServiceRequest) e.getResource())
                .findFirst()
                .orElseThrow();
        assertThat(client().read()
                        .resource(Organization.class)
                        .withId(followUp.getPerformerFirstRep().getReferenceElement())
                        .execute()
                        .getIdentifierFirstRep()
                        .getValue())
                .isEqualTo(CARE_TEAM);
        // The tour's event: council 999 owns the care management team (linkwell.socialcare.councils.999.teams).
        apply(event("carer-identified", c));
        assertThat(byIdentifier(org.hl7.fhir.r4.model.RelatedPerson.class, "carer", c.laPersonId() + ":C1"))
                .hasSize(1);
    }

    @Test
    void anEpisodeTheCouncilAlreadyManagesIsARelationship() throws Exception {
        Case c = strangerCase();
        client().create()
                .resource(LinkwellFixtures.episode(
                        new Reference(patientId(c.nhsNumber())),
                        organisation(LA),
                        EpisodeOfCare.EpisodeOfCareStatus.FINISHED))
                .execute();
        apply(event("case-allocated", c));
    }

    /** The answer's JSON without what differs from event to event (its event and message ids). */
    private static JsonNode withoutIds(JsonNode answer) {
        ObjectNode copy = answer.deepCopy();
        copy.path("results").forEach(r -> ((ObjectNode) r).remove(List.of("eventId", "messageId", "message")));
        return copy;
    }

    private JsonNode admin(String path) throws Exception {
        HttpResponse<String> r = http().send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private void reprocess(long id) throws Exception {
        HttpResponse<String> r = http().send(
                        request("/admin/messages/" + id + "/reprocess")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    /** Whether council 999's own system finds the Patient through FHIR. */
    private boolean councilSees(String patient) throws Exception {
        HttpResponse<String> r = http().send(
                        HttpRequest.newBuilder(URI.create(
                                        fhirBase() + "/Patient?_id=" + patient.substring("Patient/".length())))
                                .header("Authorization", "Bearer " + socialCareToken())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200
                && fhirContext.newJsonParser().parseResource(Bundle.class, r.body()).getEntry().stream()
                        .anyMatch(e -> e.getResource()
                                .getIdElement()
                                .toUnqualifiedVersionless()
                                .getValue()
                                .equals(patient));
    }

    private List<AuditEvent> auditEvents(String query) {
        return client().search().byUrl(query).returnBundle(Bundle.class).execute().getEntry().stream()
                .map(e -> (AuditEvent) e.getResource())
                .toList();
    }

    /** The one access grant about the patient naming the resource (the trail is written a moment later). */
    private AuditEvent awaitOneGrant(String patient, String resource) {
        List<AuditEvent> grants = new ArrayList<>();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    grants.clear();
                    grants.addAll(
                            auditEvents("AuditEvent?subtype=access-grant&patient=" + patient + "&entity=" + resource));
                    assertThat(grants).hasSize(1);
                });
        return grants.get(0);
    }
}
