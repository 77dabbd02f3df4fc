package uk.linkwell.gateway.consent;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Bundle;

/**
 * Camel face of the {@link OutboundConsentFilter}: replaces the message body (a Bundle) with what the recipient
 * named in the headers may receive. Headers: {@code LinkwellRecipientRole}, {@code LinkwellRecipientOrganisation},
 * optionally {@code LinkwellRecipientClientId}, {@code LinkwellRecipientPractitioner},
 * {@code LinkwellPurposeOfUse}.
 */
public class OutboundConsentProcessor implements Processor {

    public static final String ROLE = "LinkwellRecipientRole";
    public static final String ORGANISATION = "LinkwellRecipientOrganisation";
    public static final String CLIENT_ID = "LinkwellRecipientClientId";
    public static final String PRACTITIONER = "LinkwellRecipientPractitioner";
    public static final String PURPOSE = "LinkwellPurposeOfUse";

    private final OutboundConsentFilter filter;

    public OutboundConsentProcessor(OutboundConsentFilter filter) {
        this.filter = filter;
    }

    @Override
    public void process(Exchange exchange) throws org.apache.camel.InvalidPayloadException {
        var in = exchange.getMessage();
        String role = in.getHeader(ROLE, String.class);
        String organisation = in.getHeader(ORGANISATION, String.class);
        if (role == null || organisation == null) {
            throw new IllegalArgumentException("an outbound exchange needs the " + ROLE + " and " + ORGANISATION
                    + " headers naming its recipient");
        }
        Bundle payload = in.getMandatoryBody(Bundle.class);
        String clientId = in.getHeader(CLIENT_ID, organisation, String.class);
        in.setBody(filter.filter(
                payload,
                new OutboundConsentFilter.Recipient(
                        clientId,
                        role,
                        organisation,
                        in.getHeader(PRACTITIONER, String.class),
                        in.getHeader(PURPOSE, String.class)),
                exchange.getExchangeId()));
    }
}
