package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.gateway.security.CaseloadResolver;
import uk.linkwell.gateway.security.SecurityProperties;

/** Wires allocation into HAPI's storage layer (every door's writes pass it) and provides $caseload. */
@Configuration(proxyBeanMethods = false)
public class CaseloadConfig {

    @Bean
    public Caseloads caseloads(DaoRegistry daos, CaseloadProperties properties) {
        return new Caseloads(daos, properties);
    }

    @Bean
    public CaseloadAllocation caseloadAllocation(
            DaoRegistry daos, Caseloads caseloads, Clock clock, IInterceptorService storageInterceptors) {
        CaseloadAllocation allocation = new CaseloadAllocation(daos, caseloads, clock);
        storageInterceptors.registerInterceptor(allocation);
        return allocation;
    }

    /** Clients move the care process's Tasks on; only the gateway (and operators) open them or repoint them. */
    @Bean
    public CareTaskDoors careTaskDoors(IInterceptorService storageInterceptors) {
        CareTaskDoors doors = new CareTaskDoors();
        storageInterceptors.registerInterceptor(doors);
        return doors;
    }

    /** Registered on the REST server by {@code InterceptorChain}, with the other providers. */
    @Bean
    public CaseloadOperation caseloadOperation(
            Caseloads caseloads,
            CaseloadResolver caseloadResolver,
            CaseloadProperties properties,
            SecurityProperties security,
            Clock clock,
            uk.linkwell.gateway.consent.ConsentConfig.FhirConsentRegistration consent) {
        uk.linkwell.gateway.consent.DecisionPoint decisionPoint = consent.decisionPoint();
        return new CaseloadOperation(
                caseloads,
                caseloadResolver,
                properties,
                security.enabled(),
                clock,
                decisionPoint == null ? null : decisionPoint::wouldShow);
    }
}
