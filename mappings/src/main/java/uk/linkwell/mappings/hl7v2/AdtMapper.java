package uk.linkwell.mappings.hl7v2;

import ca.uhn.hl7v2.parser.PipeParser;
import java.util.List;
import java.util.Objects;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import uk.linkwell.mappings.MappingContext;

/**
 * Maps one hospital HL7 v2 ADT message (A01, A02, A03, A08, A11, A13, A40; v2.3 to v2.5.1) to one
 * FHIR R4 transaction Bundle of conditional, idempotent entries. A pure function of the message, the
 * configuration and the {@link MappingContext}: no clock, no database. Thread-safe. What the message
 * lacked but was mapped anyway (a discharge without a pathway) is noted on the Bundle, see
 * {@link uk.linkwell.mappings.MappingNotes}.
 */
public final class AdtMapper {

    private final AdtMappingConfig config;
    private final PipeParser parser;

    public AdtMapper(AdtMappingConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.parser = AdtMessage.newParser();
    }

    /**
     * Checks framing and MSH only (no full parse), so the gateway can decide between accepting and
     * rejecting a message before it acknowledges it.
     */
    public AdtMessageHeader inspect(byte[] message) throws Hl7MappingException {
        return HeaderReader.read(Hl7Text.decode(message));
    }

    /** As {@link #inspect(byte[])} for text that is already decoded. */
    public AdtMessageHeader inspect(String message) throws Hl7MappingException {
        return HeaderReader.read(Hl7Text.normalise(message));
    }

    /** Maps the raw bytes; the charset comes from MSH-18, UTF-8 when it is empty (see README). */
    public Bundle map(byte[] message, MappingContext context) throws Hl7MappingException {
        return mapText(Hl7Text.decode(message), context);
    }

    /** Maps text that is already decoded; MSH-18 is not consulted. */
    public Bundle map(String message, MappingContext context) throws Hl7MappingException {
        return mapText(Hl7Text.normalise(message), context);
    }

    private Bundle mapText(String text, MappingContext context) throws Hl7MappingException {
        Objects.requireNonNull(context, "context");
        AdtMessageHeader header = HeaderReader.read(text);
        AdtMessage message = AdtMessage.parse(parser, text, header);
        try {
            return assemble(new MappingRun(message, config), context);
        } catch (RuntimeException e) {
            // Never let a mapping bug escape as an unchecked exception: the gateway needs an ERR to send.
            throw new Hl7MappingException(
                            Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
                            Hl7ErrorLocation.segment("MSH"),
                            "unexpected " + e.getClass().getSimpleName() + " while mapping",
                            header.controlId())
                    .withStackOf(e);
        }
    }

    private static Bundle assemble(MappingRun run, MappingContext context) throws Hl7MappingException {
        PatientMapping.map(run);
        EncounterMapping.map(run);
        ContactMapping.map(run);
        ClinicalMapping.diagnoses(run);
        ClinicalMapping.allergies(run);
        List<ClinicalMapping.RiskNote> risks = ClinicalMapping.observations(run);
        DischargeFollowUp.map(run, risks);

        Bundle bundle = new Bundle();
        bundle.setId(context.bundleId());
        bundle.setTimestampElement(new InstantType(
                java.util.Date.from(context.receivedAt()),
                ca.uhn.fhir.model.api.TemporalPrecisionEnum.MILLI,
                java.util.TimeZone.getTimeZone("UTC")));
        bundle.setIdentifier(TransactionBuilder.identifier(
                LinkwellSystems.MESSAGE_CONTROL_ID + run.facilitySlug, run.message.controlId()));
        run.notes.forEach(note -> bundle.getMeta().addTag(note));
        return run.transaction.build(bundle);
    }
}
