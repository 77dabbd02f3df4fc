package uk.linkwell.gateway.ingest.write;

import java.time.Instant;
import java.util.Date;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.gateway.ingest.store.InboundMessage;

/** Builds the Provenance that links what a stored inbound message wrote to that message: the one builder. */
public final class InboundProvenance {

    /** What the writes did, as a v3 DataOperation: a message revises the record, a CLD batch creates it. */
    public enum Activity {
        REVISE("UPDATE", "revise"),
        CREATE("CREATE", "create");

        private final String code;
        private final String display;

        Activity(String code, String display) {
            this.code = code;
            this.display = display;
        }
    }

    private InboundProvenance() {}

    /**
     * A Provenance without targets (the caller adds them): recorded at {@code recorded}, authored by {@code author}
     * (no personal data; "unknown sender" when blank), its source entity the stored message, shown as {@code
     * sourceDisplay}.
     */
    public static Provenance of(
            InboundMessage message, Instant recorded, Activity activity, String author, String sourceDisplay) {
        Provenance provenance = new Provenance();
        provenance.setRecorded(Date.from(recorded));
        provenance
                .getActivity()
                .addCoding(new Coding(
                        "http://terminology.hl7.org/CodeSystem/v3-DataOperation", activity.code, activity.display));
        provenance
                .addAgent()
                .setType(new CodeableConcept(new Coding(
                        "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author", "Author")))
                .setWho(new Reference().setDisplay(author == null || author.isBlank() ? "unknown sender" : author));
        provenance
                .addEntity()
                .setRole(Provenance.ProvenanceEntityRole.SOURCE)
                .setWhat(new Reference()
                        .setIdentifier(new Identifier()
                                .setSystem(MessageApplication.INBOUND_MESSAGE_SYSTEM)
                                .setValue(String.valueOf(message.getId())))
                        .setDisplay(sourceDisplay));
        return provenance;
    }
}
