package uk.linkwell.gateway.referral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReferralClockTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");

    private static ReferralClock at(String instant) {
        return new ReferralClock(
                Clock.fixed(Instant.parse(instant), ZoneOffset.UTC), LONDON, 3, Set.of("urgent", "asap", "stat"));
    }

    @Test
    void aRoutineReferralIsDueAtTheEndOfTheThirdDayAfterReceipt() {
        ReferralClock clock = at("2026-11-20T10:30:00Z");
        assertThat(ReferralClock.asFhir(clock.dueDate(false)).getValueAsString())
                .isEqualTo("2026-11-23T23:59:59+00:00");
    }

    @Test
    void anUrgentReferralIsDueAtTheEndOfTheDayOfReceipt() {
        ReferralClock clock = at("2026-11-20T10:30:00Z");
        assertThat(ReferralClock.asFhir(clock.dueDate(true)).getValueAsString()).isEqualTo("2026-11-20T23:59:59+00:00");
    }

    @Test
    void urgentAsapAndStatAreUrgentRoutineAndNothingAreNot() {
        ReferralClock clock = at("2026-11-20T10:30:00Z");
        assertThat(clock.isUrgent(List.of("urgent"))).isTrue();
        assertThat(clock.isUrgent(List.of("ASAP"))).isTrue();
        assertThat(clock.isUrgent(Arrays.asList(null, "stat"))).isTrue();
        assertThat(clock.isUrgent(List.of("routine"))).isFalse();
        assertThat(clock.isUrgent(Arrays.asList((String) null))).isFalse();
        // Either the Task or its ServiceRequest saying urgent is enough (the case-event Task carries no priority).
        assertThat(clock.isUrgent(Arrays.asList(null, "urgent"))).isTrue();
    }

    @Test
    void theDayOfReceiptIsTheLondonDayNotTheUtcOne() {
        // 23:30 UTC on 14 July is 00:30 BST on 15 July: received on the 15th, due the 18th (BST, +01:00).
        ReferralClock clock = at("2026-07-14T23:30:00Z");
        assertThat(ReferralClock.asFhir(clock.dueDate(false)).getValueAsString())
                .isEqualTo("2026-07-18T23:59:59+01:00");
        assertThat(ReferralClock.asFhir(clock.dueDate(true)).getValueAsString()).isEqualTo("2026-07-15T23:59:59+01:00");
    }

    @Test
    void aDueDateAcrossTheChangeFromBstToGmtTakesTheOffsetOfTheDueDay() {
        // Received Friday 23 October 2026 (BST); clocks go back on Sunday 25 October; due Monday 26 (GMT).
        ReferralClock clock = at("2026-10-23T15:00:00Z");
        assertThat(ReferralClock.asFhir(clock.dueDate(false)).getValueAsString())
                .isEqualTo("2026-10-26T23:59:59+00:00");
        assertThat(clock.dueDate(false).toInstant()).isEqualTo(Instant.parse("2026-10-26T23:59:59Z"));
    }

    @Test
    void aDueDateAcrossTheChangeFromGmtToBstTakesTheOffsetOfTheDueDay() {
        // Received Saturday 28 March 2026 (GMT); clocks go forward on Sunday 29 March; due Tuesday 31 (BST).
        ReferralClock clock = at("2026-03-28T09:00:00Z");
        assertThat(ReferralClock.asFhir(clock.dueDate(false)).getValueAsString())
                .isEqualTo("2026-03-31T23:59:59+01:00");
        assertThat(clock.dueDate(false).toInstant()).isEqualTo(Instant.parse("2026-03-31T22:59:59Z"));
    }

    @Test
    void theRoutineDaysAreConfigurableButNotNegative() {
        ReferralClock fiveDays = new ReferralClock(
                Clock.fixed(Instant.parse("2026-11-20T10:30:00Z"), ZoneOffset.UTC), LONDON, 5, Set.of("urgent"));
        assertThat(ReferralClock.asFhir(fiveDays.dueDate(false)).getValueAsString())
                .isEqualTo("2026-11-25T23:59:59+00:00");
        assertThatThrownBy(() -> new ReferralClock(Clock.systemUTC(), LONDON, -1, Set.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
