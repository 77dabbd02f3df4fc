package uk.linkwell.gateway.security;

import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.PlatformTransactionManager;
import uk.linkwell.gateway.fhir.StoredChanges;
import uk.linkwell.gateway.hapi.RegisteredPatients;
import uk.linkwell.gateway.hapi.StoreRegisteredPatients;

/**
 * The caseloads access control decides by, kept current by storage hooks. The REST interceptors of access control
 * (scopes, search narrowing, authorization, SMART discovery, the rules for types outside the patient compartment)
 * are listed, in order, in {@code uk.linkwell.gateway.InterceptorChain}.
 */
@Configuration(proxyBeanMethods = false)
public class FhirAccessControl {

    @Bean
    public CaseloadResolver caseloadResolver(
            DaoRegistry daos,
            SecurityProperties properties,
            IInterceptorService storageInterceptors,
            EntityManagerFactory entityManagerFactory,
            PlatformTransactionManager transactionManager) {
        RegisteredPatients registered = new StoreRegisteredPatients(
                SharedEntityManagerCreator.createSharedEntityManager(entityManagerFactory),
                transactionManager,
                CaseloadResolver.MAX_PATIENTS);
        CaseloadResolver resolver =
                new CaseloadResolver(daos, registered, properties.caseloadCacheTtl(), Clock.systemUTC());
        // On the storage layer, so writes from Camel routes invalidate caseloads as well as REST ones.
        storageInterceptors.registerInterceptor(new StoredChanges(resolver::changed));
        return resolver;
    }
}
