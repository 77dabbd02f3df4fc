package uk.linkwell.gateway.exchange;

import java.util.Optional;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Endpoint;
import uk.linkwell.profiles.LinkwellPackage;

/** The channels outbound deliveries go over, as Endpoint.connectionType codes, and the events they carry. */
public final class Channels {

    /** A FHIR message Bundle POSTed to the receiver's {@code $process-message}. */
    public static final String FHIR_MESSAGE = "hl7-fhir-msg";
    /** A signed CloudEvents 1.0 JSON event POSTed to the receiver's address. */
    public static final String WEBHOOK = "webhook";

    public static final String HL7_CONNECTION_TYPES = "http://terminology.hl7.org/CodeSystem/endpoint-connection-type";
    public static final String LINKWELL_CONNECTION_TYPES =
            LinkwellPackage.CANONICAL_BASE + "/CodeSystem/endpoint-connection-type";
    /** Linkwell's exchange events (MessageHeader.eventCoding). */
    public static final String EVENTS = LinkwellPackage.CANONICAL_BASE + "/CodeSystem/exchange-event";

    public static final String DISCHARGE = "discharge";
    public static final String DISCHARGE_FOLLOW_UP = "discharge-follow-up";
    public static final String REFERRAL_ACCEPTED = "referral-accepted";
    public static final String REFERRAL_DECLINED = "referral-declined";
    public static final String CASE_CLOSED = "case-closed";
    public static final String ADMISSION = "admission";
    public static final String CARE_PLAN_CREATED = "care-plan-created";
    public static final String CARE_PLAN_STATUS_CHANGED = "care-plan-status-changed";

    private Channels() {}

    /** The channel an Endpoint speaks, if it is one this gateway sends over. */
    public static Optional<String> of(Endpoint endpoint) {
        Coding type = endpoint.getConnectionType();
        if (FHIR_MESSAGE.equals(type.getCode())
                && (!type.hasSystem() || HL7_CONNECTION_TYPES.equals(type.getSystem()))) {
            return Optional.of(FHIR_MESSAGE);
        }
        if (WEBHOOK.equals(type.getCode()) && LINKWELL_CONNECTION_TYPES.equals(type.getSystem())) {
            return Optional.of(WEBHOOK);
        }
        return Optional.empty();
    }
}
