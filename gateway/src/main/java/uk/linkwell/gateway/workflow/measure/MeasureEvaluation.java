package uk.linkwell.gateway.workflow.measure;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.MeasureReport;
import org.hl7.fhir.r4.model.StringType;
import uk.linkwell.gateway.hapi.StoredMatches;
import uk.linkwell.gateway.referral.ReferralClock;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.FhirRequesters;
import uk.linkwell.gateway.security.Requester;
import uk.linkwell.profiles.LinkwellPackage;

/**
 * {@code Measure/<id>/$evaluate-measure?periodStart=&periodEnd=}: one of Linkwell's own Measures computed in Java
 * from the store (no CQL engine) as a summary MeasureReport. It counts only what the caller could read directly
 * (the decision point decides each record), and suppresses small counts for anyone but operators.
 */
public class MeasureEvaluation {

    static final String MEASURE_BASE = LinkwellPackage.CANONICAL_BASE + "/Measure/";

    private final DaoRegistry daos;
    private final MeasureFacts facts;
    private final ZoneId zone;
    private final Clock clock;
    /** The decision point's "would this client see this record by reading it now?"; null when consent is off. */
    private final BiPredicate<RequestDetails, IBaseResource> visible;

    public MeasureEvaluation(
            DaoRegistry daos,
            StoredMatches matches,
            ReferralClock referralClock,
            ZoneId zone,
            Clock clock,
            BiPredicate<RequestDetails, IBaseResource> visible) {
        this.daos = daos;
        this.facts = new MeasureFacts(matches, referralClock, zone);
        this.zone = zone;
        this.clock = clock;
        this.visible = visible;
    }

    @Operation(name = "$evaluate-measure", type = Measure.class, idempotent = true)
    public MeasureReport evaluate(
            @IdParam IdType id,
            @OperationParam(name = "periodStart", min = 1, max = 1) StringType periodStart,
            @OperationParam(name = "periodEnd", min = 1, max = 1) StringType periodEnd,
            RequestDetails request) {
        ServiceFigures.Period period = period(periodStart, periodEnd);
        Measure measure = measure(id);
        Requester requester = FhirRequesters.of(request)
                .orElseThrow(() -> new ResourceNotFoundException("Resource Measure with this id is not known"));
        boolean operator = requester.role() == ClientRole.ADMIN;
        Predicate<IBaseResource> counted =
                operator ? r -> true : visible == null ? r -> false : r -> visible.test(request, r);
        return report(measure, period, counted, !operator);
    }

    /**
     * The Measure's report for the period, counting the records {@code counted} lets through, with small counts
     * suppressed when {@code suppress}.
     */
    MeasureReport report(
            Measure measure, ServiceFigures.Period period, Predicate<IBaseResource> counted, boolean suppress) {
        String which = measure.getUrl().substring(MEASURE_BASE.length());
        ServiceFigures.Figures figures =
                switch (which) {
                    case "referrals-assessed-on-time" -> ServiceFigures.assessedOnTime(
                            facts.referralsDue(period, counted), period, zone);
                    case "referrals-declined" -> ServiceFigures.declined(
                            facts.referralsAuthored(period, counted), period);
                    case "goals-met" -> ServiceFigures.goalsMet(facts.closedGoals(counted), period);
                    case "action-plans-within-28-days" -> actionPlans(period, counted);
                    case "reviewed-in-12-months" -> ServiceFigures.reviewedInYear(
                            facts.casesBetween(period.end(), period.end(), counted),
                            facts.reviewsDone(period.end().minusYears(1), period.end(), counted),
                            period);
                    case "emergency-readmissions-30-days" -> ServiceFigures.readmissions(
                            facts.inpatientStays(
                                    period.start(),
                                    period.end().plusDays(ServiceFigures.READMISSION_DAYS + 1),
                                    counted),
                            period,
                            zone);
                    case "engagement" -> engagement(period, counted);
                    case "caseload" -> ServiceFigures.caseload(
                            facts.casesBetween(period.end(), period.end(), counted), period);
                    default -> throw new UnprocessableEntityException("Measure " + measure.getUrl()
                            + " is not one the gateway evaluates; it evaluates " + String.join(", ", known()));
                };
        MeasureReport report = MeasureReports.of(measure, period, figures, suppress, Date.from(clock.instant()));
        report.getMeasureElement().setValue(measure.getUrl());
        return report;
    }

    private ServiceFigures.Figures actionPlans(ServiceFigures.Period period, Predicate<IBaseResource> counted) {
        List<ServiceFigures.CaseFact> cases = facts.allocatedCases(period, counted);
        List<String> people = cases.stream()
                .map(ServiceFigures.CaseFact::patient)
                .filter(java.util.Objects::nonNull)
                .toList();
        return ServiceFigures.actionPlanOnTime(cases, facts.plansOf(people, counted), period);
    }

    private ServiceFigures.Figures engagement(ServiceFigures.Period period, Predicate<IBaseResource> counted) {
        List<ServiceFigures.CaseFact> cases = facts.casesBetween(period.start(), period.end(), counted).stream()
                .filter(c -> period.contains(c.start()))
                .toList();
        List<String> ids = cases.stream().map(ServiceFigures.CaseFact::id).toList();
        return ServiceFigures.engagement(cases, facts.sessionsOf(ids, counted), period);
    }

    /** The Measures this gateway evaluates, by id. */
    static List<String> known() {
        return List.of(
                "referrals-assessed-on-time",
                "referrals-declined",
                "goals-met",
                "action-plans-within-28-days",
                "reviewed-in-12-months",
                "emergency-readmissions-30-days",
                "engagement",
                "caseload");
    }

    /** One of the Measures this gateway evaluates, by id, as stored. */
    Measure measure(String id) {
        return measure(new IdType("Measure", id));
    }

    private Measure measure(IdType id) {
        Optional<Measure> found;
        try {
            found = Optional.of(daos.getResourceDao(Measure.class)
                    .read(new IdType("Measure", id.getIdPart()), new SystemRequestDetails()));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            found = Optional.empty();
        }
        Measure measure =
                found.orElseThrow(() -> new ResourceNotFoundException("Resource Measure with this id is not known"));
        if (measure.getUrl() == null
                || !measure.getUrl().startsWith(MEASURE_BASE)
                || !known().contains(measure.getUrl().substring(MEASURE_BASE.length()))) {
            throw new UnprocessableEntityException("Measure " + id.getIdPart()
                    + " is not one the gateway evaluates; it evaluates " + String.join(", ", known()));
        }
        return measure;
    }

    private static ServiceFigures.Period period(StringType start, StringType end) {
        LocalDate from = day(start, "periodStart");
        LocalDate to = day(end, "periodEnd");
        if (to.isBefore(from)) {
            throw new InvalidRequestException("periodEnd (" + to + ") is before periodStart (" + from + ")");
        }
        if (from.plusYears(5).isBefore(to)) {
            throw new InvalidRequestException("The period is longer than five years; evaluate shorter periods");
        }
        return new ServiceFigures.Period(from, to);
    }

    private static LocalDate day(StringType value, String name) {
        if (value == null || value.getValue() == null || value.getValue().isBlank()) {
            throw new InvalidRequestException("Parameter " + name + " is required (a date, e.g. 2026-11-01)");
        }
        try {
            return LocalDate.parse(value.getValue().trim());
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException("Parameter " + name + " must be a date (YYYY-MM-DD)");
        }
    }
}
