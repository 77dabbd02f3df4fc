package uk.linkwell.mappings.hl7v2;

/** The MSH of any message type as {@link HeaderReader} checks it; carries no patient data. */
record Hl7Header(
        String messageType,
        String triggerEvent,
        String controlId,
        String sendingApplication,
        String sendingFacility,
        String receivingApplication,
        String receivingFacility,
        String version,
        char fieldSeparator,
        String encodingCharacters) {}
