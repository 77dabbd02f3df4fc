package uk.linkwell.gateway.ingest.mllp;

import java.nio.charset.StandardCharsets;

/**
 * What MLLP reception reads of the bytes that arrived, in one pass: the header (MSH), leniently, and the key that
 * keeps one patient's messages in order ({@link PatientOrderingKey}). Both are handed on to the store; the full
 * mapping is the kind's check ({@link MllpInbound#check}).
 */
final class ReceivedHl7 {

    /** The header line is read up to this many characters: what the store and the ACK need is near its start. */
    private static final int HEADER_LIMIT = 4096;

    private final MshFields header;
    private final String orderingKey;

    private ReceivedHl7(MshFields header, String orderingKey) {
        this.header = header;
        this.orderingKey = orderingKey;
    }

    /** Reads the bytes once (a null body reads as nothing). */
    static ReceivedHl7 read(byte[] body) {
        if (body == null) {
            return new ReceivedHl7(null, null);
        }
        int start = 0;
        if (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
            start = 3;
        }
        while (start < body.length && (body[start] == 0x0B || body[start] == '\r' || body[start] == '\n')) {
            start++;
        }
        String text = new String(body, start, body.length - start, StandardCharsets.ISO_8859_1);
        int end = 0;
        while (end < text.length() && text.charAt(end) != '\r' && text.charAt(end) != '\n' && end < HEADER_LIMIT) {
            end++;
        }
        MshFields header = MshFields.of(text.substring(0, end));
        if (header == null) {
            return new ReceivedHl7(null, null);
        }
        return new ReceivedHl7(header, PatientOrderingKey.of(text, header));
    }

    /** The header, or null when the bytes do not start with an MSH segment. */
    MshFields header() {
        return header;
    }

    /** The patient ordering key, or null when there is no header or no PID-3 identifier. */
    String orderingKey() {
        return orderingKey;
    }
}
