package uk.linkwell.mappings.hl7v2;

/**
 * What the gateway needs from a REF^I12 message before it acknowledges it: control id, sender, receiver
 * and version. Carries no patient data.
 */
public record ReferralMessageHeader(
        String controlId,
        String triggerEvent,
        String sendingApplication,
        String sendingFacility,
        String receivingApplication,
        String receivingFacility,
        String version) {

    static ReferralMessageHeader of(Hl7Header header) {
        return new ReferralMessageHeader(
                header.controlId(),
                header.triggerEvent(),
                header.sendingApplication(),
                header.sendingFacility(),
                header.receivingApplication(),
                header.receivingFacility(),
                header.version());
    }
}
