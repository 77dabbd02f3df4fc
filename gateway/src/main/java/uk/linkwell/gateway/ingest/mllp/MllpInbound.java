package uk.linkwell.gateway.ingest.mllp;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/**
 * One kind of HL7 v2 message the MLLP listener takes, chosen by MSH-9.1 (ADT from hospitals, REF from GP practices):
 * the store source its messages go under (which picks the worker's translator) and the check that decides AA or AR.
 */
public abstract class MllpInbound {

    private final String messageCode;
    private final String source;
    private final Hl7v2Mapping mapping;
    private final byte[] warmUpMessage;

    /** {@code warmUpSegments}: a synthetic message of this kind, one segment each (see {@link #warmUpMessage}). */
    protected MllpInbound(String messageCode, String source, Hl7v2Mapping mapping, String... warmUpSegments) {
        this.messageCode = messageCode;
        this.source = source;
        this.mapping = mapping;
        this.warmUpMessage = (String.join("\r", warmUpSegments) + "\r").getBytes(StandardCharsets.US_ASCII);
    }

    /** The MSH-9.1 message code this kind takes, e.g. {@code ADT}. */
    public String messageCode() {
        return messageCode;
    }

    /** The store's {@code source} for these messages, e.g. {@code hospital-mllp}. */
    public String source() {
        return source;
    }

    /**
     * Checks the message as the worker will apply it: the full mapping, whose Bundle is not kept (a message
     * acknowledged AA is one the worker can apply). A refusal names the segment and field for the ERR segment.
     */
    public void check(byte[] body, Instant receivedAt) throws Hl7MappingException {
        mapping.map(body, new MappingContext("reception-check", receivedAt));
    }

    /**
     * A built-in synthetic message of this kind (invented person, 999-range NHS number), checked once at start-up so
     * that the first real message does not wait for the HL7 parser and the mapper to load.
     */
    public byte[] warmUpMessage() {
        return warmUpMessage.clone();
    }
}
