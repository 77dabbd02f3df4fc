package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.cache.IResourceVersionSvc;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import uk.linkwell.gateway.consent.StoreActorDirectory;

/**
 * Wires the disclosure audit trail: its store, the batching writer behind {@link DisclosureAudit}, the audit of
 * access grants, and the AuditEvent resource provider that serves it.
 */
@Configuration(proxyBeanMethods = false)
public class AuditConfig {

    /** Where an AuditEvent points at what it observed; always a literal reference, stored with its version. */
    static final List<String> OBSERVED_PATHS = List.of("AuditEvent.entity.what");

    @Bean
    public DisclosureTrail disclosureTrail(
            FhirContext fhirContext,
            DataSource dataSource,
            PlatformTransactionManager transactionManager,
            IResourceVersionSvc versions,
            AuditProperties properties) {
        keepObservedReferenceVersions(fhirContext);
        return new DisclosureTrail(fhirContext, dataSource, transactionManager, versions, properties.sourceName());
    }

    @Bean
    public DisclosureAuditWriter disclosureAuditWriter(
            DisclosureTrail trail, AuditProperties properties, MeterRegistry meters) {
        return new DisclosureAuditWriter(trail, properties, meters);
    }

    /** On the storage layer, so a grant is audited whichever door wrote it (messages, FHIR, the gateway's own). */
    @Bean
    public AccessGrantAudit accessGrantAudit(
            DisclosureAudit audit, StoreActorDirectory directory, IInterceptorService storageInterceptors) {
        AccessGrantAudit grants = new AccessGrantAudit(audit, directory::odsCodeOf, Clock.systemUTC());
        storageInterceptors.registerInterceptor(grants);
        return grants;
    }

    @Bean
    public AuditEventProvider auditEventProvider(DisclosureTrail trail, DaoRegistry daos) {
        return new AuditEventProvider(trail, AuditEventProvider.patientsByIdentifier(daos));
    }

    /**
     * The references an AuditEvent makes to what it observed are kept with their version
     * ({@code CarePlan/5/_history/2}, set by {@link DisclosureTrail}); HAPI's parser would otherwise strip it.
     */
    static void keepObservedReferenceVersions(FhirContext fhirContext) {
        Set<String> keep =
                new LinkedHashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
        keep.addAll(OBSERVED_PATHS);
        fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(keep);
    }
}
