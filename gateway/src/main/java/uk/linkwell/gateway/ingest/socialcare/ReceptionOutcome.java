package uk.linkwell.gateway.ingest.socialcare;

import java.util.List;

/**
 * The answer to one request to {@code POST /socialcare/events}: either the fate of each event, or a refusal of
 * the request as a whole (not JSON, too large, wrong media type), kept in the store as one rejected message.
 *
 * @param array whether the request was an array of events (pointers are then prefixed with the index)
 * @param results one per event, in request order; empty for a whole-request refusal
 * @param refusal the whole-request refusal, or null
 */
public record ReceptionOutcome(boolean array, List<EventResult> results, Refusal refusal) {

    /** The request as a whole was refused: status, problem type suffix, reason, and the store row keeping it. */
    public record Refusal(int status, String type, String title, String reason, Long messageId) {}

    public static ReceptionOutcome refused(Refusal refusal) {
        return new ReceptionOutcome(false, List.of(), refusal);
    }
}
