package uk.linkwell.gateway.workflow.measure;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.gateway.consent.AuthorOrganisationStamp;
import uk.linkwell.gateway.referral.ReferralClock;
import uk.linkwell.profiles.LinkwellProfiles;

/**
 * Reads the facts a Measure counts from the FHIR store, keeping only the records the reader could read directly
 * (the predicate is the decision point's), so a figure never counts what its reader may not see.
 */
final class MeasureFacts {

    /** A day either side of the period: due dates and times are stored with offsets; the figures cut by local day. */
    private static final int MARGIN_DAYS = 1;

    private final DaoRegistry daos;
    private final ReferralClock clock;
    private final ZoneId zone;

    MeasureFacts(DaoRegistry daos, ReferralClock clock, ZoneId zone) {
        this.daos = daos;
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
        for (IBaseResource resource : dao("Goal").searchForResources(map, system())) {
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

    private List<ServiceFigures.Referral> referrals(
            String parameter, ServiceFigures.Period period, Predicate<IBaseResource> visible) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(
                        parameter,
                        new DateRangeParam(
                                java.sql.Date.valueOf(period.start().minusDays(MARGIN_DAYS)),
                                java.sql.Date.valueOf(period.end().plusDays(MARGIN_DAYS + 1))));
        List<ServiceFigures.Referral> referrals = new ArrayList<>();
        for (IBaseResource resource : dao("Task").searchForResources(map, system())) {
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

    private IFhirResourceDao<IBaseResource> dao(String type) {
        return daos.getResourceDao(type);
    }

    private static SystemRequestDetails system() {
        return new SystemRequestDetails();
    }
}
