package uk.linkwell.gateway.ingest.write;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.hapi.EntryWriter;
import uk.linkwell.gateway.hapi.IdentityLocks;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.mappings.MappingNotes;

/**
 * Applies one translated message to the FHIR store in one database transaction: the Bundle through HAPI's DAO
 * layer (so profile validation and conditional matching run as for any write: entry by entry through the
 * {@link EntryWriter} where it can, else as a HAPI transaction), a Provenance linking what it
 * produced to the message, and the store row marked done with the mapper's notes ({@link MappingNotes}: what the
 * message lacked but was applied without). Any failure rolls all three back. Each note applied is counted once it
 * is committed, as {@code linkwell.ingest.<note code>} tagged by sender (e.g.
 * {@code linkwell.ingest.discharge.pathway-missing}).
 */
@Component
public class MessageApplication {

    /** Identifies stored inbound messages in Provenance.entity (the store's row id). */
    public static final String INBOUND_MESSAGE_SYSTEM = "https://fhir.linkwell.example/Id/inbound-message";

    /**
     * Request user-data key under which the {@link InboundMessage} being applied rides with every write it makes,
     * so storage hooks can say which message made a change (the access-grant audit does).
     */
    public static final String APPLYING_MESSAGE = "linkwell.applying-message";

    public static final String CONTROL_ID_SYSTEM_PREFIX = "https://fhir.linkwell.example/Id/message-control-id/";

    /** Messages written, by how (each attempt): {@code as=entries} (the conditional writer), {@code as=transaction}. */
    public static final String APPLIED_METER = "linkwell.ingest.applied";

    /** Messages applied with a mapping note, by note: this prefix and the note's code, tagged {@code sender}. */
    public static final String NOTE_METER_PREFIX = "linkwell.ingest.";

    private final IFhirSystemDao<Bundle, ?> systemDao;
    private final DaoRegistry daos;
    private final MessageStore store;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final IdentityLocks creationLocks;
    private final EntryWriter writer;
    private final Counter appliedAsEntries;
    private final Counter appliedAsTransaction;
    private final MeterRegistry meters;

    @PersistenceContext
    private EntityManager entityManager;

    public MessageApplication(
            IFhirSystemDao<Bundle, ?> systemDao,
            DaoRegistry daos,
            MessageStore store,
            PlatformTransactionManager transactionManager,
            Clock clock,
            IdentityLocks creationLocks,
            EntryWriter writer,
            MeterRegistry meters) {
        this.writer = writer;
        this.appliedAsEntries = meters.counter(APPLIED_METER, "as", "entries");
        this.appliedAsTransaction = meters.counter(APPLIED_METER, "as", "transaction");
        this.meters = meters;
        this.systemDao = systemDao;
        this.daos = daos;
        this.store = store;
        this.transaction = new TransactionTemplate(transactionManager);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        this.creationLocks = creationLocks;
    }

    /** One translated message, ready to apply. */
    public record Translated(InboundMessage message, Bundle bundle, String senderDisplay) {}

    /** Applies the Bundle; returns the versioned ids of the resources it touched. */
    public List<String> apply(InboundMessage message, Bundle bundle, String senderDisplay) {
        return transaction.execute(tx -> {
            creationLocks.lockIdentitiesToCreate(List.of(bundle));
            return applyInTransaction(message, bundle, senderDisplay);
        });
    }

    /**
     * Applies several messages in one database transaction, in order, each exactly as {@link #apply} would (its
     * own HAPI transaction Bundle, Provenance and done mark); returns what each produced. Any failure rolls back
     * all of them: the caller then applies them one by one, so that only the message at fault fails.
     */
    public List<List<String>> applyAll(List<Translated> messages) {
        return transaction.execute(tx -> {
            // All the group's locks at once, before any of its writes (see IdentityLocks).
            creationLocks.lockIdentitiesToCreate(
                    messages.stream().map(Translated::bundle).toList());
            List<List<String>> produced = new ArrayList<>();
            for (Translated t : messages) {
                produced.add(applyInTransaction(t.message(), t.bundle(), t.senderDisplay()));
                // Each message's writes go to the database now and leave the session: otherwise every later flush
                // of the group (one before each message's identity look-up) dirty-checks all earlier ones again.
                entityManager.flush();
                entityManager.clear();
            }
            return produced;
        });
    }

    private List<String> applyInTransaction(InboundMessage message, Bundle bundle, String senderDisplay) {
        List<Coding> notes = MappingNotes.of(bundle);
        countOnCommit(message, notes);
        List<String> noteTexts = notes.stream().map(Coding::getDisplay).toList();
        // PatientCarryOver fills the Patient from the version HAPI's conditional update replaces.
        SystemRequestDetails request = PatientCarryOver.carryingOver(new SystemRequestDetails());
        request.getUserData().put(APPLYING_MESSAGE, message);
        EntryWriter.Run run = writer.begin(request);
        Optional<EntryWriter.Written> written = run.write(bundle);
        (written.isPresent() ? appliedAsEntries : appliedAsTransaction).increment();
        if (written.isPresent()) {
            List<String> produced =
                    written.get().entries().stream().map(IdType::getValue).toList();
            Provenance provenance = provenance(message, senderDisplay);
            // Every target's database id is known to the run: HAPI looks none of them up.
            written.get()
                    .entries()
                    .forEach(id -> provenance.addTarget(
                            new Reference(id.toVersionless().getValue())));
            String provenanceId =
                    run.create(provenance, request).toUnqualifiedVersionless().getValue();
            store.markDone(message, produced, provenanceId, noteTexts);
            return produced;
        }
        return applyAsTransaction(message, bundle, senderDisplay, request, noteTexts);
    }

    /** Counted after the commit only: a group that rolls back is applied again message by message. */
    private void countOnCommit(InboundMessage message, List<Coding> notes) {
        if (notes.isEmpty()) {
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                for (Coding note : notes) {
                    meters.counter(NOTE_METER_PREFIX + note.getCode(), "sender", message.getSender())
                            .increment();
                }
            }
        });
    }

    /** A Bundle the writer leaves to HAPI (see {@link EntryWriter}), as one FHIR transaction. */
    private List<String> applyAsTransaction(
            InboundMessage message,
            Bundle bundle,
            String senderDisplay,
            SystemRequestDetails request,
            List<String> noteTexts) {
        List<Bundle.BundleEntryComponent> writes = writeEntries(bundle);
        // The Provenance rides in the transaction when every write has a placeholder fullUrl: HAPI then
        // resolves its targets from the transaction itself. Created on its own afterwards, each target would
        // cost a database lookup of the resource it names.
        boolean inBundle = !writes.isEmpty()
                && bundle.getEntry().stream()
                        .allMatch(e -> writes.contains(e) || e.getRequest().getMethod() == Bundle.HTTPVerb.GET)
                && writes.stream()
                        .allMatch(e -> e.getFullUrl() != null && e.getFullUrl().startsWith("urn:uuid:"));
        int provenanceIndex = -1;
        if (inBundle) {
            Provenance provenance = provenance(message, senderDisplay);
            writes.forEach(e -> provenance.addTarget(new Reference(e.getFullUrl())));
            provenanceIndex = bundle.getEntry().size();
            bundle.addEntry()
                    .setFullUrl("urn:uuid:" + UUID.randomUUID())
                    .setResource(provenance)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Provenance");
        }
        // transactionNested joins this transaction (transaction() insists on starting its own).
        Bundle response = systemDao.transactionNested(request, bundle);
        List<String> produced = new ArrayList<>();
        String provenanceId = null;
        for (int i = 0; i < response.getEntry().size(); i++) {
            Bundle.BundleEntryComponent entry = response.getEntry().get(i);
            if (!entry.hasResponse() || !entry.getResponse().hasLocation()) {
                continue;
            }
            if (i == provenanceIndex) {
                provenanceId = new IdType(entry.getResponse().getLocation())
                        .toUnqualifiedVersionless()
                        .getValue();
            } else {
                produced.add(entry.getResponse().getLocation());
            }
        }
        if (!inBundle && !produced.isEmpty()) {
            Provenance provenance = provenance(message, senderDisplay);
            produced.forEach(id -> provenance.addTarget(new Reference(id)));
            provenanceId = daos.getResourceDao(Provenance.class)
                    .create(provenance, new SystemRequestDetails())
                    .getId()
                    .toUnqualifiedVersionless()
                    .getValue();
        }
        store.markDone(message, produced, provenanceId, noteTexts);
        return produced;
    }

    /** The entries that write a resource (and so appear in the response with a location). */
    private static List<Bundle.BundleEntryComponent> writeEntries(Bundle bundle) {
        List<Bundle.BundleEntryComponent> writes = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Bundle.HTTPVerb method = entry.getRequest().getMethod();
            if (entry.hasResource() && (method == Bundle.HTTPVerb.POST || method == Bundle.HTTPVerb.PUT)) {
                writes.add(entry);
            }
        }
        return writes;
    }

    private Provenance provenance(InboundMessage message, String senderDisplay) {
        return InboundProvenance.of(
                message,
                clock.instant(),
                InboundProvenance.Activity.REVISE,
                senderDisplay,
                message.getSource() + " message " + message.getId()
                        + (message.getControlId() == null ? "" : " (control id " + message.getControlId() + ")"));
    }
}
