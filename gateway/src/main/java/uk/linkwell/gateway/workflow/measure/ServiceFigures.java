package uk.linkwell.gateway.workflow.measure;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The service's figures from plain facts about its records: pure (no store, no clock), so a test can check them
 * against a population it generated and counted by itself. Periods are whole local days, both ends included.
 */
public final class ServiceFigures {

    /** What a referral Task says for the figures. */
    public record Referral(
            String team,
            boolean urgent,
            String status,
            LocalDate authoredOn,
            Instant due,
            Instant assessedAt,
            String declineReason) {}

    /** What a Goal says for the figures. */
    public record GoalFact(String team, String lifecycleStatus, LocalDate statusDate, boolean achieved) {}

    /** A numerator over a denominator. */
    public record Tally(int numerator, int denominator) {
        Tally plus(boolean inNumerator) {
            return new Tally(numerator + (inNumerator ? 1 : 0), denominator + 1);
        }
    }

    /** A figure and its strata: stratifier (priority, team, reason) to value to tally, in a stable order. */
    public record Figures(Tally overall, Map<String, Map<String, Tally>> strata) {}

    /** Whole local days, both ends included. */
    public record Period(LocalDate start, LocalDate end) {
        public Period {
            if (end.isBefore(start)) {
                throw new IllegalArgumentException("periodEnd is before periodStart");
            }
        }

        boolean contains(LocalDate day) {
            return day != null && !day.isBefore(start) && !day.isAfter(end);
        }
    }

    /** Not a decision yet, or not one the figures count. */
    private static final Set<String> NOT_DUE = Set.of("cancelled", "rejected", "entered-in-error");

    private static final Set<String> DECIDED = Set.of("accepted", "in-progress", "completed", "rejected");

    private static final Set<String> CLOSED_GOAL = Set.of("completed", "cancelled");

    static final String NO_TEAM = "(no team)";

    private ServiceFigures() {}

    /**
     * Referrals due in the period (cancelled, declined and entered-in-error ones aside), and of them those whose
     * assessment was completed by the due date; by priority (urgent, routine) and team.
     */
    public static Figures assessedOnTime(Collection<Referral> referrals, Period period, ZoneId zone) {
        Builder figures = new Builder();
        for (Referral r : referrals) {
            if (r.due() == null || NOT_DUE.contains(r.status()) || !period.contains(day(r.due(), zone))) {
                continue;
            }
            boolean onTime = "completed".equals(r.status())
                    && r.assessedAt() != null
                    && !r.assessedAt().isAfter(r.due());
            figures.add(onTime, "priority", r.urgent() ? "urgent" : "routine");
            figures.count("team", team(r.team()), onTime);
        }
        return figures.build();
    }

    /**
     * Referrals received (authored) in the period and decided, and of them those declined; the reason stratum
     * counts the declined by reason over all decided ones.
     */
    public static Figures declined(Collection<Referral> referrals, Period period) {
        Builder figures = new Builder();
        int decided = 0;
        Map<String, Integer> byReason = new TreeMap<>();
        for (Referral r : referrals) {
            if (!DECIDED.contains(r.status()) || !period.contains(r.authoredOn())) {
                continue;
            }
            boolean declined = "rejected".equals(r.status());
            decided++;
            figures.add(declined, "team", team(r.team()));
            if (declined) {
                byReason.merge(r.declineReason() == null ? "(no reason)" : r.declineReason(), 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Integer> reason : byReason.entrySet()) {
            figures.set("reason", reason.getKey(), new Tally(reason.getValue(), decided));
        }
        return figures.build();
    }

    /** Goals closed (completed or cancelled) in the period, and of them those achieved; by team. */
    public static Figures goalsMet(Collection<GoalFact> goals, Period period) {
        Builder figures = new Builder();
        for (GoalFact g : goals) {
            if (!CLOSED_GOAL.contains(g.lifecycleStatus()) || !period.contains(g.statusDate())) {
                continue;
            }
            figures.add(g.achieved(), "team", team(g.team()));
        }
        return figures.build();
    }

    private static LocalDate day(Instant instant, ZoneId zone) {
        return instant.atZone(zone).toLocalDate();
    }

    private static String team(String team) {
        return team == null || team.isBlank() ? NO_TEAM : team;
    }

    /** Gathers an overall tally and its strata. */
    private static final class Builder {
        private Tally overall = new Tally(0, 0);
        private final Map<String, Map<String, Tally>> strata = new TreeMap<>();

        /** One record: in the overall tally and in one stratum. */
        void add(boolean inNumerator, String stratifier, String value) {
            overall = overall.plus(inNumerator);
            count(stratifier, value, inNumerator);
        }

        /** One record in a further stratum only. */
        void count(String stratifier, String value, boolean inNumerator) {
            strata.computeIfAbsent(stratifier, k -> new TreeMap<>())
                    .merge(
                            value,
                            new Tally(0, 0).plus(inNumerator),
                            (a, b) -> new Tally(a.numerator() + b.numerator(), a.denominator() + b.denominator()));
        }

        void set(String stratifier, String value, Tally tally) {
            strata.computeIfAbsent(stratifier, k -> new TreeMap<>()).put(value, tally);
        }

        Figures build() {
            Map<String, Map<String, Tally>> copy = new TreeMap<>();
            strata.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
            return new Figures(overall, Collections.unmodifiableMap(copy));
        }
    }
}
