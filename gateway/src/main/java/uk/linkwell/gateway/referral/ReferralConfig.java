package uk.linkwell.gateway.referral;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.profiles.LinkwellPackage;

/** Wires the referral workflow into HAPI's storage layer. */
@Configuration(proxyBeanMethods = false)
public class ReferralConfig {

    @Bean
    public ReferralClock referralClock(ReferralProperties properties, Clock clock) {
        return properties.clock(clock);
    }

    /**
     * On the storage layer (not the RestfulServer), so it sees each entry of a transaction; it tells REST writes
     * from the gateway's own by their RequestDetails.
     */
    @Bean
    public ReferralWorkflowInterceptor referralWorkflowInterceptor(
            ReferralClock referralClock,
            FhirContext fhirContext,
            DaoRegistry daos,
            MatchUrlService matchUrls,
            LinkwellPackage conformance,
            IInterceptorService storageInterceptors) {
        ReferralRecords records = new ReferralRecords(fhirContext, daos, matchUrls);
        ReferralWorkflowInterceptor interceptor = new ReferralWorkflowInterceptor(
                referralClock, records, new ReferralDecisions(daos, records, conformance));
        storageInterceptors.registerInterceptor(interceptor);
        return interceptor;
    }
}
