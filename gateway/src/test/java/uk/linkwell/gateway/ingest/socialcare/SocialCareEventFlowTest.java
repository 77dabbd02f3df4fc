package uk.linkwell.gateway.ingest.socialcare;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.util.Map;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.RelatedPerson;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.Test;

/**
 * Every event type end to end: POST with the demo social-care client's real token, stored and answered 202, applied
 * by the worker, and the FHIR resources read back through the FHIR API.
 */
class SocialCareEventFlowTest extends SocialCareEventsTestBase {

    @Test
    void referralReceived() throws Exception {
        Case c = newCase();
        HttpResponse<String> response = post(event("referral-received", c));
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode result = json(response).path("results").get(0);
        assertThat(result.path("status").asText()).isEqualTo("accepted");
        assertThat(result.path("eventType").asText()).isEqualTo("referral-received");
        long id = result.path("messageId").asLong();
        assertThat(result.path("message").asText()).isEqualTo("/admin/messages/" + id);
        assertThat(response.headers().firstValue("Location")).hasValue("/admin/messages/" + id);
        Map<String, Object> stored = awaitDone(id);
        assertThat(stored.get("SOURCE")).isEqualTo("socialcare-events");
        assertThat(stored.get("SENDER")).isEqualTo(LA);
        assertThat(stored.get("MESSAGE_TYPE")).isEqualTo("referral-received");
        assertThat(stored.get("CONTROL_ID")).isEqualTo(result.path("eventId").asText());
        assertThat((String) stored.get("ORDERING_KEY"))
                .startsWith("socialcare:")
                .doesNotContain(c.nhsNumber());

        ServiceRequest referral = one(ServiceRequest.class, "referral", c.key());
        assertThat(referral.getStatus()).isEqualTo(ServiceRequest.ServiceRequestStatus.ACTIVE);
        assertThat(referral.getPriority()).isEqualTo(ServiceRequest.ServiceRequestPriority.ROUTINE);
        assertThat(referral.getSubject().getReference()).isEqualTo(patientId(c.nhsNumber()));
        assertThat(referral.getAuthoredOnElement().getValueAsString()).isEqualTo("2026-11-02");
        Organization gp = client().read()
                .resource(Organization.class)
                .withId(referral.getRequester().getReferenceElement())
                .execute();
        assertThat(gp.getIdentifierFirstRep().getValue()).isEqualTo("Y01234");
        Task screening = one(Task.class, "referral-task", c.key());
        assertThat(screening.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
        assertThat(screening.getRestriction().getPeriod().getEndElement().getValueAsString())
                .isEqualTo("2026-11-05T23:59:59+00:00");

        // Provenance links what the event wrote to its stored message.
        Provenance provenance = client().read()
                .resource(Provenance.class)
                .withId((String) stored.get("PROVENANCE_ID"))
                .execute();
        assertThat(provenance.getEntityFirstRep().getWhat().getIdentifier().getValue())
                .isEqualTo(String.valueOf(id));
        assertThat(provenance.getAgentFirstRep().getWho().getDisplay()).contains("local authority 999");
        assertThat(provenance.getTarget()).anySatisfy(t -> assertThat(t.getReference())
                .startsWith(referral.getIdElement().toUnqualifiedVersionless().getValue()));
    }

    @Test
    void referralAccepted() throws Exception {
        Case c = newCase();
        apply(event("referral-accepted", c));
        Task screening = one(Task.class, "referral-task", c.key());
        assertThat(screening.getStatus()).isEqualTo(Task.TaskStatus.ACCEPTED);
        assertThat(screening.getExecutionPeriod().getStartElement().getValueAsString())
                .isEqualTo("2026-11-03");
        EpisodeOfCare episode = one(EpisodeOfCare.class, "case", c.key());
        assertThat(episode.getStatus()).isEqualTo(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        assertThat(episode.getPatient().getReference()).isEqualTo(patientId(c.nhsNumber()));
        Organization council = client().read()
                .resource(Organization.class)
                .withId(episode.getManagingOrganization().getReferenceElement())
                .execute();
        assertThat(council.getIdentifierFirstRep().getValue()).isEqualTo(LA);
    }

    @Test
    void referralDeclined() throws Exception {
        Case c = newCase();
        apply(event("referral-declined", c));
        Task screening = one(Task.class, "referral-task", c.key());
        assertThat(screening.getStatus()).isEqualTo(Task.TaskStatus.REJECTED);
        assertThat(screening.getStatusReason().getCodingFirstRep().getCode()).isEqualTo("outside-criteria");
        assertThat(screening.getExtensionsByUrl(
                        "https://fhir.linkwell.example/StructureDefinition/recommended-alternative"))
                .hasSize(2);
        Communication letter = one(Communication.class, "decline-letter", c.key());
        assertThat(letter.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("decline-letter");
        assertThat(letter.getSubject().getReference()).isEqualTo(patientId(c.nhsNumber()));
        assertThat(letter.getRecipientFirstRep().getDisplay()).isEqualTo("The Limes Surgery");
    }

    @Test
    void caseAllocated() throws Exception {
        Case c = newCase();
        apply(event("case-allocated", c));
        CareTeam allocation = one(CareTeam.class, "allocation", c.key());
        assertThat(allocation.getCategoryFirstRep().getCodingFirstRep().getCode())
                .isEqualTo("amber");
        assertThat(allocation.getParticipant())
                .extracting(p -> p.getMember().getDisplay())
                .containsExactly("Priya Shah", "Adult Care Management Team 2");
        assertThat(allocation.getSubject().getReference()).isEqualTo(patientId(c.nhsNumber()));
    }

    @Test
    void assessmentCompleted() throws Exception {
        Case c = newCase();
        apply(event("assessment-completed", c));
        Task assessment = one(Task.class, "assessment", c.key() + ":ASMT-9001");
        assertThat(assessment.getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
        assertThat(assessment.getBusinessStatus().getText()).isEqualTo("eligible-needs-met-by-services");
        assertThat(assessment.getOutput()).hasSize(2);
        assertThat(assessment.getFor().getReference()).isEqualTo(patientId(c.nhsNumber()));
    }

    @Test
    void carePlanUpdated() throws Exception {
        Case c = newCase();
        apply(event("care-plan-updated", c));
        CarePlan plan = one(CarePlan.class, "care-plan", c.key());
        assertThat(plan.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("care-and-support-plan");
        assertThat(plan.getGoal()).hasSize(2);
        assertThat(plan.getActivity()).hasSize(2);
        Goal walking = one(Goal.class, "goal", c.key() + ":G1");
        assertThat(walking.getDescription().getText()).isEqualTo("I want to get back to my Tuesday walking group.");
        assertThat(walking.getExpressedBy().getReference()).isEqualTo(patientId(c.nhsNumber()));
        assertThat(one(ServiceRequest.class, "action", c.key() + ":A1").getIntent())
                .isEqualTo(ServiceRequest.ServiceRequestIntent.PLAN);
        assertThat(one(Flag.class, "risk", c.key() + ":R1").getCode().getText()).contains("Two falls");
        assertThat(one(CareTeam.class, "agencies", c.key()).getContained()).hasSize(2);
    }

    @Test
    void reviewScheduled() throws Exception {
        Case c = newCase();
        apply(event("review-scheduled", c));
        Task review = one(Task.class, "review", c.key() + ":REV-2027-1");
        assertThat(review.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
        assertThat(review.getCode().getText()).isEqualTo("Planned annual review");
        assertThat(review.getFor().getReference()).isEqualTo(patientId(c.nhsNumber()));
    }

    @Test
    void reviewCompleted() throws Exception {
        Case c = newCase();
        apply(event("review-completed", c));
        Task review = one(Task.class, "review", c.key() + ":REV-2027-U1");
        assertThat(review.getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
        assertThat(review.getCode().getText()).isEqualTo("Unscheduled review");
        assertThat(review.getBasedOnFirstRep().getIdentifier().getValue()).isEqualTo(c.key());
    }

    @Test
    void carerIdentified() throws Exception {
        Case c = newCase();
        apply(event("carer-identified", c));
        RelatedPerson carer = one(RelatedPerson.class, "carer", c.laPersonId() + ":C1");
        assertThat(carer.getNameFirstRep().getFamily()).isEqualTo("Fictional");
        assertThat(carer.getPatient().getReference()).isEqualTo(patientId(c.nhsNumber()));
        assertThat(carer.getMeta().getTag())
                .extracting(t -> t.getCode())
                .containsExactlyInAnyOrder("carers-register", "carers-assessment-offered");
    }

    @Test
    void safeguardingEnquiryOpened() throws Exception {
        Case c = newCase();
        apply(event("safeguarding-enquiry-opened", c));
        Flag enquiry = one(Flag.class, "safeguarding-enquiry", c.key() + ":S42-0007");
        assertThat(enquiry.getStatus()).isEqualTo(Flag.FlagStatus.ACTIVE);
        assertThat(enquiry.getMeta().getSecurity())
                .anySatisfy(s -> assertThat(s.getCode()).isEqualTo("R"));
        assertThat(enquiry.getPeriod().hasEnd()).isFalse();
    }

    @Test
    void safeguardingEnquiryClosed() throws Exception {
        Case c = newCase();
        apply(event("safeguarding-enquiry-closed", c));
        Flag enquiry = one(Flag.class, "safeguarding-enquiry", c.key() + ":S42-0007");
        assertThat(enquiry.getStatus()).isEqualTo(Flag.FlagStatus.INACTIVE);
        assertThat(enquiry.getPeriod().getEndElement().getValueAsString()).isEqualTo("2026-12-20");
        assertThat(enquiry.getCode().getText()).contains("Outcome:");
    }

    @Test
    void caseClosed() throws Exception {
        Case c = newCase();
        apply(event("case-closed", c));
        EpisodeOfCare episode = one(EpisodeOfCare.class, "case", c.key());
        assertThat(episode.getStatus()).isEqualTo(EpisodeOfCare.EpisodeOfCareStatus.FINISHED);
        assertThat(episode.getPeriod().getEndElement().getValueAsString()).isEqualTo("2027-03-01");
        Communication letter = one(Communication.class, "closure-letter", c.key());
        assertThat(letter.getCategoryFirstRep().getCodingFirstRep().getCode()).isEqualTo("closure-letter");
        assertThat(letter.getRecipient()).hasSize(2);
        assertThat(letter.getPayloadFirstRep().getContentStringType().getValue())
                .contains("sheltered housing");
    }

    @Test
    void aReplayedEventChangesNothing() throws Exception {
        Case c = newCase();
        ObjectNode plan = event("care-plan-updated", c);
        long id = apply(plan);
        CarePlan before = one(CarePlan.class, "care-plan", c.key());
        Goal goalBefore = one(Goal.class, "goal", c.key() + ":G1");
        long rows = jdbc.queryForObject("SELECT COUNT(*) FROM LW_INBOUND_MESSAGE", Long.class);
        int provenances = client().search()
                .forResource(Provenance.class)
                .totalMode(ca.uhn.fhir.rest.api.SearchTotalModeEnum.ACCURATE)
                .summaryMode(ca.uhn.fhir.rest.api.SummaryEnum.COUNT)
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                .execute()
                .getTotal();

        // The same event again, even with the event id in capitals: 202, marked duplicate, the same message.
        plan.put("eventId", plan.path("eventId").asText().toUpperCase());
        HttpResponse<String> replay = post(plan);
        assertThat(replay.statusCode()).isEqualTo(202);
        JsonNode body = json(replay);
        assertThat(body.path("duplicates").asInt()).isEqualTo(1);
        assertThat(body.path("results").get(0).path("status").asText()).isEqualTo("duplicate");
        assertThat(body.path("results").get(0).path("messageId").asLong()).isEqualTo(id);
        Thread.sleep(1000); // what a worker would need to pick up anything new

        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM LW_INBOUND_MESSAGE", Long.class))
                .isEqualTo(rows);
        assertThat(row(id).get("STATUS")).isEqualTo("done");
        CarePlan after = one(CarePlan.class, "care-plan", c.key());
        assertThat(after.getMeta().getVersionId()).isEqualTo(before.getMeta().getVersionId());
        assertThat(one(Goal.class, "goal", c.key() + ":G1").getMeta().getVersionId())
                .isEqualTo(goalBefore.getMeta().getVersionId());
        assertThat(byIdentifier(CarePlan.class, "care-plan", c.key())).hasSize(1);
        assertThat(client().search()
                        .forResource(Provenance.class)
                        .totalMode(ca.uhn.fhir.rest.api.SearchTotalModeEnum.ACCURATE)
                        .summaryMode(ca.uhn.fhir.rest.api.SummaryEnum.COUNT)
                        .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                        .execute()
                        .getTotal())
                .isEqualTo(provenances);
    }

    @Test
    void anArrayOfEventsIsStoredEventByEvent() throws Exception {
        Case c = newCase();
        ArrayNode events = JSON.createArrayNode();
        events.add(event("referral-received", c));
        events.add(event("referral-accepted", c));
        events.add(event("case-allocated", c));
        HttpResponse<String> response = post(events);
        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode body = json(response);
        assertThat(body.path("accepted").asInt()).isEqualTo(3);
        assertThat(response.headers().firstValue("Location")).isEmpty();
        for (int i = 0; i < 3; i++) {
            JsonNode result = body.path("results").get(i);
            assertThat(result.path("index").asInt()).isEqualTo(i);
            assertThat(result.path("eventId").asText())
                    .isEqualTo(events.get(i).path("eventId").asText());
            Map<String, Object> stored = awaitDone(result.path("messageId").asLong());
            // Each event is kept as its own exact bytes.
            assertThat(JSON.readTree((byte[]) stored.get("BODY"))).isEqualTo(events.get(i));
        }
        assertThat(one(Task.class, "referral-task", c.key()).getStatus()).isEqualTo(Task.TaskStatus.ACCEPTED);
        assertThat(one(CareTeam.class, "allocation", c.key())
                        .getCategoryFirstRep()
                        .getCodingFirstRep()
                        .getCode())
                .isEqualTo("amber");
    }

    @Test
    void anAdminMaySendForAnyCouncil() throws Exception {
        Case c = newCase();
        // The council it sends for needs its own relationship with the person, as any council does.
        referToCouncil(c, "X26ADM");
        ObjectNode event = event("carer-identified", c);
        event.put("localAuthority", "X26ADM");
        HttpResponse<String> response = post(JSON.writeValueAsString(event), adminToken(), "application/json");
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(row(messageId(response)).get("SENDER")).isEqualTo("X26ADM");
        awaitDone(messageId(response));
        assertThat(client().search()
                        .forResource(RelatedPerson.class)
                        .where(RelatedPerson.IDENTIFIER
                                .exactly()
                                .systemAndCode(
                                        "https://fhir.linkwell.example/Id/socialcare/X26ADM/carer",
                                        c.laPersonId() + ":C1"))
                        .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                        .execute()
                        .getEntry())
                .hasSize(1);
    }
}
