package uk.linkwell.gateway.workflow.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import uk.linkwell.gateway.testsupport.GatewayIntegrationTest;
import uk.linkwell.gateway.testsupport.LinkwellFixtures;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/**
 * The monthly job on PostgreSQL: triggered for a month, it stores one MeasureReport per Measure with the month's
 * figures (small counts suppressed), found by their identifier through the FHIR API; a second run stores none, and
 * two runs at the same moment (as two gateway instances would) store each report once.
 */
class MonthlyMeasureReportsTest extends GatewayIntegrationTest {

    @Autowired
    private MonthlyMeasureReports monthly;

    private List<MeasureReport> stored(YearMonth month) {
        List<MeasureReport> reports = new ArrayList<>();
        for (String id : MeasureEvaluation.known()) {
            Bundle found = client().search()
                    .forResource(MeasureReport.class)
                    .where(MeasureReport.IDENTIFIER
                            .exactly()
                            .systemAndCode(MonthlyMeasureReports.IDENTIFIER_SYSTEM, id + "/" + month))
                    .returnBundle(Bundle.class)
                    .execute();
            found.getEntry().forEach(e -> reports.add((MeasureReport) e.getResource()));
        }
        return reports;
    }

    @Test
    void aMonthIsStoredOnceWithItsFiguresAndASecondRunAddsNone() {
        YearMonth month = YearMonth.of(2019, 3);
        // Six goals met of seven closed in the month: the stored goals-met report has them, unsuppressed.
        Reference patient = new Reference(client().create()
                .resource(LinkwellFixtures.patient(SyntheticNhsNumbers.next()))
                .execute()
                .getId()
                .toUnqualifiedVersionless());
        for (int i = 0; i < 7; i++) {
            Goal goal = LinkwellFixtures.goal(patient, "To walk to the shops");
            goal.setLifecycleStatus(Goal.GoalLifecycleStatus.COMPLETED)
                    .setStatusDateElement(new DateType("2019-03-12"));
            goal.setAchievementStatus(new CodeableConcept(new Coding(
                    "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    i < 6 ? "achieved" : "not-achieved",
                    null)));
            client().create().resource(goal).execute();
        }

        assertThat(monthly.store(month)).isEqualTo(MeasureEvaluation.known().size());

        List<MeasureReport> reports = stored(month);
        assertThat(reports).hasSize(MeasureEvaluation.known().size());
        MeasureReport goals = reports.stream()
                .filter(r -> r.getMeasure().endsWith("/Measure/goals-met"))
                .findFirst()
                .orElseThrow();
        assertThat(goals.getPeriod().getStartElement().getValueAsString()).isEqualTo("2019-03-01");
        assertThat(goals.getPeriod().getEndElement().getValueAsString()).isEqualTo("2019-03-31");
        assertThat(goals.getGroupFirstRep().getPopulation().get(0).getCount()).isEqualTo(7);
        assertThat(goals.getGroupFirstRep().getPopulation().get(1).getCount()).isEqualTo(6);

        assertThat(monthly.store(month)).isZero();
        assertThat(stored(month)).hasSize(MeasureEvaluation.known().size());
    }

    @Test
    void twoInstancesRunningAtOnceStoreEachReportOnce() throws Exception {
        YearMonth month = YearMonth.of(2019, 4);
        CountDownLatch ready = new CountDownLatch(1);
        List<CompletableFuture<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    ready.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return monthly.store(month);
            }));
        }
        ready.countDown();
        int total = 0;
        for (CompletableFuture<Integer> run : runs) {
            total += run.get();
        }

        assertThat(total).isEqualTo(MeasureEvaluation.known().size());
        assertThat(stored(month)).hasSize(MeasureEvaluation.known().size());
    }
}
