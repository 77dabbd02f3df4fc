package uk.linkwell.gateway.workflow.measure;

import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IAnyResource;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.EpisodeOfCare;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.hapi.StoredMatches;
import uk.linkwell.gateway.referral.ReferralClock;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Reads the facts a Measure counts from the FHIR store, keeping only the records the reader could read directly
 * (the predicate is the decision point's), so a figure never counts what its reader may not see.
 */
final class MeasureFacts {

    /** A day either side of the period: due dates and times are stored with offsets; the figures cut by local day. */
    private static final int MARGIN_DAYS = 1;

    private static final int CHUNK = 500;

    /** Resources loaded at a time; tests lower it to read a small population across many chunks. */
    static volatile int pageSize = 2000;

    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    static final String ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority";

    private final StoredMatches matches;
    private final ReferralClock clock;
    private final ZoneId zone;

    MeasureFacts(StoredMatches matches, ReferralClock clock, ZoneId zone) {
        this.matches = matches;
        this.clock = clock;
        this.zone = zone;
    }

    /** Referral Tasks due in the period (give or take a day), as the reader may see them. */
    List<ServiceFigures.Referral> referralsDue(ServiceFigures.Period period, Predicate<IBaseResource> visible) {
        return referrals("due-date", period, visible);
    }

    /** Referral Tasks authored in the period (give or take a day), as the reader may see them. */
    List<ServiceFigures.Referral> referralsAuthored(ServiceFigures.Period period, Predicate<IBaseResource> visible) {
        return referrals(Task.SP_AUTHORED_ON, period, visible);
    }

    /** Goals completed or cancelled, as the reader may see them (statusDate is not searchable: cut in Java). */
    List<ServiceFigures.GoalFact> closedGoals(Predicate<IBaseResource> visible) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(
                        Goal.SP_LIFECYCLE_STATUS,
                        new TokenOrListParam().add("completed").add("cancelled"));
        List<ServiceFigures.GoalFact> goals = new ArrayList<>();
        for (IBaseResource resource : all("Goal", map)) {
            Goal goal = (Goal) resource;
            if (!visible.test(goal)) {
                continue;
            }
            LocalDate statusDate = goal.hasStatusDate()
                    ? goal.getStatusDateElement()
                            .getValueAsCalendar()
                            .toZonedDateTime()
                            .withZoneSameInstant(zone)
                            .toLocalDate()
                    : null;
            boolean achieved =
                    goal.getAchievementStatus().getCoding().stream().anyMatch(c -> "achieved".equals(c.getCode()));
            goals.add(new ServiceFigures.GoalFact(
                    authorTeam(goal), goal.getLifecycleStatus().toCode(), statusDate, achieved));
        }
        return goals;
    }

    /**
     * Cases allocated on a day from which the action-plan deadline can fall in the period, with their allocation day
     * (the allocation Task's completion, {@code Task.executionPeriod.end}), as the reader may see them.
     */
    List<ServiceFigures.CaseFact> allocatedCases(ServiceFigures.Period period, Predicate<IBaseResource> visible) {
        int days = ServiceFigures.ACTION_PLAN_DAYS;
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Task.SP_CODE, new TokenParam(LinkwellProfiles.CARE_TASK_SYSTEM, "allocation"))
                .add(Task.SP_STATUS, new TokenParam("completed"))
                .add(
                        Task.SP_PERIOD,
                        around(period.start().minusDays(days), period.end().minusDays(days)));
        Map<String, LocalDate> allocatedOn = new LinkedHashMap<>();
        for (IBaseResource resource : all("Task", map)) {
            Task task = (Task) resource;
            String focus = versionless(task.getFocus());
            if (focus == null
                    || !focus.startsWith("EpisodeOfCare/")
                    || !task.getExecutionPeriod().hasEnd()) {
                continue;
            }
            if (!visible.test(task)) {
                continue;
            }
            LocalDate day = localDay(task.getExecutionPeriod().getEndElement());
            // A case allocated twice (a change of worker) keeps its first allocation: the deadline runs from it.
            allocatedOn.merge(focus, day, (a, b) -> a.isBefore(b) ? a : b);
        }
        List<ServiceFigures.CaseFact> cases = new ArrayList<>();
        for (List<String> chunk : chunks(new ArrayList<>(allocatedOn.keySet()))) {
            TokenOrListParam ids = new TokenOrListParam();
            chunk.forEach(id -> ids.add(new TokenParam(id.substring(id.indexOf('/') + 1))));
            SearchParameterMap byId = SearchParameterMap.newSynchronous().add(IAnyResource.SP_RES_ID, ids);
            for (IBaseResource resource : all("EpisodeOfCare", byId)) {
                EpisodeOfCare episode = (EpisodeOfCare) resource;
                if (visible.test(episode)) {
                    cases.add(caseFact(episode, allocatedOn.get(id(episode))));
                }
            }
        }
        return cases;
    }

    /** The CarePlans of these people, as the reader may see them. */
    List<ServiceFigures.PlanFact> plansOf(List<String> patients, Predicate<IBaseResource> visible) {
        List<ServiceFigures.PlanFact> plans = new ArrayList<>();
        for (List<String> chunk : chunks(patients.stream().distinct().toList())) {
            ReferenceOrListParam subjects = new ReferenceOrListParam();
            chunk.forEach(p -> subjects.add(new ReferenceParam(p)));
            SearchParameterMap map = SearchParameterMap.newSynchronous().add(CarePlan.SP_SUBJECT, subjects);
            for (IBaseResource resource : all("CarePlan", map)) {
                CarePlan plan = (CarePlan) resource;
                if (!visible.test(plan)) {
                    continue;
                }
                // The day the plan was made: created when given, else the day it runs from (which the profile
                // requires).
                LocalDate made = plan.hasCreated()
                        ? localDay(plan.getCreatedElement())
                        : plan.getPeriod().hasStart()
                                ? localDay(plan.getPeriod().getStartElement())
                                : null;
                plans.add(new ServiceFigures.PlanFact(
                        versionless(plan.getSubject()),
                        plan.getStatus() == null ? null : plan.getStatus().toCode(),
                        made));
            }
        }
        return plans;
    }

    /** Cases whose period overlaps these days (give or take a day), as the reader may see them. */
    List<ServiceFigures.CaseFact> casesBetween(LocalDate from, LocalDate to, Predicate<IBaseResource> visible) {
        SearchParameterMap map = SearchParameterMap.newSynchronous().add(EpisodeOfCare.SP_DATE, around(from, to));
        List<ServiceFigures.CaseFact> cases = new ArrayList<>();
        for (IBaseResource resource : all("EpisodeOfCare", map)) {
            EpisodeOfCare episode = (EpisodeOfCare) resource;
            if (visible.test(episode)) {
                cases.add(caseFact(episode, null));
            }
        }
        return cases;
    }

    /** Reviews completed from one day to another (give or take a day), as the reader may see them. */
    List<ServiceFigures.ReviewFact> reviewsDone(LocalDate from, LocalDate to, Predicate<IBaseResource> visible) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Task.SP_CODE, new TokenParam(LinkwellProfiles.CARE_TASK_SYSTEM, "review"))
                .add(Task.SP_STATUS, new TokenParam("completed"))
                .add(Task.SP_PERIOD, around(from, to));
        List<ServiceFigures.ReviewFact> reviews = new ArrayList<>();
        for (IBaseResource resource : all("Task", map)) {
            Task task = (Task) resource;
            if (!task.getExecutionPeriod().hasEnd() || !visible.test(task)) {
                continue;
            }
            reviews.add(new ServiceFigures.ReviewFact(
                    versionless(task.getFocus()),
                    localDay(task.getExecutionPeriod().getEndElement())));
        }
        return reviews;
    }

    /** Inpatient stays (class IMP) overlapping these days (give or take a day), as the reader may see them. */
    List<ServiceFigures.StayFact> inpatientStays(LocalDate from, LocalDate to, Predicate<IBaseResource> visible) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Encounter.SP_CLASS, new TokenParam(ACT_CODE, "IMP"))
                .add(Encounter.SP_DATE, around(from, to));
        List<ServiceFigures.StayFact> stays = new ArrayList<>();
        for (IBaseResource resource : all("Encounter", map)) {
            Encounter encounter = (Encounter) resource;
            if (!visible.test(encounter)) {
                continue;
            }
            boolean emergency = coded(encounter.getPriority(), ACT_PRIORITY, "EM");
            String team = authorTeam(encounter);
            if (team == null && encounter.hasServiceProvider()) {
                team = encounter.getServiceProvider().hasReference()
                        ? versionless(encounter.getServiceProvider())
                        : encounter.getServiceProvider().getDisplay();
            }
            stays.add(new ServiceFigures.StayFact(
                    versionless(encounter.getSubject()),
                    team,
                    encounter.getStatus() == null ? null : encounter.getStatus().toCode(),
                    true,
                    emergency,
                    encounter.getPeriod().hasStart()
                            ? encounter.getPeriod().getStart().toInstant()
                            : null,
                    encounter.getPeriod().hasEnd()
                            ? encounter.getPeriod().getEnd().toInstant()
                            : null));
        }
        return stays;
    }

    /** The sessions of these cases: Encounters naming them in {@code episodeOfCare}, as the reader may see them. */
    List<ServiceFigures.SessionFact> sessionsOf(List<String> caseIds, Predicate<IBaseResource> visible) {
        List<ServiceFigures.SessionFact> sessions = new ArrayList<>();
        for (List<String> chunk : chunks(caseIds)) {
            ReferenceOrListParam episodes = new ReferenceOrListParam();
            chunk.forEach(id -> episodes.add(new ReferenceParam(id)));
            SearchParameterMap map = SearchParameterMap.newSynchronous()
                    .add(Encounter.SP_EPISODE_OF_CARE, episodes)
                    .add(Encounter.SP_STATUS, new TokenParam("finished"));
            for (IBaseResource resource : all("Encounter", map)) {
                Encounter encounter = (Encounter) resource;
                if (!visible.test(encounter) || !encounter.getPeriod().hasStart()) {
                    continue;
                }
                LocalDate on = localDay(encounter.getPeriod().getStartElement());
                for (Reference episode : encounter.getEpisodeOfCare()) {
                    sessions.add(new ServiceFigures.SessionFact(
                            versionless(episode), encounter.getStatus().toCode(), on));
                }
            }
        }
        return sessions;
    }

    private ServiceFigures.CaseFact caseFact(EpisodeOfCare episode, LocalDate allocatedOn) {
        String complexity = episode.getExtensionsByUrl(LinkwellProfiles.COMPLEXITY_RATING_EXTENSION).stream()
                .map(e -> e.getValue())
                .filter(CodeableConcept.class::isInstance)
                .flatMap(v -> ((CodeableConcept) v).getCoding().stream())
                .map(Coding::getCode)
                .filter(c -> c != null && !c.isBlank())
                .findFirst()
                .orElse(null);
        return new ServiceFigures.CaseFact(
                id(episode),
                versionless(episode.getPatient()),
                versionless(episode.getManagingOrganization()),
                episode.getStatus() == null ? null : episode.getStatus().toCode(),
                episode.getPeriod().hasStart() ? localDay(episode.getPeriod().getStartElement()) : null,
                episode.getPeriod().hasEnd() ? localDay(episode.getPeriod().getEndElement()) : null,
                complexity,
                episode.hasCareManager() ? versionless(episode.getCareManager()) : null,
                allocatedOn);
    }

    /** A date range from one local day to another, a day wider either side (stored times carry offsets). */
    private static DateRangeParam around(LocalDate from, LocalDate to) {
        return new DateRangeParam(
                java.sql.Date.valueOf(from.minusDays(MARGIN_DAYS)),
                java.sql.Date.valueOf(to.plusDays(MARGIN_DAYS + 1)));
    }

    private LocalDate localDay(BaseDateTimeType value) {
        return value.getValueAsCalendar()
                .toZonedDateTime()
                .withZoneSameInstant(zone)
                .toLocalDate();
    }

    private static boolean coded(CodeableConcept concept, String system, String code) {
        return concept.getCoding().stream().anyMatch(c -> system.equals(c.getSystem()) && code.equals(c.getCode()));
    }

    private static String id(DomainResource resource) {
        return resource.getIdElement().toUnqualifiedVersionless().getValue();
    }

    private static String versionless(Reference reference) {
        return reference == null || !reference.hasReference()
                ? null
                : reference.getReferenceElement().toUnqualifiedVersionless().getValue();
    }

    /** Lists of at most {@link #CHUNK}: an OR of references per search, kept to a size the database plans well. */
    private static List<List<String>> chunks(List<String> values) {
        List<List<String>> chunks = new ArrayList<>();
        for (int i = 0; i < values.size(); i += CHUNK) {
            chunks.add(values.subList(i, Math.min(values.size(), i + CHUNK)));
        }
        return chunks;
    }

    private List<ServiceFigures.Referral> referrals(
            String parameter, ServiceFigures.Period period, Predicate<IBaseResource> visible) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(
                        parameter,
                        new DateRangeParam(
                                java.sql.Date.valueOf(period.start().minusDays(MARGIN_DAYS)),
                                java.sql.Date.valueOf(period.end().plusDays(MARGIN_DAYS + 1))));
        List<ServiceFigures.Referral> referrals = new ArrayList<>();
        for (IBaseResource resource : all("Task", map)) {
            Task task = (Task) resource;
            if (!isReferral(task) || !visible.test(task)) {
                continue;
            }
            referrals.add(referral(task));
        }
        return referrals;
    }

    private ServiceFigures.Referral referral(Task task) {
        List<String> priorities = new ArrayList<>();
        priorities.add(task.hasPriority() ? task.getPriority().toCode() : null);
        Instant due = task.getRestriction().getPeriod().hasEnd()
                ? task.getRestriction().getPeriod().getEnd().toInstant()
                : null;
        Instant assessed = task.getExecutionPeriod().hasEnd()
                ? task.getExecutionPeriod().getEnd().toInstant()
                : null;
        LocalDate authored = task.hasAuthoredOn()
                ? task.getAuthoredOnElement()
                        .getValueAsCalendar()
                        .toZonedDateTime()
                        .withZoneSameInstant(zone)
                        .toLocalDate()
                : null;
        String reason = task.getStatusReason().getCoding().stream()
                .map(Coding::getCode)
                .filter(c -> c != null && !c.isBlank())
                .findFirst()
                .orElse(null);
        String team = task.getOwner().hasReference() ? task.getOwner().getReference() : null;
        if (team == null && task.getOwner().hasIdentifier()) {
            team = task.getOwner().getIdentifier().getValue();
        }
        return new ServiceFigures.Referral(
                team,
                clock.isUrgent(priorities),
                task.getStatus() == null ? null : task.getStatus().toCode(),
                authored,
                due,
                assessed,
                reason);
    }

    /** A referral Task: its focus is a ServiceRequest and it carries no code of the care process's own Tasks. */
    static boolean isReferral(Task task) {
        String focus = task.getFocus().getReference();
        boolean careTask = task.getCode().getCoding().stream()
                .anyMatch(c -> LinkwellProfiles.CARE_TASK_SYSTEM.equals(c.getSystem()));
        return !careTask && focus != null && focus.startsWith("ServiceRequest/");
    }

    private static String authorTeam(IBaseResource resource) {
        return resource.getMeta().getTag().stream()
                .filter(t -> AuthorOrganisationStamp.TAG_SYSTEM.equals(t.getSystem()))
                .map(t -> t.getCode())
                .findFirst()
                .orElse(null);
    }

    /** Every match of a search, read by row id a chunk at a time (see {@link StoredMatches}). */
    private Iterable<IBaseResource> all(String type, SearchParameterMap map) {
        return matches.all(type, map, pageSize);
    }
}
