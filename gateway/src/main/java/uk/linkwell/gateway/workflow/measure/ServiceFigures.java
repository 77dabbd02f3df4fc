package uk.linkwell.gateway.workflow.measure;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
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

    /**
     * What a case (EpisodeOfCare) says for the figures: its id, person, team (managing organisation), status, first
     * and last local day (end null while open), RAG complexity (null when unrated), care manager (null when
     * unallocated), and the local day it was allocated (the allocation Task's completion; null when never).
     */
    public record CaseFact(
            String id,
            String patient,
            String team,
            String status,
            LocalDate start,
            LocalDate end,
            String complexity,
            String careManager,
            LocalDate allocatedOn) {}

    /** An action plan (CarePlan) of a person, made on a local day, with its status. */
    public record PlanFact(String patient, String status, LocalDate madeOn) {}

    /** A completed review of a case, done on a local day. */
    public record ReviewFact(String caseId, LocalDate doneOn) {}

    /**
     * A hospital stay (Encounter): its person, team (the recording organisation), status, whether it is inpatient
     * (class IMP) and an emergency admission (priority EM), and when it started and ended (null while in hospital).
     */
    public record StayFact(
            String patient,
            String team,
            String status,
            boolean inpatient,
            boolean emergency,
            Instant admitted,
            Instant discharged) {}

    /** A session a person took part in: a finished Encounter of their case, on a local day. */
    public record SessionFact(String caseId, String status, LocalDate on) {}

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

    /** Days after allocation within which a case's action plan is made; the last of them counts. */
    static final int ACTION_PLAN_DAYS = 28;

    /** Days after a discharge within which an emergency admission is a readmission; the last of them counts. */
    static final int READMISSION_DAYS = 30;

    /** A case that never ran, or was recorded by mistake: counted in no figure. */
    private static final Set<String> VOID_CASE = Set.of("cancelled", "entered-in-error", "planned", "waitlist");

    /** Plans and stays recorded by mistake or withdrawn. */
    private static final Set<String> VOID_RECORD = Set.of("entered-in-error", "revoked", "cancelled");

    static final String UNRATED = "unrated";
    static final String UNALLOCATED = "(unallocated)";

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

    /**
     * Cases whose action-plan deadline (the allocation day plus 28 days) falls in the period, and of them those whose
     * person has an action plan made from the case's start to that deadline, both days included; by team. A case
     * never allocated, or void (cancelled, entered in error, still planned or waiting), is not counted.
     */
    public static Figures actionPlanOnTime(Collection<CaseFact> cases, Collection<PlanFact> plans, Period period) {
        Map<String, List<LocalDate>> plansByPerson = new HashMap<>();
        for (PlanFact plan : plans) {
            if (plan.madeOn() != null && !VOID_RECORD.contains(plan.status())) {
                plansByPerson
                        .computeIfAbsent(plan.patient(), k -> new ArrayList<>())
                        .add(plan.madeOn());
            }
        }
        Builder figures = new Builder();
        for (CaseFact c : cases) {
            if (c.allocatedOn() == null || VOID_CASE.contains(c.status())) {
                continue;
            }
            LocalDate deadline = c.allocatedOn().plusDays(ACTION_PLAN_DAYS);
            if (!period.contains(deadline)) {
                continue;
            }
            LocalDate from = c.start() == null || c.start().isAfter(c.allocatedOn()) ? c.allocatedOn() : c.start();
            boolean planned = plansByPerson.getOrDefault(c.patient(), List.of()).stream()
                    .anyMatch(day -> !day.isBefore(from) && !day.isAfter(deadline));
            figures.add(planned, "team", team(c.team()));
        }
        return figures.build();
    }

    /**
     * Cases active on the period's last day, and of them those with a review completed in the twelve months up to
     * and including it: from the same date a year before (the anniversary counts; from 28 February when the last
     * day is 29 February) to the last day; by team and complexity.
     */
    public static Figures reviewedInYear(Collection<CaseFact> cases, Collection<ReviewFact> reviews, Period period) {
        LocalDate day = period.end();
        LocalDate from = day.minusYears(1);
        Set<String> reviewed = new java.util.HashSet<>();
        for (ReviewFact review : reviews) {
            if (review.doneOn() != null
                    && !review.doneOn().isBefore(from)
                    && !review.doneOn().isAfter(day)) {
                reviewed.add(review.caseId());
            }
        }
        Builder figures = new Builder();
        for (CaseFact c : cases) {
            if (!activeOn(c, day)) {
                continue;
            }
            boolean done = reviewed.contains(c.id());
            figures.add(done, "team", team(c.team()));
            figures.count("complexity", complexity(c.complexity()), done);
        }
        return figures.build();
    }

    /**
     * Inpatient stays (class IMP) ending with a discharge on a day of the period, and of them those followed by an
     * emergency inpatient admission (priority EM) of the same person starting after the discharge and at most 30
     * local days after its day (day 30 counts, day 31 does not); by team (the discharging hospital's records).
     */
    public static Figures readmissions(Collection<StayFact> stays, Period period, ZoneId zone) {
        Map<String, List<StayFact>> admissionsByPerson = new HashMap<>();
        for (StayFact stay : stays) {
            if (stay.inpatient()
                    && stay.emergency()
                    && stay.admitted() != null
                    && !VOID_RECORD.contains(stay.status())) {
                admissionsByPerson
                        .computeIfAbsent(stay.patient(), k -> new ArrayList<>())
                        .add(stay);
            }
        }
        Builder figures = new Builder();
        for (StayFact stay : stays) {
            if (!stay.inpatient()
                    || !"finished".equals(stay.status())
                    || stay.discharged() == null
                    || !period.contains(day(stay.discharged(), zone))) {
                continue;
            }
            LocalDate dischargeDay = day(stay.discharged(), zone);
            boolean readmitted = admissionsByPerson.getOrDefault(stay.patient(), List.of()).stream()
                    .filter(next -> next != stay && next.admitted().isAfter(stay.discharged()))
                    .anyMatch(next ->
                            ChronoUnit.DAYS.between(dischargeDay, day(next.admitted(), zone)) <= READMISSION_DAYS);
            figures.add(readmitted, "team", team(stay.team()));
        }
        return figures.build();
    }

    /**
     * Cases started (the referral accepted) on a day of the period, and of them those whose person took part in at
     * least one session of the case (a finished Encounter naming it) on or after its first day; by team.
     */
    public static Figures engagement(Collection<CaseFact> cases, Collection<SessionFact> sessions, Period period) {
        Map<String, List<LocalDate>> sessionsByCase = new HashMap<>();
        for (SessionFact session : sessions) {
            if ("finished".equals(session.status()) && session.on() != null) {
                sessionsByCase
                        .computeIfAbsent(session.caseId(), k -> new ArrayList<>())
                        .add(session.on());
            }
        }
        Builder figures = new Builder();
        for (CaseFact c : cases) {
            if (VOID_CASE.contains(c.status()) || !period.contains(c.start())) {
                continue;
            }
            boolean engaged =
                    sessionsByCase.getOrDefault(c.id(), List.of()).stream().anyMatch(day -> !day.isBefore(c.start()));
            figures.add(engaged, "team", team(c.team()));
        }
        return figures.build();
    }

    /**
     * The caseload on the period's last day: the cases active then, by complexity (red, amber, green, unrated),
     * by care manager and by team. A count, not a proportion: each tally's numerator is its denominator.
     */
    public static Figures caseload(Collection<CaseFact> cases, Period period) {
        Builder figures = new Builder();
        for (CaseFact c : cases) {
            if (!activeOn(c, period.end())) {
                continue;
            }
            figures.add(true, "complexity", complexity(c.complexity()));
            figures.count(
                    "practitioner",
                    c.careManager() == null || c.careManager().isBlank() ? UNALLOCATED : c.careManager(),
                    true);
            figures.count("team", team(c.team()), true);
        }
        return figures.build();
    }

    /**
     * Whether a case was active on a day: started by then, not ended before it, and not void. A case finished on
     * the day was still active that day.
     */
    static boolean activeOn(CaseFact c, LocalDate day) {
        if (VOID_CASE.contains(c.status()) || c.start() == null || c.start().isAfter(day)) {
            return false;
        }
        if (c.end() != null) {
            return !c.end().isBefore(day);
        }
        // A finished case without an end day is of unknown length: not counted as active.
        return !"finished".equals(c.status());
    }

    private static String complexity(String complexity) {
        return complexity == null || complexity.isBlank() ? UNRATED : complexity;
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
