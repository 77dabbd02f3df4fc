package uk.linkwell.gateway.workflow.measure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.scheduling.support.CronExpression;

/** Settings of the job that stores each Measure's report for the month just ended, under {@code linkwell.measures.monthly}. */
@ConfigurationProperties(prefix = "linkwell.measures.monthly")
public record MonthlyReportProperties(
        /* Store the month's reports at all (default true). */
        Boolean enabled,
        /* When, as a Spring cron expression (second minute hour day month weekday) in the service's time zone
        (linkwell.referral.zone); default 03:00 on the 1st, 2nd and 3rd of each month, so an instance that was down
        on the 1st still stores the month (a run finds the reports already stored and adds none). */
        String cron) {

    public MonthlyReportProperties {
        enabled = enabled == null || enabled;
        cron = cron == null || cron.isBlank() ? "0 0 3 1-3 * *" : cron.trim();
        if (!CronExpression.isValidExpression(cron)) {
            throw new IllegalArgumentException("linkwell.measures.monthly.cron is not a cron expression: " + cron);
        }
    }
}
