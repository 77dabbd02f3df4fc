package uk.linkwell.gateway.ingest.hospital;

import java.time.Instant;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/**
 * One kind of HL7 v2 message the MLLP listener takes, chosen by MSH-9.1 (ADT from hospitals, REF from GP practices):
 * the store source its messages go under (which picks the worker's translator) and the check that decides AA or AR.
 */
public interface MllpInbound {

    /** The MSH-9.1 message code this kind takes, e.g. {@code ADT}. */
    String messageCode();

    /** The store's {@code source} for these messages, e.g. {@code hospital-mllp}. */
    String source();

    /**
     * Checks the message as the worker will apply it (the full mapping: a message acknowledged AA is one the worker
     * can apply). A refusal names the segment and field for the ERR segment.
     */
    void check(byte[] body, Instant receivedAt) throws Hl7MappingException;

    /**
     * A built-in synthetic message of this kind (invented person, 999-range NHS number), checked once at start-up so
     * that the first real message does not wait for the HL7 parser and the mapper to load.
     */
    byte[] warmUpMessage();
}
