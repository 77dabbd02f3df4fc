package uk.linkwell.mappings.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;

/**
 * referral-received, -accepted and -declined: the referral (ServiceRequest, owned by received), its Task
 * (placeholder from received, owned by the decision), the decline letter and the episode's placeholder.
 */
final class ReferralEvents {

    static final String DECLINE_REASONS = CaseIdentity.BASE + "/CodeSystem/referral-decline-reason";
    static final String COMMUNICATION_CATEGORY = CaseIdentity.BASE + "/CodeSystem/communication-category";
    static final String RECOMMENDED_ALTERNATIVE = CaseIdentity.BASE + "/StructureDefinition/recommended-alternative";

    private ReferralEvents() {}

    static void received(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        LocalDate receivedOn = e.date("receivedOn");
        boolean urgent = e.flag("urgent");
        ServiceRequest referral = new ServiceRequest();
        referral.addIdentifier(c.caseId("referral"));
        referral.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
        referral.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        referral.setCode(CaseIdentity.concept(CaseIdentity.SNOMED, "3457005", "Patient referral")
                .setText("Referral to adult social care"));
        referral.setPriority(
                urgent ? ServiceRequest.ServiceRequestPriority.URGENT : ServiceRequest.ServiceRequestPriority.ROUTINE);
        referral.setSubject(c.patient());
        referral.setAuthoredOnElement(new org.hl7.fhir.r4.model.DateTimeType(receivedOn.toString()));
        JsonNode referrer = e.body().path("referrer");
        referral.setRequester(referrer.isMissingNode() ? c.patient() : c.organisation(referrer));
        referral.addPerformer(c.localAuthority());
        referral.addReasonCode(CaseIdentity.text(e.requireText("reason")));
        referral.addCategory(CaseIdentity.text("source: " + e.requireText("source")));
        Reference focus = c.transaction.put(referral, c.caseId("referral"));

        // A placeholder: the decision event owns the Task and replaces it whatever the order of arrival.
        Task task = referralTask(c, Task.TaskStatus.REQUESTED, focus);
        task.getRestriction()
                .setPeriod(new Period()
                        .setEndElement(CaseIdentity.endOfDay(urgent ? receivedOn : receivedOn.plusDays(3))));
        c.transaction.createIfAbsent(task, c.caseId("referral-task"));
    }

    static void accepted(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        LocalDate acceptedOn = e.date("acceptedOn");
        Task task = referralTask(c, Task.TaskStatus.ACCEPTED, c.referral());
        task.setExecutionPeriod(
                new Period().setStartElement(new org.hl7.fhir.r4.model.DateTimeType(acceptedOn.toString())));
        c.transaction.put(task, c.caseId("referral-task"));
        // The episode's placeholder; case-closed owns the episode (it carries the opening date too).
        EpisodeOfCare episode = CaseEvents.episode(
                c, EpisodeOfCare.EpisodeOfCareStatus.ACTIVE, acceptedOn, null, e.requireText("service"));
        c.transaction.createIfAbsent(episode, c.caseId("case"));
    }

    static void declined(CaseIdentity c) throws CaseEventException {
        CaseEvent e = c.event;
        LocalDate declinedOn = e.date("declinedOn");
        Task task = referralTask(c, Task.TaskStatus.REJECTED, c.referral());
        JsonNode firstReason = e.body().path("reasons").path(0);
        task.setStatusReason(CaseIdentity.concept(DECLINE_REASONS, firstReason.asText(), null));
        task.setExecutionPeriod(
                new Period().setEndElement(new org.hl7.fhir.r4.model.DateTimeType(declinedOn.toString())));
        StringBuilder letter = new StringBuilder("We are unable to accept this referral. ")
                .append(e.requireText("explanation"))
                .append(" Reasons:");
        for (JsonNode reason : e.list("reasons")) {
            letter.append(' ').append(reason.asText()).append(';');
            if (reason != firstReason) {
                task.addNote().setText("further reason: " + reason.asText());
            }
        }
        letter.append(" Services that may help instead:");
        for (JsonNode alternative : e.list("alternatives")) {
            Reference organisation = c.organisation(alternative);
            Extension extension = task.addExtension().setUrl(RECOMMENDED_ALTERNATIVE);
            if (organisation.hasIdentifier()) {
                extension.setValue(organisation);
            } else {
                extension.setValue(CaseIdentity.text(organisation.getDisplay()));
            }
            letter.append(' ').append(alternative.path("name").asText()).append(';');
        }
        c.transaction.put(task, c.caseId("referral-task"));

        Communication communication = new Communication();
        communication.addIdentifier(c.caseId("decline-letter"));
        communication.setStatus(Communication.CommunicationStatus.COMPLETED);
        communication.addCategory(CaseIdentity.concept(COMMUNICATION_CATEGORY, "decline-letter", null));
        communication.setSubject(c.patient());
        communication.addAbout(c.referral());
        communication.addRecipient(c.organisation(e.body().path("referrer")));
        communication.setSender(c.localAuthority());
        communication.setSentElement(CaseIdentity.occurred(e));
        communication.addPayload().setContent(new StringType(letter.toString()));
        c.transaction.put(communication, c.caseId("decline-letter"));
    }

    private static Task referralTask(CaseIdentity c, Task.TaskStatus status, Reference focus) {
        Task task = new Task();
        task.addIdentifier(c.caseId("referral-task"));
        task.setStatus(status);
        task.setIntent(Task.TaskIntent.ORDER);
        task.setCode(CaseIdentity.text("Screen the referral to adult social care"));
        task.setFocus(focus);
        task.setFor(c.patient());
        task.setAuthoredOnElement(CaseIdentity.occurred(c.event));
        task.setOwner(c.localAuthority());
        return task;
    }
}
