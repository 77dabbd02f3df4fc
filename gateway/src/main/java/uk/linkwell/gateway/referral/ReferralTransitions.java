package uk.linkwell.gateway.referral;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Task.TaskStatus;

/**
 * The referral Task's state machine at the receiving service. A decision (accepted, rejected) and the ends
 * (completed, cancelled) are final: a changed decision is an appeal, a new Task.
 */
public final class ReferralTransitions {

    private static final Map<TaskStatus, Set<TaskStatus>> ALLOWED = new EnumMap<>(TaskStatus.class);

    static {
        // The team decides; the referrer may withdraw (cancelled) while it is undecided.
        ALLOWED.put(TaskStatus.REQUESTED, EnumSet.of(TaskStatus.ACCEPTED, TaskStatus.REJECTED, TaskStatus.CANCELLED));
        // Accepted: the initial assessment starts (in-progress), or the work ends.
        ALLOWED.put(TaskStatus.ACCEPTED, EnumSet.of(TaskStatus.INPROGRESS, TaskStatus.COMPLETED, TaskStatus.CANCELLED));
        ALLOWED.put(TaskStatus.INPROGRESS, EnumSet.of(TaskStatus.COMPLETED, TaskStatus.CANCELLED));
        ALLOWED.put(TaskStatus.REJECTED, EnumSet.noneOf(TaskStatus.class));
        ALLOWED.put(TaskStatus.COMPLETED, EnumSet.noneOf(TaskStatus.class));
        ALLOWED.put(TaskStatus.CANCELLED, EnumSet.noneOf(TaskStatus.class));
    }

    private ReferralTransitions() {}

    /** The states a referral Task may move to from {@code from} (empty for a final or unknown state). */
    public static Set<TaskStatus> allowedFrom(TaskStatus from) {
        Set<TaskStatus> next = from == null ? null : ALLOWED.get(from);
        return next == null ? EnumSet.noneOf(TaskStatus.class) : EnumSet.copyOf(next);
    }

    /** Staying in the same state (an edit that does not change status) is always allowed. */
    public static boolean isAllowed(TaskStatus from, TaskStatus to) {
        return from == to || allowedFrom(from).contains(to);
    }

    /** The states a workflow state machine knows, in table order; others (draft, on-hold, ...) are refused. */
    public static boolean isKnown(TaskStatus status) {
        return status != null && ALLOWED.containsKey(status);
    }

    /** e.g. "accepted, rejected, cancelled", or "none (final)". */
    public static String describeAllowed(TaskStatus from) {
        Set<TaskStatus> next = allowedFrom(from);
        return next.isEmpty()
                ? "none ('" + code(from) + "' is final)"
                : next.stream().map(ReferralTransitions::code).collect(Collectors.joining(", "));
    }

    static String code(TaskStatus status) {
        return status == null ? "(none)" : status.toCode();
    }
}
