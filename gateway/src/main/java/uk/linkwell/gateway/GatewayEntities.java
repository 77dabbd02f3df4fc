package uk.linkwell.gateway;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import uk.linkwell.gateway.hapi.HapiPersistence;

/**
 * The one persistence unit: HAPI's entities plus the features' own tables, named here (in the application's root
 * package, which may know every feature) so that {@code fhir} and {@code hapi} need not import the features.
 */
@Configuration
public class GatewayEntities {

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
            // The outbound outbox.
            pui.addManagedClassName(uk.linkwell.gateway.exchange.Delivery.class.getName());
            pui.addManagedClassName(uk.linkwell.gateway.exchange.EndpointPause.class.getName());
        });
        return factory;
    }
}
