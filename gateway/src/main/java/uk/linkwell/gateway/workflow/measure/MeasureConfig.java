package uk.linkwell.gateway.workflow.measure;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.gateway.hapi.StoredMatches;
import uk.linkwell.gateway.referral.ReferralClock;

/** Wires the job that stores each month's MeasureReports. */
@Configuration(proxyBeanMethods = false)
public class MeasureConfig {

    @Bean
    public MonthlyMeasureReports monthlyMeasureReports(
            DaoRegistry daos,
            StoredMatches matches,
            ReferralClock referralClock,
            MonthlyReportProperties properties,
            Clock clock) {
        // Counting every record: the job is no caller, so no decision point is asked.
        MeasureEvaluation evaluation =
                new MeasureEvaluation(daos, matches, referralClock, referralClock.zone(), clock, null);
        return new MonthlyMeasureReports(evaluation, daos, properties, referralClock.zone(), clock);
    }
}
