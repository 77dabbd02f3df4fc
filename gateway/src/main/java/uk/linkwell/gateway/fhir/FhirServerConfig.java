package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManagerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import uk.linkwell.profiles.LinkwellPackage;

/** Wires HAPI FHIR's JPA server (R4) into the Spring Boot context and mounts it at {@code /fhir} (the REST server and its interceptor chain: {@code InterceptorChain}). */
@Configuration
@EnableTransactionManagement
@Import({
    JpaR4Config.class,
    HapiJpaConfig.class,
    ThreadPoolFactoryConfig.class,
    // In-memory message channels: HAPI's batch jobs (reindexing after a SearchParameter change) run on them.
    SubscriptionChannelConfig.class,
    JpaBatch2Config.class,
    Batch2JobsConfig.class
})
public class FhirServerConfig {

    public static final String FHIR_PATH = "/fhir";

    /** Static: a factory post-processor must exist before the configuration classes' beans are created. */
    @Bean
    public static LazyHapiRepositories lazyHapiRepositories() {
        return new LazyHapiRepositories();
    }

    @Bean
    public JpaStorageSettings jpaStorageSettings(FhirProperties properties) {
        JpaStorageSettings settings = new JpaStorageSettings();
        // References to resources not (yet) on this server are an error, not a silent placeholder.
        settings.setAutoCreatePlaceholderReferenceTargets(false);
        settings.setAllowExternalReferences(true);
        settings.setAllowMultipleDelete(false);
        settings.setExpungeEnabled(false);
        settings.setFetchSizeDefaultMaximum(properties.maxPageSize());
        settings.setReuseCachedSearchResultsForMillis(properties.reuseCachedSearchResultsMillis());
        // Linkwell publishes its own SearchParameters (complexity rating, task due date).
        settings.setMarkResourcesForReindexingUponSearchParameterChange(true);
        // A conditional create or update must leave a resource its own URL still matches. HAPI checks that as it
        // writes each one, from the search parameters it has just extracted; without this setting it checks
        // creates only, and then checks every conditional create of a transaction again after the flush,
        // extracting each resource's search parameters a second time. Stricter and cheaper.
        settings.setPreventInvalidatingConditionalMatchCriteria(true);
        return settings;
    }

    /** The linkwell.fhir.r4 conformance package, loaded once from the classpath. */
    @Bean
    public LinkwellPackage linkwellPackage(FhirContext fhirContext) {
        return LinkwellPackage.load(fhirContext);
    }

    /** Registered with HAPI's storage-layer interceptor service, so it sees DAO writes as well as REST ones. */
    @Bean
    public ProfileValidationInterceptor profileValidationInterceptor(
            FhirContext fhirContext,
            ProfileValidation validation,
            MeterRegistry meters,
            IInterceptorService storageInterceptors) {
        ProfileValidationInterceptor interceptor = new ProfileValidationInterceptor(fhirContext, validation, meters);
        storageInterceptors.registerInterceptor(interceptor);
        return interceptor;
    }

    @Bean
    public PartitionSettings partitionSettings() {
        return new PartitionSettings();
    }

    @Bean
    public SubscriptionSettings subscriptionSettings() {
        return new SubscriptionSettings();
    }

    @Bean
    @Primary
    public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        return new JpaTransactionManager(entityManagerFactory);
    }

    /** Size and media type of FHIR write bodies, checked after Spring Security's filters and before HAPI. */
    @Bean
    public FilterRegistrationBean<FhirRequestLimits> fhirRequestLimits(
            FhirContext fhirContext, FhirProperties properties) {
        FilterRegistrationBean<FhirRequestLimits> registration =
                new FilterRegistrationBean<>(new FhirRequestLimits(fhirContext, properties));
        registration.addUrlPatterns(FHIR_PATH, FHIR_PATH + "/*");
        registration.setName("fhirRequestLimits");
        // Spring Security's filter chain runs at SecurityProperties.DEFAULT_FILTER_ORDER (-100), before this.
        registration.setOrder(0);
        return registration;
    }

    /**
     * Takes the RestfulServer lazily (see {@link FhirServlet}). Load-on-startup still initialises it during start-up:
     * Spring Boot defers it until the web server starts, after every singleton has been built.
     */
    @Bean
    public ServletRegistrationBean<FhirServlet> fhirServlet(ObjectProvider<FhirRestServer> fhirServer) {
        ServletRegistrationBean<FhirServlet> registration =
                new ServletRegistrationBean<>(new FhirServlet(fhirServer), FHIR_PATH + "/*");
        registration.setName("fhir");
        registration.setLoadOnStartup(1);
        return registration;
    }
}
