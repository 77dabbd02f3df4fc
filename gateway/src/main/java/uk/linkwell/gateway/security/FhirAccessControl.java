package uk.linkwell.gateway.security;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.server.RestfulServer;
import jakarta.persistence.EntityManagerFactory;
import java.time.Clock;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.orm.jpa.SharedEntityManagerCreator;
import org.springframework.transaction.PlatformTransactionManager;
import uk.linkwell.gateway.fhir.FhirProperties;
import uk.linkwell.gateway.hapi.RegisteredPatients;
import uk.linkwell.gateway.hapi.StoreRegisteredPatients;

/**
 * The FHIR side of access control, registered on HAPI's {@link RestfulServer} by {@code FhirServerConfig}:
 * scope checks, search narrowing to the caseload, per-resource authorization, SMART discovery in the
 * CapabilityStatement, and the rules for types outside the patient compartment (the disclosure trail, stored
 * Bundles, Subscriptions). Empty when security is off.
 */
@Configuration(proxyBeanMethods = false)
public class FhirAccessControl {

    /** What FhirServerConfig registers: a list so that it needs one line and knows nothing of security. */
    public record FhirSecurityInterceptors(List<Object> interceptors) {
        public void registerOn(RestfulServer server) {
            interceptors.forEach(server::registerInterceptor);
        }
    }

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
        storageInterceptors.registerInterceptor(resolver);
        return resolver;
    }

    @Bean
    public FhirSecurityInterceptors fhirSecurityInterceptors(
            SecurityProperties properties,
            CaseloadResolver caseloads,
            FhirContext fhirContext,
            DaoRegistry daos,
            ca.uhn.fhir.jpa.searchparam.MatchUrlService matchUrls,
            FhirProperties fhirProperties) {
        if (!properties.enabled()) {
            return new FhirSecurityInterceptors(List.of());
        }
        PatientCompartment compartment = new PatientCompartment(fhirContext);
        return new FhirSecurityInterceptors(List.of(
                new SmartScopeInterceptor(),
                new ConditionalPatientReferences(fhirContext, daos, matchUrls),
                new CaseloadSearchNarrowing(caseloads, fhirContext, compartment),
                new CaseloadAuthorizationInterceptor(caseloads, compartment, fhirContext),
                new SmartCapabilityStatement(properties),
                // Types outside the patient compartment, each kept to its audience by a rule of its own.
                new DisclosureTrailAudience(),
                new StoredBundlesForAdmin(),
                new SubscriptionOwnership(daos, fhirProperties.subscriptions())));
    }
}
