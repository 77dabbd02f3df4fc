package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/** Wires the disclosure audit trail: the AuditEvent store and the batching writer behind {@link DisclosureAudit}. */
@Configuration(proxyBeanMethods = false)
public class AuditConfig {

    /** Where an AuditEvent points at what it observed; always a literal reference (HAPI resolves its version). */
    static final List<String> OBSERVED_PATHS = List.of("AuditEvent.entity.what");

    @Bean
    public AuditEventStore auditEventStore(DaoRegistry daos, PlatformTransactionManager transactionManager,
            FhirContext fhirContext, ca.uhn.fhir.jpa.cache.IResourceVersionSvc versions) {
        keepObservedReferenceVersions(fhirContext);
        return new AuditEventStore(daos, transactionManager, versions);
    }

    @Bean
    public DisclosureAuditWriter disclosureAuditWriter(AuditEventStore store, AuditProperties properties,
            MeterRegistry meters) {
        return new DisclosureAuditWriter(store, properties, meters);
    }

    /**
     * The references an AuditEvent makes to what it observed are stored with their version
     * ({@code CarePlan/5/_history/2}, set by {@link AuditEventStore}); HAPI's parser would otherwise strip it.
     * Searches without a version ({@code AuditEvent?patient=Patient/5}) still find them.
     */
    static void keepObservedReferenceVersions(FhirContext fhirContext) {
        Set<String> keep = new LinkedHashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
        keep.addAll(OBSERVED_PATHS);
        fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(keep);
    }
}
