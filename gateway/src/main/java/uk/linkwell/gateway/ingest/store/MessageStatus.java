package uk.linkwell.gateway.ingest.store;

/** Where a stored inbound message is in its life: stored, being applied, applied, parked, or refused at the door. */
public enum MessageStatus {
    RECEIVED("received"),
    PROCESSING("processing"),
    DONE("done"),
    FAILED("failed"),
    REJECTED("rejected");

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
