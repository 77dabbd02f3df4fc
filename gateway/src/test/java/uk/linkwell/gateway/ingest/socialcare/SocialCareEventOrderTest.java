package uk.linkwell.gateway.ingest.socialcare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.RelatedPerson;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;

/**
 * Events arriving out of order end in the same state as in order: different types own different resources (the
 * mapper's design), and of two events of the same type for the same case the one that happened later wins, even
 * when it arrives first (the gateway skips the older one).
 */
class SocialCareEventOrderTest extends SocialCareEventsTestBase {

    /** What one case's events write: resource type, identifier kind, and the item suffix after the case key. */
    private record Written(Class<? extends Resource> type, String kind, String item) {}

    private static final List<Written> WRITTEN = List.of(
            new Written(ServiceRequest.class, "referral", ""),
            new Written(Task.class, "referral-task", ""),
            new Written(Communication.class, "decline-letter", ""),
            new Written(EpisodeOfCare.class, "case", ""),
            new Written(CareTeam.class, "allocation", ""),
            new Written(Task.class, "assessment", ":ASMT-9001"),
            new Written(CarePlan.class, "care-plan", ""),
            new Written(CareTeam.class, "agencies", ""),
            new Written(Goal.class, "goal", ":G1"),
            new Written(Goal.class, "goal", ":G2"),
            new Written(ServiceRequest.class, "action", ":A1"),
            new Written(ServiceRequest.class, "action", ":A2"),
            new Written(Flag.class, "risk", ":R1"),
            new Written(Task.class, "review", ":REV-2027-1"),
            new Written(Task.class, "review", ":REV-2027-U1"),
            new Written(Flag.class, "safeguarding-enquiry", ":S42-0007"),
            new Written(Communication.class, "closure-letter", ""));

    /** Every example event of the case, plus a later re-allocation and a later care plan, in occurredAt order. */
    private static List<ObjectNode> history(Case c) {
        List<ObjectNode> events = new ArrayList<>();
        for (String type : TYPES) {
            events.add(event(type, c));
        }
        events.add(reallocation(c));
        events.add(laterPlan(c));
        events.sort((a, b) -> java.time.OffsetDateTime.parse(
                        a.path("occurredAt").asText())
                .compareTo(java.time.OffsetDateTime.parse(b.path("occurredAt").asText())));
        return events;
    }

    private static ObjectNode reallocation(Case c) {
        ObjectNode event = event("case-allocated", c);
        event.put("occurredAt", "2026-11-20T09:00:00Z");
        ObjectNode body = (ObjectNode) event.path("body");
        body.put("allocatedOn", "2026-11-20");
        body.put("complexity", "red");
        ((ObjectNode) body.path("worker")).put("id", "SW-0999").put("name", "Tom Reed");
        return event;
    }

    private static ObjectNode laterPlan(Case c) {
        ObjectNode event = event("care-plan-updated", c);
        event.put("occurredAt", "2026-12-15T10:00:00Z");
        ObjectNode body = (ObjectNode) event.path("body");
        body.put("planStart", "2026-12-15");
        ((ObjectNode) body.path("goals").get(0)).put("inPersonsWords", "I walk with the group every Tuesday now.");
        return event;
    }

    private List<Long> sendAll(List<ObjectNode> events) throws Exception {
        ArrayNode array = JSON.createArrayNode();
        events.forEach(array::add);
        HttpResponse<String> response = post(array);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        List<Long> ids = new ArrayList<>();
        for (JsonNode result : json(response).path("results")) {
            ids.add(result.path("messageId").asLong());
        }
        ids.forEach(this::awaitDone);
        return ids;
    }

    @Test
    void outOfOrderEndsInTheSameStateAsInOrder() throws Exception {
        Case inOrder = newCase();
        Case reversed = newCase();
        sendAll(history(inOrder));
        List<ObjectNode> backwards = history(reversed);
        Collections.reverse(backwards);
        List<Long> reversedIds = sendAll(backwards);

        for (Written w : WRITTEN) {
            assertThat(normalised(one(w.type(), w.kind(), inOrder.key() + w.item()), inOrder))
                    .as(w.kind() + w.item())
                    .isEqualTo(normalised(one(w.type(), w.kind(), reversed.key() + w.item()), reversed));
        }
        assertThat(normalised(one(RelatedPerson.class, "carer", inOrder.laPersonId() + ":C1"), inOrder))
                .isEqualTo(normalised(one(RelatedPerson.class, "carer", reversed.laPersonId() + ":C1"), reversed));

        // The end state is the later event's, whichever came first.
        for (Case c : List.of(inOrder, reversed)) {
            assertThat(one(CareTeam.class, "allocation", c.key())
                            .getCategoryFirstRep()
                            .getCodingFirstRep()
                            .getCode())
                    .isEqualTo("red");
            assertThat(one(Goal.class, "goal", c.key() + ":G1").getDescription().getText())
                    .isEqualTo("I walk with the group every Tuesday now.");
            assertThat(one(CarePlan.class, "care-plan", c.key())
                            .getPeriod()
                            .getStartElement()
                            .getValueAsString())
                    .isEqualTo("2026-12-15");
            assertThat(one(Task.class, "referral-task", c.key()).getStatus()).isEqualTo(Task.TaskStatus.REJECTED);
            assertThat(one(EpisodeOfCare.class, "case", c.key()).getStatus())
                    .isEqualTo(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        }
        // Reversed, the older plan, allocation and referral decision arrived last: done, but nothing written.
        List<ObjectNode> sent = backwards;
        for (int i = 0; i < sent.size(); i++) {
            Map<String, Object> row = row(reversedIds.get(i));
            String occurred = sent.get(i).path("occurredAt").asText();
            String type = sent.get(i).path("eventType").asText();
            boolean superseded = (type.equals("care-plan-updated") && occurred.startsWith("2026-11-10"))
                    || (type.equals("case-allocated") && occurred.startsWith("2026-11-06"))
                    || type.equals("referral-accepted");
            assertThat(row.get("STATUS")).isEqualTo("done");
            String resources = (String) row.get("RESOURCE_IDS");
            if (superseded) {
                assertThat(resources).as(type + " " + occurred).isNullOrEmpty();
                assertThat(row.get("PROVENANCE_ID")).isNull();
            } else {
                assertThat(resources).as(type + " " + occurred).isNotBlank();
            }
        }
    }

    @Test
    void anOlderEventOfTheSameTypeArrivingLaterIsSkipped() throws Exception {
        Case c = newCase();
        long newer = apply(laterPlan(c));
        String version = one(CarePlan.class, "care-plan", c.key()).getMeta().getVersionId();
        long older = apply(event("care-plan-updated", c));
        assertThat(row(older).get("RESOURCE_IDS"))
                .satisfiesAnyOf(
                        v -> assertThat(v).isNull(), v -> assertThat((String) v).isEmpty());
        CarePlan plan = one(CarePlan.class, "care-plan", c.key());
        assertThat(plan.getMeta().getVersionId()).isEqualTo(version);
        assertThat(plan.getPeriod().getStartElement().getValueAsString()).isEqualTo("2026-12-15");
        assertThat(row(newer).get("STATUS")).isEqualTo("done");

        // A newer one still applies after it, and so does the same type of another case of the same person.
        ObjectNode newest = laterPlan(c);
        newest.put("eventId", java.util.UUID.randomUUID().toString());
        newest.put("occurredAt", "2027-01-05T10:00:00Z");
        ((ObjectNode) newest.path("body")).put("planStart", "2027-01-05");
        apply(newest);
        assertThat(one(CarePlan.class, "care-plan", c.key())
                        .getPeriod()
                        .getStartElement()
                        .getValueAsString())
                .isEqualTo("2027-01-05");
        Case secondCase = new Case(c.nhsNumber(), c.laPersonId(), c.caseReference() + "-2");
        apply(event("care-plan-updated", secondCase));
        assertThat(one(CarePlan.class, "care-plan", secondCase.key())
                        .getPeriod()
                        .getStartElement()
                        .getValueAsString())
                .isEqualTo("2026-11-10");
    }

    /** The resource as JSON without what differs between two cases by construction: ids, versions, case keys. */
    private String normalised(Resource resource, Case c) {
        Resource copy = resource.copy();
        copy.setId((String) null);
        copy.getMeta().setVersionId(null).setLastUpdated(null).setSource(null);
        String json = fhirContext.newJsonParser().encodeResourceToString(copy);
        return json.replace(c.key(), "CASE")
                .replace(c.laPersonId(), "PERSON")
                .replace(c.nhsNumber(), "NHS")
                .replaceAll("\"reference\":\"(\\w+)/[A-Za-z0-9\\-.]+\"", "\"reference\":\"$1/*\"");
    }
}
