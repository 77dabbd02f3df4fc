package uk.linkwell.gateway.workflow.measure;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.MeasureReport.MeasureReportGroupPopulationComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupComponent;
import org.hl7.fhir.r4.model.MeasureReport.StratifierGroupPopulationComponent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.Figures;
import uk.linkwell.gateway.workflow.measure.ServiceFigures.Tally;

/**
 * A Measure's figures as a summary MeasureReport: numerator, denominator and score, overall and per stratum. For
 * readers other than operators, counts from 1 to 4 are suppressed, as NHS statistics do so that a small count does
 * not point at a person: the count is left out with the data-absent-reason {@code masked}, and so is any score it
 * would give away. Where a stratifier's strata would let a masked count be worked out (one masked stratum beside
 * a shown total: the total less the others), the smallest other non-zero count is masked as well (secondary
 * suppression), so no masked count is ever one subtraction away. Pure.
 */
public final class MeasureReports {

    static final String POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population";
    static final String DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
    /** Counts from 1 to this are suppressed for readers other than operators. */
    static final int SUPPRESSED_UP_TO = 4;
    /** The population of a cohort Measure (a count). */
    static final String INITIAL_POPULATION = "initial-population";

    private MeasureReports() {}

    public static MeasureReport of(
            Measure measure, ServiceFigures.Period period, Figures figures, boolean suppress, Date now) {
        MeasureReport report = new MeasureReport();
        report.setStatus(MeasureReport.MeasureReportStatus.COMPLETE);
        report.setType(MeasureReport.MeasureReportType.SUMMARY);
        report.setMeasure(measure.getUrl());
        report.setDate(now);
        report.setPeriod(new Period()
                .setStartElement(new DateTimeType(period.start().toString()))
                .setEndElement(new DateTimeType(period.end().toString())));
        if (measure.hasImprovementNotation()) {
            report.setImprovementNotation(measure.getImprovementNotation().copy());
        }
        MeasureReport.MeasureReportGroupComponent group = report.addGroup();
        Tally overall = figures.overall();
        boolean cohort = isCohort(measure);
        Map<String, Set<String>> alsoMasked = new HashMap<>();
        figures.strata()
                .forEach((name, strata) ->
                        alsoMasked.put(name, suppress ? secondary(overall, strata, cohort) : Set.of()));
        boolean totalMasked = alsoMasked.values().stream().anyMatch(m -> m.contains(cell(OVERALL, DENOMINATOR)));
        boolean numeratorMasked = alsoMasked.values().stream().anyMatch(m -> m.contains(cell(OVERALL, NUMERATOR)));
        if (cohort) {
            group.addPopulation(population(INITIAL_POPULATION, overall.denominator(), suppress, totalMasked));
        } else {
            group.addPopulation(population("denominator", overall.denominator(), suppress, totalMasked));
            group.addPopulation(population("numerator", overall.numerator(), suppress, numeratorMasked));
            if (!totalMasked && !numeratorMasked) {
                score(overall, suppress).ifPresent(group::setMeasureScore);
            }
        }
        for (Map.Entry<String, Map<String, Tally>> stratifier : figures.strata().entrySet()) {
            Set<String> masked = alsoMasked.get(stratifier.getKey());
            MeasureReport.MeasureReportGroupStratifierComponent component = group.addStratifier();
            component.addCode(new CodeableConcept().setText(stratifier.getKey()));
            for (Map.Entry<String, Tally> value : stratifier.getValue().entrySet()) {
                StratifierGroupComponent stratum = component.addStratum();
                stratum.setValue(new CodeableConcept().setText(value.getKey()));
                boolean denominatorMasked = masked.contains(cell(value.getKey(), DENOMINATOR));
                if (cohort) {
                    stratum.addPopulation(stratumPopulation(
                            INITIAL_POPULATION, value.getValue().denominator(), suppress, denominatorMasked));
                    continue;
                }
                boolean stratumNumeratorMasked = masked.contains(cell(value.getKey(), NUMERATOR));
                stratum.addPopulation(
                        stratumPopulation("denominator", value.getValue().denominator(), suppress, denominatorMasked));
                stratum.addPopulation(
                        stratumPopulation("numerator", value.getValue().numerator(), suppress, stratumNumeratorMasked));
                if (!denominatorMasked && !stratumNumeratorMasked) {
                    score(value.getValue(), suppress).ifPresent(stratum::setMeasureScore);
                }
            }
        }
        return report;
    }

    /** A count, not a proportion (the caseload): one population, no score. */
    static boolean isCohort(Measure measure) {
        return measure.getScoring().getCoding().stream().anyMatch(c -> "cohort".equals(c.getCode()));
    }

    private static final String NUMERATOR = "numerator";
    private static final String DENOMINATOR = "denominator";
    /** The stratum name under which {@link #secondary} masks a total. */
    private static final String OVERALL = "\u0000overall";

    /**
     * The strata counts masked beyond the small ones, as {@link #cell} keys: for each population (numerator,
     * denominator) whose total is shown while its masked strata could be worked out from it (one masked stratum,
     * or several whose sum, the total less the shown ones, leaves one answer: all ones or all fours), the smallest
     * shown count above four; where there is none, the total ({@link #OVERALL}).
     */
    static Set<String> secondary(Tally overall, Map<String, Tally> strata, boolean cohort) {
        Set<String> masked = new HashSet<>();
        List<String> populations = cohort ? List.of(DENOMINATOR) : List.of(NUMERATOR, DENOMINATOR);
        for (String population : populations) {
            ToIntFunction<Tally> count = NUMERATOR.equals(population) ? Tally::numerator : Tally::denominator;
            if (suppressed(count.applyAsInt(overall), true)) {
                continue;
            }
            List<Integer> small = strata.values().stream()
                    .map(count::applyAsInt)
                    .filter(c -> suppressed(c, true))
                    .toList();
            int sum = small.stream().mapToInt(Integer::intValue).sum();
            boolean workedOut = small.size() == 1
                    || (small.size() > 1 && (sum == small.size() || sum == SUPPRESSED_UP_TO * small.size()));
            if (!workedOut) {
                continue;
            }
            strata.entrySet().stream()
                    .filter(e -> count.applyAsInt(e.getValue()) > SUPPRESSED_UP_TO)
                    .min(Comparator.comparingInt((Map.Entry<String, Tally> e) -> count.applyAsInt(e.getValue()))
                            .thenComparing(Map.Entry::getKey))
                    .ifPresentOrElse(
                            e -> masked.add(cell(e.getKey(), population)), () -> masked.add(cell(OVERALL, population)));
        }
        return masked;
    }

    private static String cell(String stratum, String population) {
        return population + "|" + stratum;
    }

    /** Whether a count is left out of a report for a reader other than operators. */
    static boolean suppressed(int count, boolean suppress) {
        return suppress && count >= 1 && count <= SUPPRESSED_UP_TO;
    }

    private static MeasureReportGroupPopulationComponent population(
            String code, int count, boolean suppress, boolean alsoMasked) {
        MeasureReportGroupPopulationComponent population = new MeasureReportGroupPopulationComponent();
        population.setCode(code(code));
        population.setCountElement(alsoMasked ? masked() : count(count, suppress));
        return population;
    }

    private static StratifierGroupPopulationComponent stratumPopulation(
            String code, int count, boolean suppress, boolean alsoMasked) {
        StratifierGroupPopulationComponent population = new StratifierGroupPopulationComponent();
        population.setCode(code(code));
        population.setCountElement(alsoMasked ? masked() : count(count, suppress));
        return population;
    }

    private static IntegerType masked() {
        IntegerType element = new IntegerType();
        element.addExtension(DATA_ABSENT_REASON, new CodeType("masked"));
        return element;
    }

    private static IntegerType count(int count, boolean suppress) {
        IntegerType element = new IntegerType();
        if (suppressed(count, suppress)) {
            element.addExtension(DATA_ABSENT_REASON, new CodeType("masked"));
        } else {
            element.setValue(count);
        }
        return element;
    }

    /** numerator / denominator, to four places; none without a denominator or when either count is suppressed. */
    private static java.util.Optional<Quantity> score(Tally tally, boolean suppress) {
        if (tally.denominator() == 0
                || suppressed(tally.numerator(), suppress)
                || suppressed(tally.denominator(), suppress)) {
            return java.util.Optional.empty();
        }
        BigDecimal value = BigDecimal.valueOf(tally.numerator())
                .divide(BigDecimal.valueOf(tally.denominator()), 4, RoundingMode.HALF_UP);
        return java.util.Optional.of(new Quantity().setValue(value));
    }

    private static CodeableConcept code(String code) {
        return new CodeableConcept().addCoding(new Coding(POPULATION_SYSTEM, code, null));
    }
}
