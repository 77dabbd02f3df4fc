package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the wellbeing responses into HAPI's storage layer, where every door's writes pass. */
@Configuration(proxyBeanMethods = false)
public class WellbeingConfig {

    @Bean
    public WellbeingResponses wellbeingResponses(DaoRegistry daos, IInterceptorService storageInterceptors) {
        WellbeingResponses responses = new WellbeingResponses(daos);
        storageInterceptors.registerInterceptor(responses);
        return responses;
    }
}
