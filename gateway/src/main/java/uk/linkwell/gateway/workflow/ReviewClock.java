package uk.linkwell.gateway.workflow;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;

/**
 * When a case review is due: a scheduled review the configured interval (by the case's RAG complexity) after the
 * last completed review or the start of the case; an unscheduled one a number of working days (Monday to Friday;
 * bank holidays are not known to it) after the event that opened it. Both at the end of that local day, as
 * referral due dates are. Pure: the clock, zone and settings are passed in.
 */
public final class ReviewClock {

    private static final LocalTime END_OF_DAY = LocalTime.of(23, 59, 59);

    private final Clock clock;
    private final ZoneId zone;
    private final ReviewProperties.Intervals intervals;
    private final int unscheduledWorkingDays;

    public ReviewClock(Clock clock, ZoneId zone, ReviewProperties.Intervals intervals, int unscheduledWorkingDays) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.zone = Objects.requireNonNull(zone, "zone");
        this.intervals = Objects.requireNonNull(intervals, "intervals");
        this.unscheduledWorkingDays = unscheduledWorkingDays;
    }

    public Instant now() {
        return clock.instant();
    }

    /** The local calendar day of a moment. */
    public LocalDate dayOf(Instant moment) {
        return moment.atZone(zone).toLocalDate();
    }

    /** The interval of a RAG complexity code (red, amber, green); no rating or an unknown code is green's. */
    public Period interval(String complexity) {
        if ("red".equals(complexity)) {
            return intervals.red();
        }
        if ("amber".equals(complexity)) {
            return intervals.amber();
        }
        return intervals.green();
    }

    /** A scheduled review: the end of the local day one interval after {@code since} (last review, or the start). */
    public ZonedDateTime scheduledDue(LocalDate since, String complexity) {
        return endOf(since.plus(interval(complexity)));
    }

    /** An unscheduled review opened now. */
    public ZonedDateTime unscheduledDue() {
        return unscheduledDue(dayOf(clock.instant()));
    }

    /** An unscheduled review opened on {@code day}: the end of the day that many working days later. */
    public ZonedDateTime unscheduledDue(LocalDate day) {
        LocalDate due = day;
        int left = unscheduledWorkingDays;
        while (left > 0) {
            due = due.plusDays(1);
            if (due.getDayOfWeek() != DayOfWeek.SATURDAY && due.getDayOfWeek() != DayOfWeek.SUNDAY) {
                left--;
            }
        }
        return endOf(due);
    }

    private ZonedDateTime endOf(LocalDate day) {
        // atZone resolves the day's 23:59:59 to the offset in force then (GMT or BST).
        return day.atTime(END_OF_DAY).atZone(zone);
    }
}
