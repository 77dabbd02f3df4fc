package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Clock;
import java.util.Date;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.hl7.fhir.r4.model.Task.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.referral.ReferralOutcome;
import uk.linkwell.profiles.LinkwellPackage;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Allocation of an accepted referral to a worker: completing an allocation Task (care-task|allocation) with a
 * Practitioner or PractitionerRole as {@code owner} makes the person (the Practitioner) the case's care manager
 * and the owner a member of its CareTeam, in the database transaction of the Task's update, so the worker's caseload (and their app's access)
 * changes with the allocation or not at all. An allocation that would take the worker over their cap is refused
 * (409) unless the Task records why (extension allocation-over-cap-reason).
 *
 * <p>Held to every door alike (REST, admin, the gateway's own writes): the cap is the service's rule, not a
 * client's. Two allocations to one worker committed at the same moment may both pass the count; the weekly
 * meeting allocates one case at a time, so this is accepted rather than locked against.
 */
@Interceptor
public class CaseloadAllocation {

    private static final Logger log = LoggerFactory.getLogger(CaseloadAllocation.class);

    /** Identifies the CareTeam of a case: {@code <EpisodeOfCare id>}. */
    public static final String CASE_TEAM_IDENTIFIER = LinkwellPackage.CANONICAL_BASE + "/Id/case-team";

    /** Before profile validation (order 0), so a refusal says what allocation needs. */
    static final int ORDER = -45;

    private final DaoRegistry daos;
    private final Caseloads caseloads;
    private final Clock clock;

    public CaseloadAllocation(DaoRegistry daos, Caseloads caseloads, Clock clock) {
        this.daos = daos;
        this.caseloads = caseloads;
        this.clock = clock;
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED, order = ORDER)
    public void created(IBaseResource resource) {
        if (resource instanceof Task task && isAllocation(task) && task.getStatus() == TaskStatus.COMPLETED) {
            allocate(task);
        }
    }

    @Hook(value = Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED, order = ORDER)
    public void updated(IBaseResource previous, IBaseResource resource) {
        if (!(resource instanceof Task task) || !(previous instanceof Task before) || !isAllocation(before)) {
            return;
        }
        if (before.getStatus() == TaskStatus.COMPLETED || before.getStatus() == TaskStatus.CANCELLED) {
            boolean sameOwner = java.util.Objects.equals(ownerOf(before), ownerOf(task));
            if (task.getStatus() != before.getStatus() || !sameOwner) {
                throw ReferralOutcome.conflict(
                        "Allocation "
                                + before.getIdElement()
                                        .toUnqualifiedVersionless()
                                        .getValue() + " is already '"
                                + before.getStatus().toCode() + "': its status and owner stay as they are (a case "
                                + "changes worker by a new allocation of its EpisodeOfCare, not by editing this one)",
                        "Task.status");
            }
            return;
        }
        if (task.getStatus() == TaskStatus.COMPLETED) {
            allocate(task);
        }
    }

    static boolean isAllocation(Task task) {
        return task.getCode().getCoding().stream()
                .anyMatch(c -> LinkwellProfiles.CARE_TASK_SYSTEM.equals(c.getSystem())
                        && Caseloads.ALLOCATION.equals(c.getCode()));
    }

    private void allocate(Task task) {
        String worker = worker(task);
        CodeableConcept complexity = Caseloads.complexity(task)
                .map(Extension::getValue)
                .filter(CodeableConcept.class::isInstance)
                .map(CodeableConcept.class::cast)
                .orElseThrow(() -> ReferralOutcome.unprocessable(
                        "An allocation gives the case its RAG complexity: extension "
                                + LinkwellProfiles.COMPLEXITY_RATING_EXTENSION + " on the Task (valueCodeableConcept, "
                                + "system " + LinkwellProfiles.COMPLEXITY_RATING_SYSTEM + ", code red, amber or green)",
                        "Task.extension:complexityRating"));
        String practitioner = caseloads
                .practitionerOf(worker)
                .orElseThrow(() -> ReferralOutcome.unprocessable(
                        worker + " is not a known worker (a Practitioner, or a PractitionerRole naming its "
                                + "practitioner)",
                        "Task.owner"));
        EpisodeOfCare episode = episode(task);
        String episodeId = episode.getIdElement().toUnqualifiedVersionless().getValue();
        long others = caseloads.activeCases(practitioner).stream()
                .filter(e ->
                        !e.getIdElement().toUnqualifiedVersionless().getValue().equals(episodeId))
                .count();
        int cap = caseloads.capOf(worker, practitioner);
        Optional<String> reason =
                task.getExtensionsByUrl(LinkwellProfiles.ALLOCATION_OVER_CAP_REASON_EXTENSION).stream()
                        .map(Extension::getValue)
                        .filter(StringType.class::isInstance)
                        .map(v -> ((StringType) v).getValue())
                        .filter(v -> v != null && !v.isBlank())
                        .findFirst();
        String taskId = task.getIdElement().toUnqualifiedVersionless().getValue();
        if (others + 1 > cap) {
            if (reason.isEmpty()) {
                log.warn("Allocation {} refused: {} has {} active cases, cap {}", taskId, worker, others, cap);
                throw ReferralOutcome.conflict(
                        "Allocating " + episodeId + " to " + worker
                                + (worker.equals(practitioner) ? "" : " (" + practitioner + ")")
                                + " would take them over their caseload cap: "
                                + "they are care manager of " + others + " active case" + (others == 1 ? "" : "s")
                                + " and their cap is " + cap + ". To allocate anyway, record why in extension "
                                + LinkwellProfiles.ALLOCATION_OVER_CAP_REASON_EXTENSION + " (valueString) on the Task",
                        "Task.owner");
            }
            log.info(
                    "Allocation {} to {} over the cap ({} active cases, cap {}), with a reason",
                    taskId,
                    worker,
                    others,
                    cap);
        }
        // When the case was allocated: the action-plan figure runs its 28 days from it. An operator back-loading
        // allocations gives it; otherwise it is now.
        if (!task.getExecutionPeriod().hasEnd()) {
            task.getExecutionPeriod().setEndElement(new DateTimeType(Date.from(clock.instant())));
        }
        Reference owner = new Reference(worker);
        episode.setCareManager(new Reference(practitioner));
        episode.getExtension().removeIf(e -> LinkwellProfiles.COMPLEXITY_RATING_EXTENSION.equals(e.getUrl()));
        episode.addExtension(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION, complexity.copy());
        Reference team = caseTeam(episode, owner);
        if (episode.getTeam().stream().noneMatch(t -> team.getReference().equals(t.getReference()))) {
            episode.addTeam(team);
        }
        daos.getResourceDao(EpisodeOfCare.class).update(episode, new SystemRequestDetails());
        log.info("Allocation {}: {} is care manager of {}", taskId, worker, episodeId);
    }

    /** The worker the Task names, as {@code PractitionerRole/<id>} or {@code Practitioner/<id>}. */
    private static String worker(Task task) {
        IIdType owner = task.getOwner().getReferenceElement();
        if (!task.getOwner().hasReference()
                || !owner.hasIdPart()
                || owner.isAbsolute()
                || !("PractitionerRole".equals(owner.getResourceType())
                        || "Practitioner".equals(owner.getResourceType()))) {
            throw ReferralOutcome.unprocessable(
                    "An allocation names the worker who takes the case: Task.owner must reference a PractitionerRole "
                            + "or Practitioner by id (PractitionerRole/<id>)",
                    "Task.owner");
        }
        return owner.toUnqualifiedVersionless().getValue();
    }

    /** The owner as {@code Type/id}, or null when the Task names none. */
    private static String ownerOf(Task task) {
        return task.getOwner().getReferenceElement().toUnqualifiedVersionless().getValue();
    }

    private EpisodeOfCare episode(Task task) {
        IIdType focus = task.getFocus().getReferenceElement();
        if (!"EpisodeOfCare".equals(focus.getResourceType()) || !focus.hasIdPart()) {
            throw ReferralOutcome.unprocessable(
                    "An allocation is about a case: Task.focus must reference the EpisodeOfCare by id", "Task.focus");
        }
        EpisodeOfCare episode = caseloads
                .read(new IdType("EpisodeOfCare", focus.getIdPart()), EpisodeOfCare.class)
                .orElseThrow(() -> ReferralOutcome.unprocessable(
                        "The case " + focus.toUnqualifiedVersionless().getValue() + " does not exist", "Task.focus"));
        if (!ReviewRecords.versionless(episode.getPatient()).equals(ReviewRecords.versionless(task.getFor()))) {
            throw ReferralOutcome.unprocessable(
                    "An allocation is about the person whose case it allocates: Task.for and the EpisodeOfCare's "
                            + "patient differ",
                    "Task.for");
        }
        if (episode.getStatus() != EpisodeOfCare.EpisodeOfCareStatus.ACTIVE
                && episode.getStatus() != EpisodeOfCare.EpisodeOfCareStatus.WAITLIST) {
            throw ReferralOutcome.conflict(
                    "The case " + focus.toUnqualifiedVersionless().getValue() + " is '"
                            + (episode.getStatus() == null
                                    ? "(none)"
                                    : episode.getStatus().toCode())
                            + "': only an active case is allocated",
                    "Task.focus");
        }
        return episode;
    }

    /**
     * The case's CareTeam, with the worker as a member: the one the episode already names, else one created for it
     * (conditionally, on an identifier derived from the episode, so a repeat writes nothing twice).
     */
    private Reference caseTeam(EpisodeOfCare episode, Reference worker) {
        String episodeIdPart = episode.getIdElement().getIdPart();
        Optional<CareTeam> existing = episode.getTeam().stream()
                .map(Reference::getReferenceElement)
                .filter(r -> "CareTeam".equals(r.getResourceType()) && r.hasIdPart())
                .findFirst()
                .flatMap(r -> caseloads.read(new IdType("CareTeam", r.getIdPart()), CareTeam.class));
        Date now = Date.from(clock.instant());
        if (existing.isPresent()) {
            CareTeam team = existing.get();
            if (team.getParticipant().stream()
                    .noneMatch(p -> worker.getReference().equals(p.getMember().getReference()))) {
                team.addParticipant()
                        .setMember(worker.copy())
                        .setPeriod(new Period().setStartElement(new DateTimeType(now)));
                daos.getResourceDao(CareTeam.class).update(team, new SystemRequestDetails());
            }
            return new Reference(team.getIdElement().toUnqualifiedVersionless());
        }
        CareTeam team = new CareTeam();
        team.addIdentifier().setSystem(CASE_TEAM_IDENTIFIER).setValue(episodeIdPart);
        team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
        team.setName("Case team");
        team.setSubject(episode.getPatient().copy());
        team.setPeriod(new Period().setStartElement(new DateTimeType(now)));
        if (episode.hasManagingOrganization()) {
            team.addManagingOrganization(episode.getManagingOrganization().copy());
        }
        team.addParticipant().setMember(worker.copy()).setPeriod(new Period().setStartElement(new DateTimeType(now)));
        IIdType id = daos.getResourceDao(CareTeam.class)
                .create(
                        team,
                        "CareTeam?identifier=" + CASE_TEAM_IDENTIFIER + "|" + episodeIdPart,
                        new SystemRequestDetails())
                .getId();
        return new Reference(id.toUnqualifiedVersionless());
    }
}
