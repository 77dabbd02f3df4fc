package uk.linkwell.gateway.ingest;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStore;

/**
 * Applies one translated message to the FHIR store in one database transaction: the Bundle through HAPI's DAO
 * layer (so profile validation and conditional matching run as for any write), a Provenance linking what it
 * produced to the message, and the store row marked done. Any failure rolls all three back.
 */
@Component
public class MessageApplication {

    /** Identifies stored inbound messages in Provenance.entity (the store's row id). */
    public static final String INBOUND_MESSAGE_SYSTEM = "https://fhir.linkwell.example/Id/inbound-message";
    public static final String CONTROL_ID_SYSTEM_PREFIX = "https://fhir.linkwell.example/Id/message-control-id/";

    private final IFhirSystemDao<Bundle, ?> systemDao;
    private final DaoRegistry daos;
    private final MessageStore store;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final PatientCarryOver patientCarryOver;

    public MessageApplication(IFhirSystemDao<Bundle, ?> systemDao, DaoRegistry daos, MessageStore store,
            PlatformTransactionManager transactionManager, Clock clock, PatientCarryOver patientCarryOver) {
        this.patientCarryOver = patientCarryOver;
        this.systemDao = systemDao;
        this.daos = daos;
        this.store = store;
        this.transaction = new TransactionTemplate(transactionManager);
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /** Applies the Bundle; returns the versioned ids of the resources it touched. */
    public List<String> apply(InboundMessage message, Bundle bundle, String senderDisplay) {
        return transaction.execute(tx -> {
            // Read inside the transaction, so what is carried over is what the update replaces.
            patientCarryOver.apply(bundle);
            // transactionNested joins this transaction (transaction() insists on starting its own).
            Bundle response = systemDao.transactionNested(new SystemRequestDetails(), bundle);
            List<String> produced = new ArrayList<>();
            for (Bundle.BundleEntryComponent entry : response.getEntry()) {
                if (entry.hasResponse() && entry.getResponse().hasLocation()) {
                    produced.add(entry.getResponse().getLocation());
                }
            }
            String provenanceId = null;
            if (!produced.isEmpty()) {
                Provenance provenance = provenance(message, produced, senderDisplay);
                provenanceId = daos.getResourceDao(Provenance.class)
                        .create(provenance, new SystemRequestDetails()).getId().toUnqualifiedVersionless().getValue();
            }
            store.markDone(message.getId(), produced, provenanceId);
            return produced;
        });
    }

    private Provenance provenance(InboundMessage message, List<String> produced, String senderDisplay) {
        Provenance provenance = new Provenance();
        produced.forEach(id -> provenance.addTarget(new Reference(id)));
        provenance.setRecorded(Date.from(clock.instant()));
        provenance.getActivity().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                "UPDATE", "revise"));
        provenance.addAgent()
                .setType(new org.hl7.fhir.r4.model.CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author", "Author")))
                .setWho(new Reference().setDisplay(senderDisplay == null || senderDisplay.isBlank()
                        ? "unknown sender" : senderDisplay));
        Reference what = new Reference()
                .setIdentifier(new Identifier().setSystem(INBOUND_MESSAGE_SYSTEM)
                        .setValue(String.valueOf(message.getId())))
                .setDisplay(message.getSource() + " message " + message.getId()
                        + (message.getControlId() == null ? "" : " (control id " + message.getControlId() + ")"));
        provenance.addEntity().setRole(Provenance.ProvenanceEntityRole.SOURCE).setWhat(what);
        return provenance;
    }
}
