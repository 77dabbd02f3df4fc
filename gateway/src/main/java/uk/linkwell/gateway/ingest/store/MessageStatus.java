package uk.linkwell.gateway.ingest.store;

/**
 * Where a stored inbound message is in its life: stored, being applied, applied, parked as failed, set aside as
 * unmatched, or refused at the door.
 */
public enum MessageStatus {
    RECEIVED("received"),
    PROCESSING("processing"),
    DONE("done"),
    FAILED("failed"),
    REJECTED("rejected"),
    /**
     * Nothing wrong with it, but not applied: it is about a person the gateway cannot match to the sender (a case
     * event for someone unknown, or with whom the council has no relationship). Not an error of the sender's, so
     * not {@code failed}: it waits for the person or the relationship, then an operator reprocesses it.
     */
    UNMATCHED("unmatched");

    private final String code;

    MessageStatus(String code) {
        this.code = code;
    }

    /** The lower-case value kept in the table and shown over HTTP. */
    public String code() {
        return code;
    }

    public static MessageStatus ofCode(String code) {
        for (MessageStatus s : values()) {
            if (s.code.equalsIgnoreCase(code)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status " + code);
    }
}
