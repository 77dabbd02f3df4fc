package uk.linkwell.mappings.hl7v2;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.mappings.MappingNotes;

/** The state of mapping one message: its segments, the configuration, and what earlier steps produced. */
final class MappingRun {

    final AdtMessage message;
    final AdtMappingConfig config;
    final TransactionBuilder transaction = new TransactionBuilder();
    final String facility;
    final String facilitySlug;

    /** Set by the patient step. */
    Reference patient;
    /** Identity of the patient for identifiers derived from it, e.g. "nhs-9990000018". */
    String patientKey;
    /** Set by the encounter step when the message has a visit. */
    Reference encounter;

    org.hl7.fhir.r4.model.Encounter encounterResource;
    String visitNumber;
    /** Set by the encounter step for a finished encounter that has one (stated or the configured default). */
    DischargePathway dischargePathway;
    /** What the Bundle goes out with as {@link MappingNotes}, in the order noted. */
    final List<Coding> notes = new ArrayList<>();

    MappingRun(AdtMessage message, AdtMappingConfig config) {
        this.message = message;
        this.config = config;
        this.facility = message.header().sendingFacility();
        this.facilitySlug = LinkwellSystems.facilitySlug(facility);
    }

    AdtEvent event() {
        return message.header().triggerEvent();
    }

    /** Key for identifiers of things that belong to this visit, or to the patient when there is no visit. */
    String visitOrPatientKey() {
        return visitNumber != null ? "visit-" + LinkwellSystems.slug(visitNumber) : patientKey;
    }

    DateTimeType dateTime(SegmentView segment, int field) throws Hl7MappingException {
        Hl7Time.Stamp stamp = stamp(segment, field);
        return stamp == null ? null : new DateTimeType(stamp.fhir());
    }

    /** The time in the field with the precision the sender gave it, or null when empty. */
    Hl7Time.Stamp stamp(SegmentView segment, int field) throws Hl7MappingException {
        String value = segment.get(field, 1, 1);
        try {
            return Hl7Time.stamp(value, config.localZone());
        } catch (RuntimeException e) {
            throw error(Hl7ErrorCode.DATA_TYPE_ERROR, segment.at(field, 1, 1), "not a valid HL7 date/time");
        }
    }

    DateType date(SegmentView segment, int field) throws Hl7MappingException {
        String value = segment.get(field, 1, 1);
        try {
            String fhir = Hl7Time.date(value);
            return fhir == null ? null : new DateType(fhir);
        } catch (RuntimeException e) {
            throw error(Hl7ErrorCode.DATA_TYPE_ERROR, segment.at(field, 1, 1), "not a valid HL7 date");
        }
    }

    /** Leaves a note on the Bundle (see {@link MappingNotes}); the text names positions, never values. */
    void note(String code, String text) {
        notes.add(MappingNotes.note(code, text));
    }

    Hl7MappingException error(Hl7ErrorCode code, Hl7ErrorLocation location, String reason) {
        return new Hl7MappingException(code, location, reason, message.controlId());
    }
}
