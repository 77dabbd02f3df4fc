package uk.linkwell.gateway.referral;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.profiles.LinkwellPackage;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * What a decision on a referral writes besides the Task: the case (EpisodeOfCare) and its allocation Task when it
 * is accepted, the decline letter (Communication to the referrer) when it is declined. Written by the gateway itself in the
 * database transaction of the Task's update, so both stand or fall with the decision; each is a conditional
 * create on an identifier derived from the Task, so a repeated request writes nothing twice.
 */
final class ReferralDecisions {

    static final String EPISODE_IDENTIFIER = LinkwellPackage.CANONICAL_BASE + "/Id/referral-episode";
    /** Identifies the allocation Task of an accepted referral: {@code <referral Task id>}. */
    static final String ALLOCATION_IDENTIFIER = LinkwellPackage.CANONICAL_BASE + "/Id/allocation";

    static final String DECLINE_LETTER_IDENTIFIER = LinkwellPackage.CANONICAL_BASE + "/Id/referral-decline-letter";
    static final String COMMUNICATION_CATEGORY = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/communication-category";
    static final String DECLINE_REASONS = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/referral-decline-reason";
    static final String SNOMED = "http://snomed.info/sct";

    private final DaoRegistry daos;
    private final ReferralRecords records;
    private final LinkwellPackage conformance;

    ReferralDecisions(DaoRegistry daos, ReferralRecords records, LinkwellPackage conformance) {
        this.daos = daos;
        this.records = records;
        this.conformance = conformance;
    }

    /** The case with the receiving team, from now: patient, managing team (the Task's owner), the referral. */
    void openCase(IdType task, Task accepted, Optional<ServiceRequest> referral, Date now) {
        EpisodeOfCare episode = new EpisodeOfCare();
        episode.addIdentifier().setSystem(EPISODE_IDENTIFIER).setValue(task.getIdPart());
        episode.setStatus(EpisodeOfCare.EpisodeOfCareStatus.ACTIVE);
        episode.addType(referral.filter(ServiceRequest::hasCode)
                .map(r -> r.getCode().copy())
                .orElseGet(() -> new CodeableConcept().setText("Referral accepted")));
        episode.setPatient(accepted.getFor().copy());
        episode.setManagingOrganization(accepted.getOwner().copy());
        episode.setPeriod(new Period().setStartElement(new DateTimeType(now)));
        episode.addReferralRequest(accepted.getFocus().copy());
        Optional<Extension> complexity = proposedComplexity(accepted, referral);
        complexity.ifPresent(c -> episode.addExtension(c.copy()));
        IIdType episodeId = daos.getResourceDao(EpisodeOfCare.class)
                .create(
                        episode,
                        "EpisodeOfCare?identifier=" + EPISODE_IDENTIFIER + "|" + task.getIdPart(),
                        new SystemRequestDetails())
                .getId()
                .toUnqualifiedVersionless();
        awaitAllocation(task, accepted, episodeId, complexity, now);
    }

    /**
     * The RAG complexity the team proposes for the case: on the accepting Task (the team's screening), else on the
     * referral (the referrer's view). Without either, the allocation asks for it.
     */
    static Optional<Extension> proposedComplexity(Task accepted, Optional<ServiceRequest> referral) {
        return accepted.getExtensionsByUrl(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION).stream()
                .filter(Extension::hasValue)
                .findFirst()
                .or(() -> referral.flatMap(
                        r -> r.getExtensionsByUrl(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION).stream()
                                .filter(Extension::hasValue)
                                .findFirst()));
    }

    /**
     * The case waits for the team's allocation meeting as an allocation Task (care-task|allocation) with the team
     * as owner until a worker is named; the {@code workflow} package handles its completion.
     */
    private void awaitAllocation(
            IdType task, Task accepted, IIdType episode, Optional<Extension> complexity, Date now) {
        Task allocation = new Task();
        allocation.addIdentifier().setSystem(ALLOCATION_IDENTIFIER).setValue(task.getIdPart());
        allocation.setStatus(Task.TaskStatus.REQUESTED);
        allocation.setIntent(Task.TaskIntent.ORDER);
        allocation.setCode(
                new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, "allocation", "Allocation")));
        allocation.setFor(accepted.getFor().copy());
        allocation.setFocus(new Reference(episode));
        allocation.addBasedOn(new Reference(task.toUnqualifiedVersionless()));
        allocation.setRequester(accepted.getOwner().copy());
        allocation.setOwner(accepted.getOwner().copy());
        allocation.setAuthoredOnElement(new DateTimeType(now));
        complexity.ifPresent(c -> allocation.addExtension(c.copy()));
        daos.getResourceDao(Task.class)
                .create(
                        allocation,
                        "Task?identifier=" + ALLOCATION_IDENTIFIER + "|" + task.getIdPart(),
                        new SystemRequestDetails());
    }

    /** The reasons and the recommended alternatives, in writing, from the team to the referrer. */
    void writeDeclineLetter(IdType task, Task declined, Reference referrer, Date now) {
        Communication letter = new Communication();
        letter.addIdentifier().setSystem(DECLINE_LETTER_IDENTIFIER).setValue(task.getIdPart());
        letter.setStatus(Communication.CommunicationStatus.COMPLETED);
        letter.addCategory(
                new CodeableConcept(new Coding(COMMUNICATION_CATEGORY, "decline-letter", "Referral decline letter")));
        letter.setSubject(declined.getFor().copy());
        letter.addAbout(new Reference(task.toUnqualifiedVersionless()));
        letter.addAbout(declined.getFocus().copy());
        letter.addRecipient(referrer.copy());
        letter.setSender(declined.getOwner().copy());
        letter.setSentElement(new DateTimeType(now));
        letter.addPayload().setContent(new StringType(letterText(declined)));
        daos.getResourceDao(Communication.class)
                .create(
                        letter,
                        "Communication?identifier=" + DECLINE_LETTER_IDENTIFIER + "|" + task.getIdPart(),
                        new SystemRequestDetails());
    }

    String letterText(Task declined) {
        StringBuilder text = new StringBuilder("We are unable to accept this referral.");
        text.append(" Reason: ").append(reasonText(declined.getStatusReason())).append('.');
        if (declined.getStatusReason().hasText()) {
            text.append(' ').append(declined.getStatusReason().getText().trim());
            if (!declined.getStatusReason().getText().trim().endsWith(".")) {
                text.append('.');
            }
        }
        declined.getNote().stream().filter(n -> n.hasText()).forEach(n -> text.append(' ')
                .append(n.getText().trim()));
        text.append(" Services that may help instead:");
        List<Extension> alternatives = declined.getExtensionsByUrl(LinkwellProfiles.RECOMMENDED_ALTERNATIVE_EXTENSION);
        for (Extension alternative : alternatives) {
            text.append(' ').append(alternativeText(alternative)).append(';');
        }
        return text.toString();
    }

    private String reasonText(CodeableConcept reason) {
        for (Coding coding : reason.getCoding()) {
            String display = coding.hasDisplay() ? coding.getDisplay() : displayOf(coding);
            if (display != null) {
                return display + " (" + coding.getCode() + ")";
            }
            if (coding.hasCode()) {
                return coding.getCode();
            }
        }
        return reason.hasText() ? reason.getText() : "not stated";
    }

    private String displayOf(Coding coding) {
        if (!DECLINE_REASONS.equals(coding.getSystem())) {
            return null;
        }
        return conformance.codeSystems().stream()
                .filter(cs -> DECLINE_REASONS.equals(cs.getUrl()))
                .flatMap(cs -> cs.getConcept().stream())
                .filter(c -> c.getCode().equals(coding.getCode()))
                .map(c -> c.getDisplay())
                .findFirst()
                .orElse(null);
    }

    private String alternativeText(Extension alternative) {
        if (alternative.getValue() instanceof CodeableConcept concept) {
            if (concept.hasText()) {
                return concept.getText();
            }
            return concept.getCoding().stream()
                    .map(c -> c.hasDisplay() ? c.getDisplay() : c.getCode())
                    .findFirst()
                    .orElse("(unnamed service)");
        }
        if (alternative.getValue() instanceof Reference reference) {
            return records.nameOf(reference);
        }
        return "(unnamed service)";
    }
}
