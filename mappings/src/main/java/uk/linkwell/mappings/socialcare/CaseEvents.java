package uk.linkwell.mappings.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * case-allocated (the allocation CareTeam: worker, team, complexity) and case-closed (owner of the
 * EpisodeOfCare, and the closure letter to the person copied to the GP).
 */
final class CaseEvents {

    static final String COMPLEXITY = CaseIdentity.BASE + "/CodeSystem/complexity-rating";

    private CaseEvents() {}

    /**
     * The allocation. The complexity colour is CareTeam.category (code system complexity-rating): the
     * EpisodeOfCare's complexity extension would need a second writer of the episode, and a full PUT by
     * one would erase the other's elements.
     */
    static void allocated(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        LocalDate allocatedOn = e.date("allocatedOn");
        JsonNode worker = e.body().path("worker");
        JsonNode team = e.body().path("team");
        CareTeam allocation = new CareTeam();
        allocation.addIdentifier(c.caseId("allocation"));
        allocation.setStatus(CareTeam.CareTeamStatus.ACTIVE);
        String complexity = e.requireText("complexity");
        allocation.addCategory(CaseIdentity.concept(COMPLEXITY, complexity, null));
        allocation.setName(team.path("name").asText());
        allocation.setSubject(c.patient());
        allocation.setPeriod(new Period().setStartElement(new DateTimeType(allocatedOn.toString())));
        allocation
                .addParticipant()
                .addRole(CaseIdentity.text("allocated worker"))
                .setMember(new Reference()
                        .setType("Practitioner")
                        .setDisplay(worker.path("name").asText())
                        .setIdentifier(c.id("worker", worker.path("id").asText())));
        allocation
                .addParticipant()
                .addRole(CaseIdentity.text("team"))
                .setMember(new Reference()
                        .setType("CareTeam")
                        .setDisplay(team.path("name").asText())
                        .setIdentifier(c.id("team", team.path("id").asText())));
        allocation.addManagingOrganization(c.localAuthority());
        c.transaction.put(allocation, c.caseId("allocation"));
    }

    static void closed(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        LocalDate openedOn = e.date("openedOn");
        LocalDate closedOn = e.date("closedOn");
        if (closedOn.isBefore(openedOn)) {
            throw new CaseEventException("/body/closedOn", "must not be before openedOn");
        }
        EpisodeOfCare episode =
                episode(c, EpisodeOfCare.EpisodeOfCareStatus.FINISHED, openedOn, closedOn, e.requireText("service"));
        c.transaction.put(episode, c.caseId("case"));

        JsonNode letter = e.body().path("letter");
        StringBuilder text = new StringBuilder(e.requireText("summary"));
        java.util.List<JsonNode> movingOn = e.list("movingOnTo");
        if (!movingOn.isEmpty()) {
            text.append(" Services you move on to:");
            movingOn.forEach(
                    s -> text.append(' ').append(s.path("name").asText()).append(';'));
        }
        Communication closure = new Communication();
        closure.addIdentifier(c.caseId("closure-letter"));
        closure.setStatus(Communication.CommunicationStatus.COMPLETED);
        closure.addCategory(CaseIdentity.concept(ReferralEvents.COMMUNICATION_CATEGORY, "closure-letter", null));
        closure.setSubject(c.patient());
        closure.addAbout(CaseIdentity.byIdentifier("EpisodeOfCare", c.caseId("case")));
        closure.addRecipient(c.patient());
        closure.addRecipient(c.organisation(letter.path("gp")));
        closure.setSender(c.localAuthority());
        closure.setSentElement(new DateTimeType(letter.path("sentAt").asText()));
        closure.addPayload().setContent(new StringType(text.toString()));
        for (JsonNode service : movingOn) {
            closure.addAbout(c.organisation(service));
        }
        c.transaction.put(closure, c.caseId("closure-letter"));
    }

    /** The case as LinkwellEpisodeOfCare: the service, the council, the referral and the allocation. */
    static EpisodeOfCare episode(
            CaseIdentity c, EpisodeOfCare.EpisodeOfCareStatus status, LocalDate start, LocalDate end, String service) {
        EpisodeOfCare episode = new EpisodeOfCare();
        episode.addIdentifier(c.caseId("case"));
        episode.setStatus(status);
        episode.addType(CaseIdentity.text(service));
        episode.setPatient(c.patient());
        episode.setManagingOrganization(c.localAuthority());
        Period period = new Period().setStartElement(new DateTimeType(start.toString()));
        if (end != null) {
            period.setEndElement(new DateTimeType(end.toString()));
        }
        episode.setPeriod(period);
        episode.addReferralRequest(c.referral());
        episode.addTeam(CaseIdentity.byIdentifier("CareTeam", c.caseId("allocation")));
        return episode;
    }
}
