package uk.linkwell.mappings.hl7v2;

import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.Location;
import java.util.Objects;

/**
 * A message that cannot be mapped, with what the gateway needs for an ACK's ERR segment: the table 0357
 * error code, the location, and the control id when it could be read. The message text names positions
 * only, never values from the message, so it is safe to log.
 */
public class Hl7MappingException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Hl7ErrorCode errorCode;
    private final Hl7ErrorLocation location;
    private final String controlId;
    private final String reason;

    public Hl7MappingException(Hl7ErrorCode errorCode, Hl7ErrorLocation location, String reason, String controlId) {
        super(errorCode.code() + " " + errorCode.text() + " at " + location + ": " + reason
                + (controlId == null ? "" : " (control id " + controlId + ")"));
        this.errorCode = Objects.requireNonNull(errorCode);
        this.location = Objects.requireNonNull(location);
        this.controlId = controlId;
        this.reason = reason;
    }

    /**
     * For 207: keeps the bug's stack trace for whoever debugs it, but not its message, which (like a
     * NumberFormatException's) may quote message content.
     */
    Hl7MappingException withStackOf(Throwable bug) {
        RuntimeException cause = new RuntimeException(bug.getClass().getName() + " (message withheld)");
        cause.setStackTrace(bug.getStackTrace());
        initCause(cause);
        return this;
    }

    public Hl7ErrorCode errorCode() {
        return errorCode;
    }

    /** Why, in words fit for ERR-8 (user message): positions and rules, never message content. */
    public String reason() {
        return reason;
    }

    public Hl7ErrorLocation location() {
        return location;
    }

    /** MSH-10 of the failing message, or null when the header could not be read. */
    public String controlId() {
        return controlId;
    }

    /** The error as a HAPI exception, whose populateResponse fills an ACK's MSA and ERR segments. */
    public HL7Exception toHl7Exception() {
        HL7Exception hl7 = new HL7Exception(getMessage(), ErrorCode.errorCodeFor(errorCode.code()));
        Location hapiLocation =
                new Location().withSegmentName(location.segmentId()).withSegmentRepetition(location.segmentSequence());
        if (location.fieldPosition() > 0) {
            hapiLocation
                    .withField(location.fieldPosition())
                    .withFieldRepetition(Math.max(1, location.fieldRepetition()));
            if (location.component() > 0) {
                hapiLocation.withComponent(location.component());
                if (location.subComponent() > 0) {
                    hapiLocation.withSubcomponent(location.subComponent());
                }
            }
        }
        hl7.setLocation(hapiLocation);
        return hl7;
    }
}
