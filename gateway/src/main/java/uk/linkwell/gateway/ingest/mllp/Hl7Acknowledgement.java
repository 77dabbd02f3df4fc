package uk.linkwell.gateway.ingest.mllp;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import uk.linkwell.mappings.hl7v2.Hl7ErrorLocation;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/**
 * Builds the HL7 ACK sent back over MLLP for every message type the listener takes (ADT, REF), by hand rather than
 * from a parsed message so that bytes which are not HL7 at all still get a well-formed answer: MSH from the received
 * header (or defaults), MSA, and for a refusal an ERR naming the segment and field (ERR-2/3/4/8 from v2.5, ERR-1
 * before). A REF^I12 gets a plain ACK^I12 too: it says "stored", an accept acknowledgement; the RRI^I12 referral
 * response carries the receiving service's decision, which is made later, on the Task.
 */
final class Hl7Acknowledgement {

    static final String ACCEPT = "AA";
    static final String REJECT = "AR";
    static final String ERROR = "AE";

    private static final DateTimeFormatter HL7_TIME =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmssZ").withZone(ZoneOffset.UTC);
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** Why a message was refused, for ERR. */
    record Refusal(int code, String codeText, Hl7ErrorLocation location, String reason) {
        static Refusal of(Hl7MappingException e) {
            return new Refusal(e.errorCode().code(), e.errorCode().text(), e.location(), e.reason());
        }
    }

    private Hl7Acknowledgement() {}

    static byte[] accept(MshFields msh, Instant now) {
        return build(msh, ACCEPT, null, now);
    }

    static byte[] refuse(MshFields msh, String code, Refusal refusal, Instant now) {
        return build(msh, code, refusal, now);
    }

    private static byte[] build(MshFields msh, String code, Refusal refusal, Instant now) {
        String version = msh == null || msh.version().isEmpty() ? "2.5.1" : msh.version();
        String event = msh == null ? "" : msh.component(9, 2);
        boolean before25 = version.startsWith("2.1")
                || version.startsWith("2.2")
                || version.startsWith("2.3")
                || version.startsWith("2.4");
        String type = event.isEmpty()
                ? "ACK"
                : before25 && !version.startsWith("2.4") ? "ACK^" + escape(event) : "ACK^" + escape(event) + "^ACK";
        StringBuilder ack = new StringBuilder("MSH|^~\\&|")
                .append(
                        msh == null || msh.receivingApplication().isEmpty()
                                ? "LINKWELL"
                                : escape(msh.receivingApplication()))
                .append('|')
                .append(msh == null || msh.receivingFacility().isEmpty() ? "LINKWELL" : escape(msh.receivingFacility()))
                .append('|')
                .append(msh == null ? "" : escape(msh.sendingApplication()))
                .append('|')
                .append(msh == null ? "" : escape(msh.sendingFacility()))
                .append('|')
                .append(HL7_TIME.format(now))
                .append("||")
                .append(type)
                .append('|')
                .append("LW")
                .append(Long.toString(now.toEpochMilli(), 36))
                .append(Long.toString(SEQUENCE.incrementAndGet() % 1_000_000, 36))
                .append('|')
                .append(msh == null || msh.processingId().isEmpty() ? "P" : escape(msh.processingId()))
                .append('|')
                .append(escape(version))
                .append('\r');
        ack.append("MSA|").append(code).append('|').append(msh == null ? "" : escape(msh.controlId()));
        if (refusal != null && before25) {
            ack.append('|').append(escape(refusal.reason()));
        }
        ack.append('\r');
        if (refusal != null) {
            Hl7ErrorLocation at = refusal.location();
            if (before25) {
                // ERR-1 ELD: segment^sequence^field^code&text&table
                ack.append("ERR|")
                        .append(at.segmentId())
                        .append('^')
                        .append(at.segmentSequence())
                        .append('^')
                        .append(at.fieldPosition() > 0 ? String.valueOf(at.fieldPosition()) : "")
                        .append('^')
                        .append(refusal.code())
                        .append('&')
                        .append(escape(refusal.codeText()))
                        .append("&HL70357");
            } else {
                ack.append("ERR||")
                        .append(at.toErl())
                        .append('|')
                        .append(refusal.code())
                        .append('^')
                        .append(escape(refusal.codeText()))
                        .append("^HL70357|E||||")
                        .append(escape(refusal.reason()));
            }
            ack.append('\r');
        }
        return ack.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** HL7 escape sequences for the standard delimiters, so a reason or echoed value cannot break the ACK. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\E\\");
                case '|' -> out.append("\\F\\");
                case '^' -> out.append("\\S\\");
                case '&' -> out.append("\\T\\");
                case '~' -> out.append("\\R\\");
                case '\r', '\n' -> out.append(' ');
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
