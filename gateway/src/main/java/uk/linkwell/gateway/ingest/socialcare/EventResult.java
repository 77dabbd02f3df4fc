package uk.linkwell.gateway.ingest.socialcare;

/**
 * What became of one event of a request: stored for the worker, recognised as a replay, refused (and stored as
 * rejected), or not stored at all (the database was away: send it again).
 *
 * @param index position in the request's array (0 for a single event)
 * @param eventId the event's id as read (null when unreadable)
 * @param messageId the message store row that holds it (null when not stored)
 * @param status the HTTP status this event alone would get: 202, 400, 403 or 422 (503 when not stored)
 * @param pointer RFC 6901 pointer of the offending field within the event (refusals only)
 * @param reason why it was refused: rules and positions, never values (refusals only)
 */
public record EventResult(
        int index,
        String eventId,
        String eventType,
        Long messageId,
        Disposition disposition,
        int status,
        String pointer,
        String reason) {

    /** The fate of one event, by its wire name in the response. */
    public enum Disposition {
        ACCEPTED("accepted"),
        DUPLICATE("duplicate"),
        REJECTED("rejected"),
        NOT_STORED("not-stored");

        private final String code;

        Disposition(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    public boolean refused() {
        return disposition == Disposition.REJECTED || disposition == Disposition.NOT_STORED;
    }
}
