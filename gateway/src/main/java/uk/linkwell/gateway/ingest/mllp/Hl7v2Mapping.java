package uk.linkwell.gateway.ingest.mllp;

import org.hl7.fhir.r4.model.Bundle;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/** An HL7 v2 mapper's one operation, message bytes to transaction Bundle (e.g. {@code AdtMapper::map}). */
@FunctionalInterface
public interface Hl7v2Mapping {

    /** The transaction Bundle for the message; a refusal names the segment and field at fault. */
    Bundle map(byte[] body, MappingContext context) throws Hl7MappingException;
}
