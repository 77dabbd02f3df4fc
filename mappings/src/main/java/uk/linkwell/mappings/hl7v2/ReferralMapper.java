package uk.linkwell.mappings.hl7v2;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.hl7v2.parser.PipeParser;
import java.util.Date;
import java.util.Objects;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.mappings.MappingContext;

/**
 * Maps one GP patient referral, HL7 v2 REF^I12 (v2.3 to v2.5.1, read through the v2.5.1 model), to one
 * FHIR R4 transaction Bundle: Patient, the referring and receiving organisations, the ServiceRequest and
 * its Task, every entry conditional. A pure function of the message, the configuration and the
 * {@link MappingContext}. Thread-safe.
 */
public final class ReferralMapper {

    private final ReferralMappingConfig config;
    private final PipeParser parser;

    public ReferralMapper(ReferralMappingConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.parser = AdtMessage.newParser();
    }

    /** Framing and MSH checks only, cheap enough to run before the gateway acknowledges the message. */
    public ReferralMessageHeader inspect(byte[] message) throws Hl7MappingException {
        return ReferralMessageHeader.of(readHeader(Hl7Text.decode(message)));
    }

    /** As {@link #inspect(byte[])} for text that is already decoded. */
    public ReferralMessageHeader inspect(String message) throws Hl7MappingException {
        return ReferralMessageHeader.of(readHeader(Hl7Text.normalise(message)));
    }

    /** Maps the raw bytes; the charset comes from MSH-18, UTF-8 when it is empty. */
    public Bundle map(byte[] message, MappingContext context) throws Hl7MappingException {
        return mapText(Hl7Text.decode(message), context);
    }

    /** Maps text that is already decoded; MSH-18 is not consulted. */
    public Bundle map(String message, MappingContext context) throws Hl7MappingException {
        return mapText(Hl7Text.normalise(message), context);
    }

    private static Hl7Header readHeader(String text) throws Hl7MappingException {
        return HeaderReader.read(text, "REF", "I12"::equals, "only I12 (patient referral) is mapped");
    }

    private Bundle mapText(String text, MappingContext context) throws Hl7MappingException {
        Objects.requireNonNull(context, "context");
        Hl7Header header = readHeader(text);
        ReferralMessage message =
                new ReferralMessage(header, AdtMessage.parseSegments(parser, text, header.controlId()));
        try {
            return assemble(message, context);
        } catch (RuntimeException e) {
            // A mapping bug must still give the gateway an ERR to send, never an unchecked exception.
            throw new Hl7MappingException(
                            Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
                            Hl7ErrorLocation.segment("MSH"),
                            "unexpected " + e.getClass().getSimpleName() + " while mapping",
                            header.controlId())
                    .withStackOf(e);
        }
    }

    private Bundle assemble(ReferralMessage message, MappingContext context) throws Hl7MappingException {
        message.require("RF1", "a referral needs its referral information");
        ReferralPatientMapping.nhsNumber(message);
        TransactionBuilder transaction = new TransactionBuilder();
        ReferralProvider referrer = ReferralProvider.read(message, "RP", "referring GP practice");
        ReferralProvider receiver = ReferralProvider.read(message, "RT", "receiving service");
        Reference patient = ReferralPatientMapping.map(message, transaction, referrer);
        Reference requester = referrer.addTo(transaction);
        Reference performer = receiver.addTo(transaction);
        ReferralRequestMapping.map(
                message,
                config,
                context,
                transaction,
                new ReferralRequestMapping.Parties(patient, requester, receiver, performer));

        Bundle bundle = new Bundle();
        bundle.setId(context.bundleId());
        bundle.setTimestampElement(new InstantType(
                Date.from(context.receivedAt()), TemporalPrecisionEnum.MILLI, TimeZone.getTimeZone("UTC")));
        bundle.setIdentifier(TransactionBuilder.identifier(
                LinkwellSystems.MESSAGE_CONTROL_ID + message.facilitySlug, message.header.controlId()));
        return transaction.build(bundle);
    }
}
