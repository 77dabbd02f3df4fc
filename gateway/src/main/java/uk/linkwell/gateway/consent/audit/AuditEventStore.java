package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.cache.IResourceVersionSvc;
import ca.uhn.fhir.jpa.cache.ResourcePersistentIdMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes AuditEvents through HAPI's DAO layer as system writes (no REST interceptors, no consent filtering, no
 * audit of the audit), a whole batch in one database transaction.
 */
public class AuditEventStore {

    /** Marks an agent's reference that could not be kept literal (its target was not on the server). */
    public static final String UNRESOLVED_REFERENCE_SYSTEM = "https://fhir.linkwell.example/Id/unresolved-reference";

    private final DaoRegistry daos;
    private final IResourceVersionSvc versions;
    private final TransactionTemplate transaction;

    public AuditEventStore(DaoRegistry daos, PlatformTransactionManager transactionManager,
            IResourceVersionSvc versions) {
        this.daos = daos;
        this.versions = versions;
        this.transaction = new TransactionTemplate(transactionManager);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * All or nothing: the events are copied, so a failed attempt can be repeated with the same list. They go in
     * as one FHIR transaction Bundle rather than create after create: HAPI then resolves the references and
     * flushes once for the lot, where each separate create flushed (and cascaded over) everything written
     * before it in the same transaction, so a batch of 100 cost far more than 100 times one. The references to
     * what was observed are versioned here, all of the batch's in one query (HAPI's own auto-versioning looked
     * each one up alone).
     */
    @SuppressWarnings("unchecked")
    public void writeAll(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        List<AuditEvent> copies = events.stream().map(AuditEvent::copy).toList();
        IFhirSystemDao<Bundle, ?> system = (IFhirSystemDao<Bundle, ?>) daos.getSystemDao();
        transaction.executeWithoutResult(tx -> {
            versionObservedReferences(copies);
            for (AuditEvent event : copies) {
                bundle.addEntry().setResource(event).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("AuditEvent");
            }
            system.transactionNested(new SystemRequestDetails(), bundle);
        });
    }

    /**
     * {@code CarePlan/5} becomes {@code CarePlan/5/_history/2}, the version current now: it records which version
     * was disclosed and, as HAPI does not count versioned references as delete conflicts, keeps the audit trail
     * from making every disclosed resource undeletable. A reference whose target is not found is left as it is
     * (HAPI then refuses the batch, and the writer makes such references logical one event at a time).
     */
    private void versionObservedReferences(List<AuditEvent> events) {
        List<Reference> references = new ArrayList<>();
        List<IIdType> ids = new ArrayList<>();
        for (AuditEvent event : events) {
            for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
                if (!entity.hasWhat() || !entity.getWhat().hasReference()) {
                    continue;
                }
                IdType id = new IdType(entity.getWhat().getReference());
                if (id.hasResourceType() && id.hasIdPart() && !id.hasVersionIdPart() && !id.hasBaseUrl()) {
                    references.add(entity.getWhat());
                    ids.add(id);
                }
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        ResourcePersistentIdMap current = versions.getLatestVersionIdsForResourceIds(RequestPartitionId.allPartitions(),
                ids);
        for (int i = 0; i < ids.size(); i++) {
            IIdType id = ids.get(i);
            if (current.containsKey(id) && current.getResourcePersistentId(id).getVersion() != null) {
                references.get(i).setReference(id.withVersion(String.valueOf(
                        current.getResourcePersistentId(id).getVersion())).getValue());
            }
        }
    }

    /**
     * The event with every entity whose target cannot be read any more (deleted, or never there) kept by name
     * only ({@code entity.name} = the reference, {@code entity.description} says why), and an agent's
     * unresolvable reference made logical, so the record of the disclosure is still kept when HAPI's
     * referential integrity would refuse it.
     */
    public AuditEvent withUnresolvableReferencesMadeLogical(AuditEvent event) {
        AuditEvent copy = event.copy();
        for (AuditEvent.AuditEventEntityComponent entity : copy.getEntity()) {
            if (entity.hasWhat() && entity.getWhat().hasReference() && !exists(entity.getWhat().getReference())) {
                entity.setName(entity.getWhat().getReference()).setDescription(GONE).setWhat(null);
            }
        }
        for (AuditEvent.AuditEventAgentComponent agent : copy.getAgent()) {
            Reference who = agent.getWho();
            if (who.hasReference() && !exists(who.getReference())) {
                agent.setWho(new Reference().setIdentifier(new Identifier().setSystem(UNRESOLVED_REFERENCE_SYSTEM)
                        .setValue(who.getReference())).setDisplay(who.getDisplay()));
            }
        }
        return copy;
    }

    /** entity.description of an entity whose resource had gone when the AuditEvent was written. */
    public static final String GONE = "not on the server when the disclosure was audited";

    private boolean exists(String reference) {
        IdType id = new IdType(reference);
        try {
            return id.hasResourceType() && id.hasIdPart()
                    && transaction.execute(tx -> daos.getResourceDao(id.getResourceType())
                            .read(id.toVersionless(), new SystemRequestDetails())) != null;
        } catch (BaseServerResponseException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Whether the failure is about the events themselves (a FHIR 4xx such as an unknown reference), which
     * repeating cannot cure, rather than the database being away or busy.
     */
    public static boolean isContentError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ResourceVersionConflictException) {
                return false;
            }
            if (t instanceof BaseServerResponseException hapi) {
                return hapi.getStatusCode() >= 400 && hapi.getStatusCode() < 500;
            }
        }
        return false;
    }
}
