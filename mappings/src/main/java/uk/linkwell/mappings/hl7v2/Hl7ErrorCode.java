package uk.linkwell.mappings.hl7v2;

/** HL7 table 0357 message error condition codes that the ADT mapper reports, for the ERR segment of an ACK. */
public enum Hl7ErrorCode {
    SEGMENT_SEQUENCE_ERROR(100, "Segment sequence error"),
    REQUIRED_FIELD_MISSING(101, "Required field missing"),
    DATA_TYPE_ERROR(102, "Data type error"),
    TABLE_VALUE_NOT_FOUND(103, "Table value not found"),
    UNSUPPORTED_MESSAGE_TYPE(200, "Unsupported message type"),
    UNSUPPORTED_EVENT_CODE(201, "Unsupported event code"),
    UNSUPPORTED_VERSION_ID(203, "Unsupported version id"),
    APPLICATION_INTERNAL_ERROR(207, "Application internal error");

    private final int code;
    private final String text;

    Hl7ErrorCode(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The numeric code of table 0357, e.g. 101. */
    public int code() {
        return code;
    }

    /** The table's description, suitable for ERR-3 CWE.2. */
    public String text() {
        return text;
    }
}
