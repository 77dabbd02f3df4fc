package uk.linkwell.gateway.workflow.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.MeasureReport;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.CaseFact;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.Period;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.PlanFact;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.ReviewFact;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.SessionFact;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.StayFact;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.Tally;

/**
 * The care process's figures (action plans within 28 days of allocation, reviews in the last 12 months, emergency
 * readmissions within 30 days, engagement, caseload) at their edges: the last day that counts and the first that
 * does not, the period's first and last days, void records, and the caseload reported as a count.
 */
class CareProcessFiguresTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");
    private static final Period JUNE = new Period(LocalDate.of(2025, 6, 1), LocalDate.of(2025, 6, 30));

    private static LocalDate d(String day) {
        return LocalDate.parse(day);
    }

    private static CaseFact allocated(String id, String patient, String status, String start, String allocatedOn) {
        return new CaseFact(
                id, patient, "Organization/t", status, d(start), null, "amber", "Practitioner/p", d(allocatedOn));
    }

    @Test
    void anActionPlanCountsUpToTheTwentyEighthDayAfterAllocation() {
        List<CaseFact> cases = List.of(
                // Allocated 10 May: deadline 7 June. Plan on the 28th day: counts.
                allocated("EpisodeOfCare/1", "Patient/1", "active", "2025-05-08", "2025-05-10"),
                // Same deadline, plan on the 29th day: does not.
                allocated("EpisodeOfCare/2", "Patient/2", "active", "2025-05-08", "2025-05-10"),
                // Allocated across the month boundary (31 May): deadline 28 June, in June; plan made before the
                // allocation, at assessment, after the case started: counts.
                allocated("EpisodeOfCare/3", "Patient/3", "active", "2025-05-29", "2025-05-31"),
                // A plan from before the case started (an earlier case) does not count.
                allocated("EpisodeOfCare/4", "Patient/4", "finished", "2025-05-20", "2025-05-20"),
                // Deadline 3 July: not this period's.
                allocated("EpisodeOfCare/5", "Patient/5", "active", "2025-06-05", "2025-06-05"),
                // Deadline 1 June, the period's first day: counts, without a plan.
                allocated("EpisodeOfCare/6", "Patient/6", "active", "2025-05-04", "2025-05-04"),
                // Void and never-allocated cases are not counted.
                allocated("EpisodeOfCare/7", "Patient/7", "entered-in-error", "2025-05-10", "2025-05-10"),
                new CaseFact(
                        "EpisodeOfCare/8",
                        "Patient/8",
                        "Organization/t",
                        "active",
                        d("2025-05-10"),
                        null,
                        null,
                        null,
                        null));
        List<PlanFact> plans = List.of(
                new PlanFact("Patient/1", "active", d("2025-06-07")),
                new PlanFact("Patient/2", "active", d("2025-06-08")),
                new PlanFact("Patient/3", "draft", d("2025-05-30")),
                new PlanFact("Patient/4", "active", d("2025-05-19")),
                // A plan entered in error is no plan.
                new PlanFact("Patient/6", "entered-in-error", d("2025-05-05")));

        ServiceFigures.Figures figures = ServiceFigures.actionPlanOnTime(cases, plans, JUNE);

        assertThat(figures.overall()).isEqualTo(new Tally(2, 5));
        assertThat(figures.strata().get("team").get("Organization/t")).isEqualTo(new Tally(2, 5));
    }

    private static CaseFact running(String id, String status, String start, String end, String complexity) {
        return new CaseFact(
                id,
                "Patient/" + id,
                "Organization/t",
                status,
                d(start),
                end == null ? null : d(end),
                complexity,
                "Practitioner/p",
                null);
    }

    @Test
    void aReviewOnTheAnniversaryCountsAndTheDayBeforeDoesNot() {
        List<CaseFact> cases = List.of(
                running("a", "active", "2023-01-01", null, "red"),
                running("b", "active", "2023-01-01", null, "red"),
                running("c", "active", "2024-01-01", null, null),
                running("d", "active", "2025-06-30", null, "green"),
                // Finished on the last day: active that day. Finished the day before: not.
                running("e", "finished", "2024-01-01", "2025-06-30", "amber"),
                running("f", "finished", "2024-01-01", "2025-06-29", "amber"),
                // Starts after the period; cancelled: not counted.
                running("g", "active", "2025-07-01", null, "red"),
                running("h", "cancelled", "2024-01-01", null, "red"));
        List<ReviewFact> reviews = List.of(
                new ReviewFact("a", d("2024-06-30")), // the anniversary of the period's last day: counts
                new ReviewFact("b", d("2024-06-29")), // a day earlier: does not
                new ReviewFact("c", d("2025-07-01")), // after the period: does not
                new ReviewFact("e", d("2025-06-30")),
                new ReviewFact("f", d("2025-06-01")));

        ServiceFigures.Figures figures = ServiceFigures.reviewedInYear(cases, reviews, JUNE);

        assertThat(figures.overall()).isEqualTo(new Tally(2, 5));
        assertThat(figures.strata().get("complexity").get("red")).isEqualTo(new Tally(1, 2));
        assertThat(figures.strata().get("complexity").get("unrated")).isEqualTo(new Tally(0, 1));
        assertThat(figures.strata().get("complexity").get("amber")).isEqualTo(new Tally(1, 1));
    }

    @Test
    void theAnniversaryOfTheTwentyNinthOfFebruaryIsTheTwentyEighth() {
        Period february = new Period(d("2028-02-01"), d("2028-02-29"));
        List<CaseFact> cases = List.of(
                running("a", "active", "2020-01-01", null, "red"), running("b", "active", "2020-01-01", null, "red"));
        List<ReviewFact> reviews = List.of(new ReviewFact("a", d("2027-02-28")), new ReviewFact("b", d("2027-02-27")));

        assertThat(ServiceFigures.reviewedInYear(cases, reviews, february).overall())
                .isEqualTo(new Tally(1, 2));
    }

    private static Instant at(String time) {
        return OffsetDateTime.parse(time).toInstant();
    }

    private static StayFact stay(String patient, boolean emergency, String admitted, String discharged) {
        return new StayFact(
                patient,
                "RWELL",
                discharged == null ? "in-progress" : "finished",
                true,
                emergency,
                at(admitted),
                discharged == null ? null : at(discharged));
    }

    @Test
    void aReadmissionOnDayThirtyCountsAndOnDayThirtyOneDoesNot() {
        List<StayFact> stays = new ArrayList<>();
        // Discharged 10 June (an elective stay); emergency admission on 10 July, day 30: a readmission.
        stays.add(stay("Patient/1", false, "2025-06-01T10:00:00+01:00", "2025-06-10T23:30:00+01:00"));
        stays.add(stay("Patient/1", true, "2025-07-10T00:10:00+01:00", null));
        // Discharged 10 June; emergency admission on 11 July, day 31: not.
        stays.add(stay("Patient/2", true, "2025-06-01T10:00:00+01:00", "2025-06-10T09:00:00+01:00"));
        stays.add(stay("Patient/2", true, "2025-07-11T08:00:00+01:00", "2025-07-15T08:00:00+01:00"));
        // Discharged 12 June; an elective admission a week later: not a readmission (that stay, discharged 20 June,
        // is an index discharge of its own).
        stays.add(stay("Patient/3", false, "2025-06-02T10:00:00+01:00", "2025-06-12T09:00:00+01:00"));
        stays.add(stay("Patient/3", false, "2025-06-19T10:00:00+01:00", "2025-06-20T09:00:00+01:00"));
        // Discharged and back in the same afternoon as an emergency: day 0, a readmission. The second stay's
        // discharge is in June too: an index stay itself, not readmitted.
        stays.add(stay("Patient/4", false, "2025-06-20T10:00:00+01:00", "2025-06-21T11:00:00+01:00"));
        stays.add(stay("Patient/4", true, "2025-06-21T16:00:00+01:00", "2025-06-25T16:00:00+01:00"));
        // Discharged 31 May (local): not this period's; someone else's emergency admission is not a readmission.
        stays.add(stay("Patient/5", false, "2025-05-20T10:00:00+01:00", "2025-05-31T23:59:00+01:00"));
        stays.add(stay("Patient/5", true, "2025-06-05T10:00:00+01:00", null));
        stays.add(stay("Patient/6", false, "2025-06-01T10:00:00+01:00", "2025-06-15T10:00:00+01:00"));
        stays.add(stay("Patient/7", true, "2025-06-16T10:00:00+01:00", null));
        // An emergency admission entered in error is no readmission.
        stays.add(stay("Patient/8", false, "2025-06-01T10:00:00+01:00", "2025-06-15T10:00:00+01:00"));
        stays.add(new StayFact(
                "Patient/8", "RWELL", "entered-in-error", true, true, at("2025-06-16T10:00:00+01:00"), null));

        ServiceFigures.Figures figures = ServiceFigures.readmissions(stays, JUNE, LONDON);

        // Index discharges in June: 1, 2, 3 (twice), 4 (twice), 6, 8; readmitted: 1 and 4's first.
        assertThat(figures.overall()).isEqualTo(new Tally(2, 8));
        assertThat(figures.strata().get("team").get("RWELL")).isEqualTo(new Tally(2, 8));
    }

    @Test
    void engagementIsASessionOfTheCaseOnOrAfterItsFirstDay() {
        List<CaseFact> cases = List.of(
                running("EpisodeOfCare/1", "active", "2025-06-01", null, "red"),
                running("EpisodeOfCare/2", "active", "2025-06-30", null, "red"),
                running("EpisodeOfCare/3", "finished", "2025-06-10", "2025-06-20", "red"),
                running("EpisodeOfCare/4", "active", "2025-06-15", null, "red"),
                // Started before or after the period, or void: not counted.
                running("EpisodeOfCare/5", "active", "2025-05-31", null, "red"),
                running("EpisodeOfCare/6", "active", "2025-07-01", null, "red"),
                running("EpisodeOfCare/7", "entered-in-error", "2025-06-10", null, "red"));
        List<SessionFact> sessions = List.of(
                // The first day, and a session after the period: both count.
                new SessionFact("EpisodeOfCare/1", "finished", d("2025-06-01")),
                new SessionFact("EpisodeOfCare/2", "finished", d("2025-08-01")),
                // A session the day before the case started is not one of its sessions.
                new SessionFact("EpisodeOfCare/3", "finished", d("2025-06-09")),
                // Booked, not held.
                new SessionFact("EpisodeOfCare/4", "planned", d("2025-06-16")),
                new SessionFact("EpisodeOfCare/5", "finished", d("2025-06-02")));

        ServiceFigures.Figures figures = ServiceFigures.engagement(cases, sessions, JUNE);

        assertThat(figures.overall()).isEqualTo(new Tally(2, 4));
    }

    @Test
    void theCaseloadCountsCasesActiveOnTheLastDayByColourWorkerAndTeam() {
        List<CaseFact> cases = List.of(
                new CaseFact("1", "Patient/1", "T", "active", d("2025-01-01"), null, "red", "Practitioner/a", null),
                new CaseFact("2", "Patient/2", "T", "active", d("2025-01-01"), null, "red", "Practitioner/a", null),
                new CaseFact("3", "Patient/3", "T", "active", d("2025-01-01"), null, "green", "Practitioner/b", null),
                new CaseFact("4", "Patient/4", "U", "active", d("2025-06-30"), null, null, null, null),
                new CaseFact(
                        "5",
                        "Patient/5",
                        "T",
                        "finished",
                        d("2025-01-01"),
                        d("2025-06-29"),
                        "red",
                        "Practitioner/a",
                        null),
                new CaseFact("6", "Patient/6", "T", "waitlist", d("2025-01-01"), null, "red", null, null));

        ServiceFigures.Figures figures = ServiceFigures.caseload(cases, JUNE);

        assertThat(figures.overall().denominator()).isEqualTo(4);
        assertThat(figures.strata().get("complexity"))
                .containsEntry("red", new Tally(2, 2))
                .containsEntry("green", new Tally(1, 1))
                .containsEntry("unrated", new Tally(1, 1));
        assertThat(figures.strata().get("practitioner"))
                .containsEntry("Practitioner/a", new Tally(2, 2))
                .containsEntry("Practitioner/b", new Tally(1, 1))
                .containsEntry("(unallocated)", new Tally(1, 1));
        assertThat(figures.strata().get("team")).containsEntry("T", new Tally(3, 3));
    }

    @Test
    void aCohortMeasureIsReportedAsACountWithoutAScoreAndSmallCountsMasked() {
        Measure caseload = new Measure().setUrl("urn:caseload");
        caseload.setScoring(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/measure-scoring", "cohort", null)));
        ServiceFigures.Figures figures = new ServiceFigures.Figures(
                new Tally(9, 9), Map.of("complexity", Map.of("red", new Tally(6, 6), "green", new Tally(3, 3))));

        MeasureReport report = MeasureReports.of(caseload, JUNE, figures, true, new Date());

        var group = report.getGroupFirstRep();
        assertThat(group.getPopulation()).hasSize(1);
        assertThat(group.getPopulationFirstRep().getCode().getCodingFirstRep().getCode())
                .isEqualTo("initial-population");
        assertThat(group.getPopulationFirstRep().getCount()).isEqualTo(9);
        assertThat(group.hasMeasureScore()).isFalse();
        var strata = group.getStratifierFirstRep().getStratum();
        var green = strata.stream()
                .filter(s -> s.getValue().getText().equals("green"))
                .findFirst()
                .orElseThrow();
        assertThat(green.getPopulation()).hasSize(1);
        assertThat(green.getPopulationFirstRep().getCountElement().hasValue()).isFalse();
        var red = strata.stream()
                .filter(s -> s.getValue().getText().equals("red"))
                .findFirst()
                .orElseThrow();
        // Green's 3 would be 9 less red's 6: red is masked too (secondary suppression), the total stays.
        assertThat(red.getPopulationFirstRep().getCountElement().hasValue()).isFalse();
        assertThat(MeasureReports.of(caseload, JUNE, figures, false, new Date())
                        .getGroupFirstRep()
                        .getStratifierFirstRep()
                        .getStratum()
                        .stream()
                        .filter(s -> s.getValue().getText().equals("red"))
                        .findFirst()
                        .orElseThrow()
                        .getPopulationFirstRep()
                        .getCount())
                .isEqualTo(6);
    }
}
