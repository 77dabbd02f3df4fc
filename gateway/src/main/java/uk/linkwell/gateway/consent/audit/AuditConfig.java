package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
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
            JpaStorageSettings storageSettings, FhirContext fhirContext) {
        versionObservedReferences(storageSettings, fhirContext);
        return new AuditEventStore(daos, transactionManager);
    }

    @Bean
    public DisclosureAuditWriter disclosureAuditWriter(AuditEventStore store, AuditProperties properties,
            MeterRegistry meters) {
        return new DisclosureAuditWriter(store, properties, meters);
    }

    /**
     * HAPI stores the references an AuditEvent makes to what it observed with the version current when it is
     * written ({@code CarePlan/5/_history/2}). That records which version was disclosed and, because HAPI does not
     * count versioned references as delete conflicts, keeps the audit trail from making every disclosed resource
     * undeletable. Searches without a version ({@code AuditEvent?patient=Patient/5}) still find them.
     */
    static void versionObservedReferences(JpaStorageSettings storageSettings, FhirContext fhirContext) {
        Set<String> auto = new LinkedHashSet<>(storageSettings.getAutoVersionReferenceAtPaths());
        auto.addAll(OBSERVED_PATHS);
        storageSettings.setAutoVersionReferenceAtPaths(auto);
        Set<String> keep = new LinkedHashSet<>(fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
        keep.addAll(OBSERVED_PATHS);
        fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(keep);
    }
}
