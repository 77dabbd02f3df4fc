package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.gateway.consent.OutboundConsentFilter;
import uk.linkwell.gateway.referral.ReferralProperties;

/** Wires case reviews into HAPI's storage layer, where every door's writes pass, as {@code linkwell.reviews} says. */
@Configuration(proxyBeanMethods = false)
public class CaseReviewsConfig {

    /** Due dates count the same local days as referral due dates ({@code linkwell.referral.local-zone}). */
    @Bean
    public ReviewClock reviewClock(ReviewProperties properties, ReferralProperties referral, Clock clock) {
        return new ReviewClock(
                clock, referral.localZone(), properties.interval(), properties.unscheduledDueWorkingDays());
    }

    @Bean
    @ConditionalOnProperty(prefix = "linkwell.reviews", name = "enabled", matchIfMissing = true)
    public CaseReviews caseReviews(
            ReviewClock reviewClock,
            DaoRegistry daos,
            IInterceptorService storageInterceptors,
            OutboundConsentFilter consent) {
        CaseReviews reviews = new CaseReviews(
                reviewClock,
                new ReviewRecords(daos),
                (event, organisation, role) -> consent.permits(
                        event, new OutboundConsentFilter.Recipient(null, role, organisation, null, null)));
        storageInterceptors.registerInterceptor(reviews);
        return reviews;
    }
}
