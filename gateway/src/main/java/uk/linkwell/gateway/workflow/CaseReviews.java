package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.EpisodeOfCare.EpisodeOfCareStatus;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.referral.ReferralClock;
import uk.linkwell.profiles.LinkwellPackage;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Keeps every active case (EpisodeOfCare {@code active}) under review: a scheduled review Task from the moment the
 * case becomes active, due the configured interval after the last completed review or the start; an unscheduled
 * one when something happens to the person (an inpatient admission, a safeguarding enquiry, a carer's breakdown, a
 * change of circumstances); the next scheduled one when a review is completed (which may change the case's RAG
 * complexity, on the case and its plans); and none left open once the case ends. A HAPI storage interceptor, so it
 * sees every door's writes (REST, a transaction's entries, the inbound worker) and writes in their transaction.
 */
@Interceptor
public class CaseReviews {

    private static final Logger log = LoggerFactory.getLogger(CaseReviews.class);

    /**
     * Identifies a review Task by what opened it: {@code <case id>/<trigger>/<name-based UUID of the cause>} (the
     * case's version that made it active, the event, or the completed review), so no record's id is shown in it.
     */
    public static final String REVIEW_IDENTIFIER = LinkwellPackage.CANONICAL_BASE + "/Id/case-review";

    static final String REVIEW_CODE = "review";
    static final String OUTCOME = "outcome";
    static final String COMPLEXITY_SYSTEM = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/complexity-rating";
    private static final String FLAG_CATEGORY = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/flag-category";
    private static final String COMMUNICATION_CATEGORY =
            LinkwellPackage.CANONICAL_BASE + "/CodeSystem/communication-category";
    private static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private static final Set<String> COMPLEXITIES = Set.of("red", "amber", "green");
    private static final Set<EpisodeOfCareStatus> ENDED =
            Set.of(EpisodeOfCareStatus.FINISHED, EpisodeOfCareStatus.CANCELLED, EpisodeOfCareStatus.ENTEREDINERROR);

    /** After the referral workflow (-50), before profile validation (0), so a refusal names what reviews need. */
    static final int ORDER = -45;

    private final ReviewClock clock;
    private final ReviewRecords records;

    /** Whether the readers of a case (an organisation, in a role) may know of an event: the consent engine's say. */
    @FunctionalInterface
    interface EventReaders {
        boolean mayKnow(DomainResource event, String organisation, String role);
    }

    /** The roles that read a case's records when the case does not name the role that wrote it. */
    static final List<String> CASE_ROLES = List.of("social-care-system", "link-worker-app");

    private final EventReaders readers;

    CaseReviews(ReviewClock clock, ReviewRecords records, EventReaders readers) {
        this.clock = clock;
        this.records = records;
        this.readers = readers;
    }

    /** A closed review stays closed; a completed one records its outcome (and a RAG complexity, if given, is one). */
    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updating(IBaseResource previous, IBaseResource resource) {
        if (!(resource instanceof Task task) || !(previous instanceof Task before) || !isReview(before)) {
            return;
        }
        String id = before.getIdElement().toUnqualifiedVersionless().getValue();
        if (isClosed(before.getStatus()) && task.getStatus() != before.getStatus()) {
            throw conflict(
                    "Review " + id + " is '" + code(before.getStatus()) + "' and stays so; the next review is a Task"
                            + " of its own (Task?code=review&status=requested&focus="
                            + before.getFocus().getReference()
                            + ")",
                    "Task.status");
        }
        if (task.getStatus() == TaskStatus.COMPLETED && before.getStatus() != TaskStatus.COMPLETED) {
            checkCompletion(task);
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void creating(IBaseResource resource) {
        if (resource instanceof Task task && isReview(task) && task.getStatus() == TaskStatus.COMPLETED) {
            checkCompletion(task);
        }
    }

    /** The outcome is there; the day it was done is the next interval's start (now, unless the writer says). */
    private void checkCompletion(Task task) {
        requireOutcome(task);
        if (!task.getExecutionPeriod().hasEnd()) {
            task.getExecutionPeriod().setEndElement(new DateTimeType(Date.from(clock.now())));
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof EpisodeOfCare episode && episode.getStatus() == EpisodeOfCareStatus.ACTIVE) {
            scheduleFirst(episode);
        } else if (resource instanceof Encounter encounter && isInpatientAdmission(encounter)) {
            unscheduled(encounter.getSubject(), ReviewTrigger.HOSPITAL_ADMISSION, encounter);
        } else if (resource instanceof Flag flag && flag.getStatus() == Flag.FlagStatus.ACTIVE) {
            flagTrigger(flag).ifPresent(trigger -> unscheduled(flag.getSubject(), trigger, flag));
        } else if (resource instanceof Communication change && isChangeOfCircumstances(change)) {
            unscheduled(change.getSubject(), ReviewTrigger.CHANGE_OF_CIRCUMSTANCES, change);
        } else if (resource instanceof Task task && isReview(task) && task.getStatus() == TaskStatus.COMPLETED) {
            completed(task);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (resource instanceof EpisodeOfCare episode && previous instanceof EpisodeOfCare before) {
            boolean was = before.getStatus() == EpisodeOfCareStatus.ACTIVE;
            boolean is = episode.getStatus() == EpisodeOfCareStatus.ACTIVE;
            if (!was && is) {
                scheduleFirst(episode);
            } else if (was && ENDED.contains(episode.getStatus())) {
                caseEnded(episode);
            } else if (was && is && !Objects.equals(complexityOf(before), complexityOf(episode))) {
                reschedule(episode);
            }
        } else if (resource instanceof Encounter encounter
                && isInpatientAdmission(encounter)
                && !(previous instanceof Encounter before
                        && before.getStatus() == Encounter.EncounterStatus.INPROGRESS)) {
            unscheduled(encounter.getSubject(), ReviewTrigger.HOSPITAL_ADMISSION, encounter);
        } else if (resource instanceof Flag flag
                && flag.getStatus() == Flag.FlagStatus.ACTIVE
                && !(previous instanceof Flag before && before.getStatus() == Flag.FlagStatus.ACTIVE)) {
            flagTrigger(flag).ifPresent(trigger -> unscheduled(flag.getSubject(), trigger, flag));
        } else if (resource instanceof Task task
                && isReview(task)
                && task.getStatus() == TaskStatus.COMPLETED
                && !(previous instanceof Task before && before.getStatus() == TaskStatus.COMPLETED)) {
            completed(task);
        }
    }

    /** A Task of the care process coded {@code care-task|review}. */
    public static boolean isReview(Task task) {
        return task.getCode().getCoding().stream()
                .anyMatch(c ->
                        LinkwellProfiles.CARE_TASK_SYSTEM.equals(c.getSystem()) && REVIEW_CODE.equals(c.getCode()));
    }

    private static boolean isClosed(TaskStatus status) {
        return status == TaskStatus.COMPLETED || status == TaskStatus.CANCELLED;
    }

    /** An inpatient stay begun (ADT A01 from the hospital feed: class IMP, in progress). */
    private static boolean isInpatientAdmission(Encounter encounter) {
        return encounter.getStatus() == Encounter.EncounterStatus.INPROGRESS
                && ACT_CODE.equals(encounter.getClass_().getSystem())
                && "IMP".equals(encounter.getClass_().getCode());
    }

    private static Optional<ReviewTrigger> flagTrigger(Flag flag) {
        for (CodeableConcept category : flag.getCategory()) {
            for (Coding coding : category.getCoding()) {
                if (FLAG_CATEGORY.equals(coding.getSystem())) {
                    if ("safeguarding-concern".equals(coding.getCode())) {
                        return Optional.of(ReviewTrigger.SAFEGUARDING_ENQUIRY);
                    }
                    if ("carer-breakdown".equals(coding.getCode())) {
                        return Optional.of(ReviewTrigger.CARER_BREAKDOWN);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isChangeOfCircumstances(Communication communication) {
        return communication.getStatus() != Communication.CommunicationStatus.ENTEREDINERROR
                && communication.getCategory().stream()
                        .flatMap(c -> c.getCoding().stream())
                        .anyMatch(c -> COMMUNICATION_CATEGORY.equals(c.getSystem())
                                && "change-of-circumstances".equals(c.getCode()));
    }

    private static void requireOutcome(Task task) {
        boolean outcome = task.getOutput().stream()
                .anyMatch(o -> OUTCOME.equals(o.getType().getText())
                        || o.getType().getCoding().stream().anyMatch(c -> OUTCOME.equals(c.getCode())));
        if (!outcome) {
            throw unprocessable(
                    "A completed review records its outcome: Task.output with type.text 'outcome' and a valueString",
                    "Task.output");
        }
        Extension rating = task.getExtensionByUrl(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION);
        if (rating != null && complexityOf(task) == null) {
            throw unprocessable(
                    "The review's complexity-rating is one of red, amber, green (CodeSystem complexity-rating)",
                    "Task.extension('" + LinkwellProfiles.COMPLEXITY_RATING_EXTENSION + "')");
        }
    }

    /** The case's first scheduled review, from the last review already completed (a case reopened) or its start. */
    private void scheduleFirst(EpisodeOfCare episode) {
        String ref = ref(episode);
        LocalDate since = records.lastCompleted(ref)
                .map(t -> clock.dayOf(ReviewRecords.doneAt(t).toInstant()))
                .orElseGet(() -> episode.getPeriod().hasStart()
                        ? clock.dayOf(episode.getPeriod().getStart().toInstant())
                        : clock.dayOf(clock.now()));
        String version = episode.getIdElement().hasVersionIdPart()
                ? episode.getIdElement().getVersionIdPart()
                : "1";
        open(
                episode,
                ReviewTrigger.SCHEDULED,
                ref + "/_history/" + version,
                null,
                since,
                clock.scheduledDue(since, complexityOf(episode)));
    }

    /** Something happened to the person: each of their active cases gets a review of that kind, unless one is open. */
    private void unscheduled(Reference subject, ReviewTrigger trigger, DomainResource cause) {
        IIdType patient = subject.getReferenceElement();
        if (!"Patient".equals(patient.getResourceType()) || !patient.hasIdPart()) {
            return;
        }
        List<EpisodeOfCare> cases = records.activeCases("Patient/" + patient.getIdPart());
        if (cases.isEmpty()) {
            log.debug("{} of a person with no active case: no review", ref(cause));
            return;
        }
        for (EpisodeOfCare episode : cases) {
            open(episode, trigger, ref(cause), cause, null, clock.unscheduledDue());
        }
    }

    /**
     * Opens a review of the case unless one of the same kind is open (a second admission while the first one's
     * review is still to do adds nothing), conditional on an identifier derived from its cause (the same trigger
     * applied twice adds nothing either).
     *
     * <p>An event that triggered it ({@code event}, else null) is named by kind only, never by id: the review's
     * readers are the case's, who may not see the event (a council's restricted safeguarding Flag, a hospital
     * stay), and a hidden record must look like a missing one. The review carries the event's security labels, so
     * a Consent that withholds such records (e.g. Confidentiality R) withholds the review of them too.
     */
    private void open(
            EpisodeOfCare episode,
            ReviewTrigger trigger,
            String cause,
            DomainResource event,
            LocalDate since,
            ZonedDateTime due) {
        String ref = ref(episode);
        Optional<Task> already = records.reviews(ref, TaskStatus.REQUESTED).stream()
                .filter(t -> ReviewTrigger.of(t).orElse(null) == trigger)
                .findFirst();
        if (already.isPresent()) {
            log.info(
                    "{} already has an open {} review ({}): {} adds none",
                    ref,
                    trigger.code(),
                    ref(already.get()),
                    cause);
            return;
        }
        Task review = new Task();
        review.addIdentifier()
                .setSystem(REVIEW_IDENTIFIER)
                .setValue(episode.getIdElement().getIdPart() + "/" + trigger.code() + "/"
                        + UUID.nameUUIDFromBytes(cause.getBytes(StandardCharsets.UTF_8)));
        review.setStatus(TaskStatus.REQUESTED);
        review.setIntent(Task.TaskIntent.ORDER);
        review.setCode(new CodeableConcept(new Coding(LinkwellProfiles.CARE_TASK_SYSTEM, REVIEW_CODE, "Review")));
        review.setFor(episode.getPatient().copy());
        review.setFocus(new Reference(ref));
        review.setAuthoredOnElement(new DateTimeType(Date.from(clock.now())));
        review.setReasonCode(trigger.concept());
        if (event == null && cause.startsWith("Task/")) {
            // The review before it: a record of the same case, with the same readers.
            review.setReasonReference(new Reference(cause));
        }
        Period period = new Period().setEndElement(ReferralClock.asFhir(due));
        if (since != null) {
            // Where the interval was counted from, so a change of complexity can move the due date.
            period.setStartElement(new DateTimeType(since.toString()));
        }
        review.getRestriction().setPeriod(period);
        if (episode.hasCareManager()) {
            review.setOwner(episode.getCareManager().copy());
        } else if (episode.hasManagingOrganization()) {
            review.setOwner(episode.getManagingOrganization().copy());
        }
        sameReaders(episode, review);
        if (event != null && !teamMayKnow(event, review)) {
            // The review would tell the case's readers of an event the consent engine keeps from them (a hospital
            // stay without a Consent or legal basis for the team, another council's restricted Flag).
            log.info("{} review of {} not opened: its readers may not know of {}", trigger.code(), ref, cause);
            return;
        }
        if (event != null) {
            event.getMeta().getSecurity().stream()
                    .filter(label -> review.getMeta().getSecurity(label.getSystem(), label.getCode()) == null)
                    .forEach(label -> review.getMeta().addSecurity(label.copy()));
        }
        records.open(review);
        log.info("{} review opened for {} (cause {})", trigger.code(), ref, cause);
    }

    /**
     * The review is the case team's record: it carries the case's author tags and security labels, or, for a case
     * the gateway itself opened (an accepted referral), the managing team's ODS code as its author, so that the
     * same readers see the review as see the case.
     */
    private void sameReaders(EpisodeOfCare episode, Task review) {
        episode.getMeta().getTag().stream()
                .filter(t -> AuthorOrganisationStamp.TAG_SYSTEM.equals(t.getSystem())
                        || AuthorOrganisationStamp.ROLE_TAG_SYSTEM.equals(t.getSystem()))
                .forEach(t -> review.getMeta().addTag(t.copy()));
        episode.getMeta().getSecurity().forEach(s -> review.getMeta().addSecurity(s.copy()));
        boolean authored = review.getMeta().getTag().stream()
                .anyMatch(t -> AuthorOrganisationStamp.TAG_SYSTEM.equals(t.getSystem()));
        if (!authored && episode.hasManagingOrganization()) {
            records.odsCode(episode.getManagingOrganization()).ifPresent(ods -> review.getMeta()
                    .addTag()
                    .setSystem(AuthorOrganisationStamp.TAG_SYSTEM)
                    .setCode(ods)
                    .setDisplay("Author organisation"));
        }
    }

    /** Whether every reader of the review (its author organisation, in its author role or any case role) may know of the event. */
    private boolean teamMayKnow(DomainResource event, Task review) {
        Optional<String> organisation = tag(review, AuthorOrganisationStamp.TAG_SYSTEM);
        if (organisation.isEmpty()) {
            return false;
        }
        List<String> roles = tag(review, AuthorOrganisationStamp.ROLE_TAG_SYSTEM)
                .map(List::of)
                .orElse(CASE_ROLES);
        return roles.stream().allMatch(role -> readers.mayKnow(event, organisation.get(), role));
    }

    private static Optional<String> tag(Task review, String system) {
        return review.getMeta().getTag().stream()
                .filter(t -> system.equals(t.getSystem()) && t.hasCode())
                .map(t -> t.getCode())
                .findFirst();
    }

    /** The case ended: its open reviews are cancelled. */
    private void caseEnded(EpisodeOfCare episode) {
        for (Task open : records.reviews(ref(episode), TaskStatus.REQUESTED)) {
            cancel(open, "The case ended (" + code(episode.getStatus()) + ")");
        }
    }

    /** The case's RAG complexity changed: its open scheduled review is due the new interval after the same day. */
    private void reschedule(EpisodeOfCare episode) {
        for (Task open : records.reviews(ref(episode), TaskStatus.REQUESTED)) {
            if (ReviewTrigger.of(open).orElse(null) != ReviewTrigger.SCHEDULED
                    || !open.getRestriction().getPeriod().hasStart()) {
                continue;
            }
            LocalDate since = LocalDate.parse(open.getRestriction()
                    .getPeriod()
                    .getStartElement()
                    .getValueAsString()
                    .substring(0, 10));
            DateTimeType due = ReferralClock.asFhir(clock.scheduledDue(since, complexityOf(episode)));
            if (!due.getValueAsString()
                    .equals(open.getRestriction().getPeriod().getEndElement().getValueAsString())) {
                open.getRestriction().getPeriod().setEndElement(due);
                records.update(open);
                log.info("{} rescheduled for {}'s complexity", ref(open), ref(episode));
            }
        }
    }

    /**
     * A review done: the next scheduled one is due the interval (by the complexity the review found) after the day
     * it was done, replacing any scheduled one still open; a changed complexity goes onto the case and its plans,
     * and the plans run to the next review.
     */
    private void completed(Task review) {
        Optional<EpisodeOfCare> found = records.caseOf(review);
        if (found.isEmpty() || found.get().getStatus() != EpisodeOfCareStatus.ACTIVE) {
            return;
        }
        EpisodeOfCare episode = found.get();
        if (!ReviewRecords.versionless(episode.getPatient()).equals(ReviewRecords.versionless(review.getFor()))) {
            // A review only ever changes the case (and plans) of the person it is about.
            log.warn("{} is not about the person of {}: nothing changed", ref(review), ref(episode));
            return;
        }
        String reviewRef = ref(review);
        LocalDate doneOn = clock.dayOf(ReviewRecords.doneAt(review).toInstant());
        for (Task open : records.reviews(ref(episode), TaskStatus.REQUESTED)) {
            if (ReviewTrigger.of(open).orElse(null) == ReviewTrigger.SCHEDULED
                    && !ref(open).equals(reviewRef)) {
                cancel(open, "Replaced by the next review after " + reviewRef);
            }
        }
        String before = complexityOf(episode);
        String after = complexityOf(review) != null ? complexityOf(review) : before;
        boolean changed = after != null && !after.equals(before);
        if (changed) {
            setComplexity(episode, after);
            records.update(episode);
        }
        ZonedDateTime due = clock.scheduledDue(doneOn, after);
        for (CarePlan plan : records.plansOf(review, episode)) {
            plan.getPeriod().setEndElement(ReferralClock.asFhir(due));
            if (changed) {
                setComplexity(plan, after);
            }
            records.update(plan);
        }
        open(episode, ReviewTrigger.SCHEDULED, reviewRef, null, doneOn, due);
    }

    private void cancel(Task open, String why) {
        open.setStatus(TaskStatus.CANCELLED);
        open.addNote().setText(why).setTimeElement(new DateTimeType(Date.from(clock.now())));
        records.update(open);
        log.info("{} cancelled: {}", ref(open), why);
    }

    /** The RAG complexity code (red, amber, green) of the complexity-rating extension, or null. */
    static String complexityOf(DomainResource resource) {
        Extension rating = resource.getExtensionByUrl(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION);
        if (rating == null || !(rating.getValue() instanceof CodeableConcept concept)) {
            return null;
        }
        return concept.getCoding().stream()
                .filter(c -> COMPLEXITY_SYSTEM.equals(c.getSystem()) && COMPLEXITIES.contains(c.getCode()))
                .map(Coding::getCode)
                .findFirst()
                .orElse(null);
    }

    private static void setComplexity(DomainResource resource, String complexity) {
        resource.getExtension().removeIf(e -> LinkwellProfiles.COMPLEXITY_RATING_EXTENSION.equals(e.getUrl()));
        resource.addExtension(
                LinkwellProfiles.COMPLEXITY_RATING_EXTENSION,
                new CodeableConcept(new Coding(COMPLEXITY_SYSTEM, complexity, null)));
    }

    private static String ref(IBaseResource resource) {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }

    private static String code(Enum<?> status) {
        if (status instanceof TaskStatus s) {
            return s.toCode();
        }
        return status instanceof EpisodeOfCareStatus s ? s.toCode() : String.valueOf(status);
    }

    private static OperationOutcome outcome(String message, String expression, OperationOutcome.IssueType type) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(type)
                .setDiagnostics(message)
                .addExpression(expression)
                .addLocation(expression);
        return outcome;
    }

    private static UnprocessableEntityException unprocessable(String message, String expression) {
        return new UnprocessableEntityException(
                message, outcome(message, expression, OperationOutcome.IssueType.INVALID));
    }

    private static ResourceVersionConflictException conflict(String message, String expression) {
        return new ResourceVersionConflictException(
                message, outcome(message, expression, OperationOutcome.IssueType.CONFLICT));
    }
}
