package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
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
    private final TransactionTemplate transaction;

    public AuditEventStore(DaoRegistry daos, PlatformTransactionManager transactionManager) {
        this.daos = daos;
        this.transaction = new TransactionTemplate(transactionManager);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** All or nothing: the events are copied, so a failed attempt can be repeated with the same list. */
    public void writeAll(List<AuditEvent> events) {
        IFhirResourceDao<AuditEvent> dao = daos.getResourceDao(AuditEvent.class);
        transaction.executeWithoutResult(tx -> {
            for (AuditEvent event : events) {
                dao.create(event.copy(), new SystemRequestDetails());
            }
        });
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
