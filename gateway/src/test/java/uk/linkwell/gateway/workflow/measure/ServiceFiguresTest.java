package uk.linkwell.gateway.workflow.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hl7.fhir.r4.model.MeasureReport;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.GoalFact;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.Period;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.Referral;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.Tally;

/**
 * The figures against a generated population (fixed seed) whose expected counts the generator keeps itself as it
 * makes each record, plus the edges: the due moment exactly, a second late, the period's first and last local days,
 * a due time just after midnight in British summer time (the previous day in UTC), an urgent referral assessed the
 * next day; and small-number suppression in the report.
 */
class ServiceFiguresTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    private static final Period JUNE = new Period(LocalDate.of(2025, 6, 1), LocalDate.of(2025, 6, 30));
    private static final String[] STATUSES = {
        "requested",
        "accepted",
        "in-progress",
        "completed",
        "completed",
        "completed",
        "rejected",
        "cancelled",
        "entered-in-error"
    };
    private static final String[] TEAMS = {"Organization/a", "Organization/b", "Organization/c", null};
    private static final String[] REASONS = {"needs-met-elsewhere", "out-of-area", "declined-by-person"};

    /** What the generator counted, kept apart from the code under test. */
    private static final class Expected {
        int dueDen;
        int dueNum;
        final Map<String, int[]> dueByTeam = new HashMap<>();
        int decided;
        int declined;
        final Map<String, Integer> byReason = new HashMap<>();
    }

    @Test
    void aGeneratedYearOfReferralsGivesTheCountsItsGeneratorKept() {
        Random random = new Random(20261207L);
        List<Referral> referrals = new ArrayList<>();
        Expected expected = new Expected();
        for (int i = 0; i < 5_000; i++) {
            // Local due days from mid-May to mid-July, so both edges of June are crossed often.
            LocalDate dueDay = LocalDate.of(2025, 5, 15).plusDays(random.nextInt(62));
            boolean urgent = random.nextInt(5) == 0;
            String status = STATUSES[random.nextInt(STATUSES.length)];
            String team = TEAMS[random.nextInt(TEAMS.length)];
            // The end of the local day, written the way a referral's due date is (offset of that day).
            Instant due = dueDay.atTime(23, 59, 59).atZone(LONDON).toInstant();
            Instant assessed = null;
            if (status.equals("completed")) {
                long offsetSeconds =
                        switch (random.nextInt(5)) {
                            case 0 -> 0; // exactly at the due moment
                            case 1 -> 1; // a second late
                            case 2 -> -3600L * random.nextInt(72); // earlier
                            default -> 3600L * (1 + random.nextInt(72)); // later
                        };
                assessed = due.plusSeconds(offsetSeconds);
            }
            LocalDate authored = dueDay.minusDays(urgent ? 0 : 3);
            String reason = status.equals("rejected") ? REASONS[random.nextInt(REASONS.length)] : null;
            referrals.add(new Referral(team, urgent, status, authored, due, assessed, reason));

            String dueText = DateTimeFormatter.ISO_LOCAL_DATE.format(due.atZone(LONDON));
            boolean dueInJune = dueText.startsWith("2025-06-");
            boolean counts =
                    !status.equals("cancelled") && !status.equals("rejected") && !status.equals("entered-in-error");
            if (dueInJune && counts) {
                boolean onTime = assessed != null && assessed.toEpochMilli() <= due.toEpochMilli();
                expected.dueDen++;
                expected.dueNum += onTime ? 1 : 0;
                int[] t = expected.dueByTeam.computeIfAbsent(team == null ? "(no team)" : team, k -> new int[2]);
                t[0] += onTime ? 1 : 0;
                t[1]++;
            }
            boolean authoredInJune = authored.getMonthValue() == 6;
            if (authoredInJune
                    && List.of("accepted", "in-progress", "completed", "rejected")
                            .contains(status)) {
                expected.decided++;
                if (reason != null) {
                    expected.declined++;
                    expected.byReason.merge(reason, 1, Integer::sum);
                }
            }
        }

        ServiceFigures.Figures onTime = ServiceFigures.assessedOnTime(referrals, JUNE, LONDON);
        assertThat(onTime.overall()).isEqualTo(new Tally(expected.dueNum, expected.dueDen));
        expected.dueByTeam.forEach(
                (team, t) -> assertThat(onTime.strata().get("team").get(team)).isEqualTo(new Tally(t[0], t[1])));
        Tally urgent = onTime.strata().get("priority").get("urgent");
        Tally routine = onTime.strata().get("priority").get("routine");
        assertThat(urgent.denominator() + routine.denominator()).isEqualTo(expected.dueDen);

        ServiceFigures.Figures declined = ServiceFigures.declined(referrals, JUNE);
        assertThat(declined.overall()).isEqualTo(new Tally(expected.declined, expected.decided));
        expected.byReason.forEach((reason, n) ->
                assertThat(declined.strata().get("reason").get(reason)).isEqualTo(new Tally(n, expected.decided)));
        assertThat(expected.dueDen).as("the population exercises the figure").isGreaterThan(1_000);
    }

    private static Referral completed(String due, String assessed, boolean urgent) {
        return new Referral(
                "Organization/a",
                urgent,
                "completed",
                LocalDate.of(2025, 6, 1),
                OffsetDateTime.parse(due).toInstant(),
                OffsetDateTime.parse(assessed).toInstant(),
                null);
    }

    @Test
    void theEdgesOfTheDueMomentAndOfThePeriod() {
        List<Referral> referrals = List.of(
                // Exactly due: on time. A second later: late.
                completed("2025-06-10T23:59:59+01:00", "2025-06-10T23:59:59+01:00", false),
                completed("2025-06-10T23:59:59+01:00", "2025-06-11T00:00:00+01:00", false),
                // Due just after midnight on the period's first local day (31 May in UTC): in June.
                completed("2025-06-01T00:30:00+01:00", "2025-06-01T00:10:00+01:00", false),
                // Due at the very end of the last local day: in June; a minute later (1 July): not.
                completed("2025-06-30T23:59:59+01:00", "2025-06-30T12:00:00+01:00", false),
                completed("2025-07-01T00:00:59+01:00", "2025-06-30T12:00:00+01:00", false),
                // Due late on 31 May, local time: not June.
                completed("2025-05-31T23:30:00+01:00", "2025-05-31T12:00:00+01:00", false),
                // Urgent, due the day it came, assessed the next morning: late.
                completed("2025-06-12T23:59:59+01:00", "2025-06-13T09:00:00+01:00", true));

        ServiceFigures.Figures figures = ServiceFigures.assessedOnTime(referrals, JUNE, LONDON);

        assertThat(figures.overall()).isEqualTo(new Tally(3, 5));
        assertThat(figures.strata().get("priority").get("urgent")).isEqualTo(new Tally(0, 1));
        assertThat(figures.strata().get("priority").get("routine")).isEqualTo(new Tally(3, 4));
    }

    @Test
    void goalsClosedOnTheBoundaryDaysCount() {
        List<GoalFact> goals = List.of(
                new GoalFact("T1", "completed", LocalDate.of(2025, 6, 1), true),
                new GoalFact("T1", "completed", LocalDate.of(2025, 6, 30), false),
                new GoalFact("T2", "cancelled", LocalDate.of(2025, 6, 15), false),
                new GoalFact("T2", "completed", LocalDate.of(2025, 5, 31), true),
                new GoalFact("T2", "completed", LocalDate.of(2025, 7, 1), true),
                new GoalFact("T2", "active", LocalDate.of(2025, 6, 15), false),
                new GoalFact("T2", "completed", null, true));

        ServiceFigures.Figures figures = ServiceFigures.goalsMet(goals, JUNE);

        assertThat(figures.overall()).isEqualTo(new Tally(1, 3));
        assertThat(figures.strata().get("team").get("T1")).isEqualTo(new Tally(1, 2));
        assertThat(figures.strata().get("team").get("T2")).isEqualTo(new Tally(0, 1));
    }

    @Test
    void aPeriodEndingBeforeItStartsIsRefused() {
        assertThatThrownBy(() -> new Period(LocalDate.of(2025, 6, 2), LocalDate.of(2025, 6, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countsFromOneToFourAreMaskedForNonOperatorsAndTheScoreWithThem() {
        ServiceFigures.Figures figures = new ServiceFigures.Figures(
                new Tally(4, 30), Map.of("team", Map.of("T1", new Tally(0, 5), "T2", new Tally(4, 25))));
        org.hl7.fhir.r4.model.Measure measure = new org.hl7.fhir.r4.model.Measure().setUrl("urn:m");

        MeasureReport forGp = MeasureReports.of(measure, JUNE, figures, true, new java.util.Date());
        MeasureReport forOperator = MeasureReports.of(measure, JUNE, figures, false, new java.util.Date());

        var group = forGp.getGroupFirstRep();
        assertThat(group.getPopulation().get(0).getCount()).isEqualTo(30);
        assertThat(group.getPopulation().get(1).getCountElement().hasValue()).isFalse();
        assertThat(group.getPopulation()
                        .get(1)
                        .getCountElement()
                        .getExtensionByUrl(MeasureReports.DATA_ABSENT_REASON)
                        .getValue()
                        .primitiveValue())
                .isEqualTo("masked");
        assertThat(group.hasMeasureScore()).isFalse();
        // Zero is not a small number that points at anyone.
        var t1 = group.getStratifierFirstRep().getStratum().stream()
                .filter(s -> s.getValue().getText().equals("T1"))
                .findFirst()
                .orElseThrow();
        assertThat(t1.getPopulation().get(1).getCount()).isZero();
        assertThat(t1.getMeasureScore().getValue()).isEqualByComparingTo("0");

        assertThat(forOperator.getGroupFirstRep().getPopulation().get(1).getCount())
                .isEqualTo(4);
        assertThat(forOperator.getGroupFirstRep().getMeasureScore().getValue()).isEqualByComparingTo("0.1333");
    }

    @Test
    void aMaskedStratumIsNeverOneSubtractionAwayFromTheTotal() {
        // Team A's 3 on time would be 12 less 9 less 0: B's 9 is masked too, C's zero stays.
        ServiceFigures.Figures figures = new ServiceFigures.Figures(
                new Tally(12, 40),
                Map.of("team", Map.of("A", new Tally(3, 10), "B", new Tally(9, 15), "C", new Tally(0, 15))));
        org.hl7.fhir.r4.model.Measure measure = new org.hl7.fhir.r4.model.Measure().setUrl("urn:m");

        MeasureReport forGp = MeasureReports.of(measure, JUNE, figures, true, new java.util.Date());

        Map<String, String> numerators = new HashMap<>();
        for (var stratum : forGp.getGroupFirstRep().getStratifierFirstRep().getStratum()) {
            var numerator = stratum.getPopulation().get(1).getCountElement();
            numerators.put(
                    stratum.getValue().getText(), numerator.hasValue() ? numerator.getValueAsString() : "masked");
            if (!numerator.hasValue()) {
                assertThat(stratum.hasMeasureScore()).isFalse();
            }
        }
        assertThat(numerators)
                .containsEntry("A", "masked")
                .containsEntry("B", "masked")
                .containsEntry("C", "0");
        assertThat(forGp.getGroupFirstRep().getPopulation().get(1).getCount()).isEqualTo(12);
        // The operator's report has every count.
        MeasureReport forOperator = MeasureReports.of(measure, JUNE, figures, false, new java.util.Date());
        assertThat(forOperator.getGroupFirstRep().getStratifierFirstRep().getStratum().stream()
                        .allMatch(
                                s -> s.getPopulation().get(1).getCountElement().hasValue()))
                .isTrue();
    }

    /** Generated strata: whatever the counts, no masked count can be worked out from the shown ones and the total. */
    @Test
    void noGeneratedReportLetsAMaskedCountBeWorkedOut() {
        Random random = new Random(20261208);
        org.hl7.fhir.r4.model.Measure measure = new org.hl7.fhir.r4.model.Measure().setUrl("urn:m");
        for (int round = 0; round < 2000; round++) {
            Map<String, Tally> strata = new HashMap<>();
            int teams = 1 + random.nextInt(5);
            int numerator = 0;
            int denominator = 0;
            for (int t = 0; t < teams; t++) {
                int d = random.nextInt(random.nextBoolean() ? 6 : 20);
                int n = d == 0 ? 0 : random.nextInt(d + 1);
                strata.put("T" + t, new Tally(n, d));
                numerator += n;
                denominator += d;
            }
            Tally overall = new Tally(numerator, denominator);
            MeasureReport report = MeasureReports.of(
                    measure,
                    JUNE,
                    new ServiceFigures.Figures(overall, Map.of("team", strata)),
                    true,
                    new java.util.Date());
            var group = report.getGroupFirstRep();
            for (int population : List.of(0, 1)) { // denominator, numerator
                var total = group.getPopulation().get(population).getCountElement();
                int masked = 0;
                int shownSum = 0;
                boolean allSmall = true;
                for (var stratum : group.getStratifierFirstRep().getStratum()) {
                    Tally actual = strata.get(stratum.getValue().getText());
                    int value = population == 0 ? actual.denominator() : actual.numerator();
                    var count = stratum.getPopulation().get(population).getCountElement();
                    if (count.hasValue()) {
                        assertThat(count.getValue()).isEqualTo(value);
                        assertThat(value >= 1 && value <= 4)
                                .as("a small count shown")
                                .isFalse();
                        shownSum += value;
                    } else {
                        assertThat(value).as("a zero masked").isPositive();
                        masked++;
                        allSmall &= value <= 4;
                    }
                }
                if (!total.hasValue()) {
                    assertThat(total.getExtensionByUrl(MeasureReports.DATA_ABSENT_REASON))
                            .isNotNull();
                    continue;
                }
                assertThat(total.getValue()).isEqualTo(population == 0 ? overall.denominator() : overall.numerator());
                if (masked == 0) {
                    continue;
                }
                int rest = total.getValue() - shownSum;
                assertThat(masked)
                        .as("one masked stratum beside a shown total, round " + round)
                        .isNotEqualTo(1);
                assertThat(rest)
                        .as("masked strata that can only be ones, round " + round)
                        .isNotEqualTo(masked);
                if (allSmall) { // were one masked count above four, all fours would be one reading of several
                    assertThat(rest)
                            .as("masked strata that can only be fours, round " + round)
                            .isNotEqualTo(4 * masked);
                }
            }
        }
    }
}
