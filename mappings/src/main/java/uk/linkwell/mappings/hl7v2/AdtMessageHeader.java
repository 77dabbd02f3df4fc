package uk.linkwell.mappings.hl7v2;

/**
 * What the gateway needs from an ADT message before it acknowledges it: type, event, control id,
 * sender and version. Carries no patient data.
 */
public record AdtMessageHeader(
        String messageType,
        AdtEvent triggerEvent,
        String controlId,
        String sendingApplication,
        String sendingFacility,
        String receivingApplication,
        String receivingFacility,
        String version,
        char fieldSeparator,
        String encodingCharacters) {}
