package uk.linkwell.gateway.exchange;

/**
 * How a receiver answered one attempt, whatever the channel: accepted (delivered), worth another try (a timeout, a
 * 5xx, an HL7 {@code AE}, a broker's nack) or refused for good (a 4xx, an HL7 {@code AR}: sending the same again
 * would change nothing).
 *
 * @param verdict    what the outbox does with it
 * @param statusCode the receiver's HTTP status, when it answered over HTTP
 * @param text       a short account for the outbox row (never a body that could carry personal data)
 * @param sent       the payload as sent (the body, the HL7 message, the AMQP message body), kept for the admin
 *                   view; null when nothing was sent
 */
public record ReceiverAnswer(Verdict verdict, Integer statusCode, String text, byte[] sent) {

    /** What an answer means for the delivery. */
    public enum Verdict {
        ACCEPTED,
        TRY_AGAIN,
        REFUSED
    }

    public static ReceiverAnswer accepted(Integer statusCode, String text) {
        return new ReceiverAnswer(Verdict.ACCEPTED, statusCode, text, null);
    }

    public static ReceiverAnswer tryAgain(Integer statusCode, String text) {
        return new ReceiverAnswer(Verdict.TRY_AGAIN, statusCode, text, null);
    }

    public static ReceiverAnswer refused(Integer statusCode, String text) {
        return new ReceiverAnswer(Verdict.REFUSED, statusCode, text, null);
    }

    /** The same answer, to the payload as it was sent. */
    public ReceiverAnswer withSent(byte[] payload) {
        return new ReceiverAnswer(verdict, statusCode, text, payload);
    }

    /** Compared by verdict, status and text (the payload is what was sent, not part of the answer). */
    @Override
    public boolean equals(Object other) {
        return other instanceof ReceiverAnswer a
                && verdict == a.verdict
                && java.util.Objects.equals(statusCode, a.statusCode)
                && java.util.Objects.equals(text, a.text);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(verdict, statusCode, text);
    }

    @Override
    public String toString() {
        return "ReceiverAnswer[" + verdict + ", " + statusCode + ", " + text + "]";
    }
}
