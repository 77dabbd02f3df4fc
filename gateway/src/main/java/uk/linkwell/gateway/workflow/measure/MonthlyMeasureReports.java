package uk.linkwell.gateway.workflow.measure;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneId;
import org.hl7.fhir.r4.model.Measure;
import org.hl7.fhir.r4.model.MeasureReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;
import uk.linkwell.profiles.LinkwellPackage;

/**
 * Stores each Measure's report for the month just ended as a MeasureReport resource, on a schedule
 * ({@code linkwell.measures.monthly}). Once per Measure per month: each report carries an identifier made of the
 * Measure and the month and is written by conditional create on it, so a re-run, or several gateway instances
 * running it at the same moment, store one (HAPI refuses the second conditional create of the same identifier).
 * The stored figures count every record and have small counts suppressed, as published figures do: a stored report
 * can be read later by anyone its access rules allow, not only operators.
 */
public class MonthlyMeasureReports implements SmartLifecycle {

    /** Identifier system of a stored monthly report; the value is {@code <measure id>/<yyyy-MM>}. */
    public static final String IDENTIFIER_SYSTEM = LinkwellPackage.CANONICAL_BASE + "/Id/monthly-measure-report";

    private static final Logger log = LoggerFactory.getLogger(MonthlyMeasureReports.class);

    private final MeasureEvaluation evaluation;
    private final DaoRegistry daos;
    private final MonthlyReportProperties properties;
    private final ZoneId zone;
    private final Clock clock;
    private volatile ThreadPoolTaskScheduler scheduler;

    public MonthlyMeasureReports(
            MeasureEvaluation evaluation,
            DaoRegistry daos,
            MonthlyReportProperties properties,
            ZoneId zone,
            Clock clock) {
        this.evaluation = evaluation;
        this.daos = daos;
        this.properties = properties;
        this.zone = zone;
        this.clock = clock;
    }

    /** Stores the reports of the month before the current one (in the service's time zone). */
    public int storeMonthJustEnded() {
        return store(YearMonth.now(clock.withZone(zone)).minusMonths(1));
    }

    /**
     * Stores each Measure's report for the month, unless already stored; returns how many this call stored. A
     * Measure that fails is logged and left for the next run; the others are still stored.
     */
    public int store(YearMonth month) {
        ServiceFigures.Period period = new ServiceFigures.Period(month.atDay(1), month.atEndOfMonth());
        IFhirResourceDao<MeasureReport> reports = daos.getResourceDao(MeasureReport.class);
        int stored = 0;
        for (String id : MeasureEvaluation.known()) {
            String identifier = id + "/" + month;
            try {
                Measure measure = evaluation.measure(id);
                MeasureReport report = evaluation.report(measure, period, r -> true, true);
                report.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(identifier);
                boolean created = reports.create(
                                report,
                                "MeasureReport?identifier=" + IDENTIFIER_SYSTEM + "|" + identifier,
                                new SystemRequestDetails())
                        .getCreated();
                if (Boolean.TRUE.equals(created)) {
                    stored++;
                }
            } catch (ResourceVersionConflictException | DataIntegrityViolationException e) {
                // Another instance stored it at the same moment.
                log.info("Monthly report {} was stored by another instance", identifier);
            } catch (RuntimeException e) {
                log.error("Monthly report {} not stored; the next run tries again", identifier, e);
            }
        }
        log.info("Monthly reports for {}: {} stored now", month, stored);
        return stored;
    }

    @Override
    public synchronized void start() {
        if (!properties.enabled() || scheduler != null) {
            return;
        }
        ThreadPoolTaskScheduler tasks = new ThreadPoolTaskScheduler();
        tasks.setPoolSize(1);
        tasks.setThreadNamePrefix("measure-reports-");
        tasks.setDaemon(true);
        tasks.initialize();
        tasks.schedule(this::storeMonthJustEnded, new CronTrigger(properties.cron(), zone));
        scheduler = tasks;
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdown();
            scheduler = null;
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }
}
