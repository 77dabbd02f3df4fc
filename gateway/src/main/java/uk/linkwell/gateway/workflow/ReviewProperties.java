package uk.linkwell.gateway.workflow;

import java.time.Period;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of case reviews, under {@code linkwell.reviews}. */
@ConfigurationProperties(prefix = "linkwell.reviews")
public record ReviewProperties(
        /* Whether reviews are kept at all (the Tasks opened, completed and cancelled by the gateway). */
        Boolean enabled,
        /* Time from the last completed review (or the start of the case) to the next, by the case's RAG complexity. */
        Intervals interval,
        /* Working days (Monday to Friday) from an event to the due date of the unscheduled review it opens. */
        Integer unscheduledDueWorkingDays) {

    /** The review interval of each RAG complexity, ISO 8601 periods; a case without a rating counts as green. */
    public record Intervals(Period red, Period amber, Period green) {
        public Intervals {
            red = positive(red, "red");
            amber = positive(amber, "amber");
            green = positive(green, "green");
        }

        private static Period positive(Period period, String colour) {
            if (period == null) {
                return Period.ofMonths(12);
            }
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException(
                        "linkwell.reviews.interval." + colour + " must be a positive period");
            }
            return period;
        }
    }

    public ReviewProperties {
        enabled = enabled == null || enabled;
        interval = interval == null ? new Intervals(null, null, null) : interval;
        unscheduledDueWorkingDays = unscheduledDueWorkingDays == null ? 5 : unscheduledDueWorkingDays;
        if (unscheduledDueWorkingDays < 0) {
            throw new IllegalArgumentException("linkwell.reviews.unscheduled-due-working-days must not be negative");
        }
    }
}
