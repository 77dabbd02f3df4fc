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
    /** An HL7 v2.5.1 message (ADT^A03, RRI^I12) over MLLP to {@code mllp://host:port}. */
    public static final String HL7V2_MLLP = "hl7v2-mllp";
    /** A CloudEvent (as the webhook's) published to a RabbitMQ exchange with publisher confirms. */
    public static final String AMQP = "amqp";
    /** The permitted resources written to the receiver's FHIR base as a transaction of conditional updates. */
    public static final String FHIR_REST = "hl7-fhir-rest";

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

    /**
     * The channel an Endpoint speaks, if it is one this gateway sends over: HL7's codes in HL7's system (or with no
     * system), Linkwell's own in Linkwell's.
     */
    public static Optional<String> of(Endpoint endpoint) {
        Coding type = endpoint.getConnectionType();
        String code = type.getCode();
        if ((FHIR_MESSAGE.equals(code) || HL7V2_MLLP.equals(code) || FHIR_REST.equals(code))
                && (!type.hasSystem() || HL7_CONNECTION_TYPES.equals(type.getSystem()))) {
            return Optional.of(code);
        }
        if ((WEBHOOK.equals(code) || AMQP.equals(code)) && LINKWELL_CONNECTION_TYPES.equals(type.getSystem())) {
            return Optional.of(code);
        }
        return Optional.empty();
    }

    /**
     * Whether a channel can tell a recipient of the event. HL7 v2 has a message for a discharge and a referral
     * decision only; the triggers record no delivery of another event to an MLLP Endpoint.
     */
    public static boolean carries(String channel, String event) {
        return !HL7V2_MLLP.equals(channel) || Hl7v2Notifications.EVENTS.contains(event);
    }
}
