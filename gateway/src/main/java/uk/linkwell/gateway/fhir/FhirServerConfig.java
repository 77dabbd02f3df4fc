package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.ResponseHighlighterInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import uk.linkwell.gateway.consent.audit.AuditEventProvider;
import uk.linkwell.gateway.consent.audit.DisclosureTrailPaging;
import uk.linkwell.gateway.hapi.HapiPersistence;
import uk.linkwell.gateway.security.FhirAccessControl;
import uk.linkwell.profiles.LinkwellPackage;

/** Wires HAPI FHIR's JPA server (R4) into the Spring Boot context and mounts it at {@code /fhir}. */
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
    public LocalContainerEntityManagerFactoryBean entityManagerFactory(
            DataSource dataSource,
            ConfigurableListableBeanFactory beanFactory,
            FhirContext fhirContext,
            JpaStorageSettings storageSettings,
            @Value("${spring.datasource.url}") String jdbcUrl,
            @Value("${linkwell.db.schema-update:update}") String schemaUpdate) {
        LocalContainerEntityManagerFactoryBean factory = HapiPersistence.entityManagerFactory(
                beanFactory, fhirContext, storageSettings, dataSource, jdbcUrl, schemaUpdate);
        // The inbound message store lives in the same persistence unit (and schema mechanism) as HAPI's tables.
        factory.setPersistenceUnitPostProcessors(pui -> {
            pui.addManagedClassName(uk.linkwell.gateway.ingest.store.InboundMessage.class.getName());
            // CLD batch progress and per-row error reports.
            pui.addManagedClassName(uk.linkwell.gateway.ingest.socialcare.batch.CldBatch.class.getName());
            pui.addManagedClassName(uk.linkwell.gateway.ingest.socialcare.batch.CldBatchError.class.getName());
            // The disclosure trail (served as AuditEvent).
            pui.addManagedClassName(uk.linkwell.gateway.consent.audit.DisclosureRow.class.getName());
            pui.addManagedClassName(uk.linkwell.gateway.consent.audit.DisclosureEntityRow.class.getName());
        });
        return factory;
    }

    @Bean
    @Primary
    public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        return new JpaTransactionManager(entityManagerFactory);
    }

    @Bean
    public FhirRestServer fhirServer(
            FhirContext fhirContext,
            IFhirSystemDao<?, ?> systemDao,
            JpaSystemProvider<?, ?> systemProvider,
            ResourceProviderFactory resourceProviders,
            JpaStorageSettings storageSettings,
            ISearchParamRegistry searchParamRegistry,
            IValidationSupport validationSupport,
            DatabaseBackedPagingProvider pagingProvider,
            FhirProperties properties,
            FhirAccessControl.FhirSecurityInterceptors accessControl,
            AuditEventProvider auditEvents) {
        RestfulServer server = new RestfulServer(fhirContext);
        fhirContext.setNarrativeGenerator(new NullNarrativeGenerator());
        // Nothing here builds references that hold a resource object to be contained on encoding, and looking for
        // them walks every reference of every resource HAPI encodes (12% of the gateway's CPU in the CLD benchmark).
        // Contained resources a client sends are kept as sent.
        fhirContext.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
        // AuditEvent is the disclosure trail, served from its own table rather than HAPI's resource store.
        server.registerProviders(resourceProviders.createProviders().stream()
                .filter(p -> !(p instanceof IResourceProvider r && r.getResourceType() == AuditEvent.class))
                .toList());
        server.registerProvider(auditEvents);
        server.registerProvider(systemProvider);

        JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilities.setImplementationDescription("Linkwell FHIR gateway");
        server.setServerConformanceProvider(capabilities);
        server.setServerName("Linkwell");

        pagingProvider.setDefaultPageSize(properties.defaultPageSize());
        pagingProvider.setMaximumPageSize(properties.maxPageSize());
        server.setPagingProvider(new DisclosureTrailPaging(pagingProvider, Duration.ofHours(1), Clock.systemUTC()));
        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        server.setDefaultPrettyPrint(true);
        server.registerInterceptor(new ResponseHighlighterInterceptor());
        server.registerInterceptor(new CapabilityStatementCustomizer());
        server.registerInterceptor(new BundleEntryLimit(properties.maxBundleEntries()));
        accessControl.registerOn(server);
        server.setServerAddressStrategy(
                properties.serverAddress().isBlank()
                        ? new IncomingRequestAddressStrategy()
                        : new HardcodedServerAddressStrategy(properties.serverAddress()));
        return new FhirRestServer(server);
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
