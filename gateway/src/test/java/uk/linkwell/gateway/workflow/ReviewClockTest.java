package uk.linkwell.gateway.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.referral.ReferralClock;

/** Review due dates: the RAG intervals and working days, at the end of the London day, GMT or BST. */
class ReviewClockTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");

    private static ReviewClock clock(String now, int workingDays) {
        return new ReviewClock(
                Clock.fixed(Instant.parse(now), LONDON),
                LONDON,
                new ReviewProperties.Intervals(Period.ofMonths(6), Period.ofMonths(9), null),
                workingDays);
    }

    private static String fhir(java.time.ZonedDateTime due) {
        return ReferralClock.asFhir(due).getValueAsString();
    }

    @Test
    void aScheduledReviewIsDueTheIntervalOfTheCaseComplexityAfterItsStart() {
        ReviewClock clock = clock("2026-12-07T10:00:00Z", 5);
        LocalDate start = LocalDate.parse("2026-01-15");

        assertThat(fhir(clock.scheduledDue(start, "red"))).isEqualTo("2026-07-15T23:59:59+01:00");
        assertThat(fhir(clock.scheduledDue(start, "amber"))).isEqualTo("2026-10-15T23:59:59+01:00");
        assertThat(fhir(clock.scheduledDue(start, "green"))).isEqualTo("2027-01-15T23:59:59+00:00");
        assertThat(fhir(clock.scheduledDue(start, null))).as("no rating: green").isEqualTo("2027-01-15T23:59:59+00:00");
    }

    @Test
    void anUnscheduledReviewIsDueFiveWorkingDaysOnSkippingWeekends() {
        // Monday 7 December 2026 -> Monday 14th; Friday 11th -> Friday 18th; Saturday 12th -> Friday 18th.
        assertThat(fhir(clock("2026-12-07T10:00:00Z", 5).unscheduledDue())).isEqualTo("2026-12-14T23:59:59+00:00");
        assertThat(fhir(clock("2026-12-11T16:00:00Z", 5).unscheduledDue())).isEqualTo("2026-12-18T23:59:59+00:00");
        assertThat(fhir(clock("2026-12-12T09:00:00Z", 5).unscheduledDue())).isEqualTo("2026-12-18T23:59:59+00:00");
        // Wednesday 8 July 2026, 23:30 in London (BST) is already Wednesday there: due Wednesday 15th.
        assertThat(fhir(clock("2026-07-08T22:30:00Z", 5).unscheduledDue())).isEqualTo("2026-07-15T23:59:59+01:00");
        assertThat(fhir(clock("2026-12-09T10:00:00Z", 0).unscheduledDue()))
                .as("no working days: the same day")
                .isEqualTo("2026-12-09T23:59:59+00:00");
    }

    @Test
    void intervalsDefaultToTwelveMonthsAndMustBePositive() {
        ReviewProperties defaults = new ReviewProperties(null, null, null);
        assertThat(defaults.interval().red()).isEqualTo(Period.ofMonths(12));
        assertThat(defaults.interval().amber()).isEqualTo(Period.ofMonths(12));
        assertThat(defaults.interval().green()).isEqualTo(Period.ofMonths(12));
        assertThat(defaults.unscheduledDueWorkingDays()).isEqualTo(5);
        assertThatThrownBy(() -> new ReviewProperties.Intervals(Period.ZERO, null, null))
                .hasMessageContaining("linkwell.reviews.interval.red");
        assertThatThrownBy(() -> new ReviewProperties(null, null, -1))
                .hasMessageContaining("unscheduled-due-working-days");
    }
}
