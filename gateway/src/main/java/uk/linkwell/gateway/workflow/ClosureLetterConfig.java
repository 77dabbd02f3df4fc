package uk.linkwell.gateway.workflow;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the closure letters into HAPI's storage layer, where every FHIR write of a case passes. */
@Configuration(proxyBeanMethods = false)
public class ClosureLetterConfig {

    @Bean
    public ClosureLetters closureLetters(DaoRegistry daos, Clock clock, IInterceptorService storageInterceptors) {
        ClosureLetters letters = new ClosureLetters(daos, clock);
        storageInterceptors.registerInterceptor(letters);
        return letters;
    }
}
