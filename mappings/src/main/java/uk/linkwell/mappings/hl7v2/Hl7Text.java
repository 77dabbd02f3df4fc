package uk.linkwell.mappings.hl7v2;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the bytes of an HL7 v2 message into text: the charset comes from MSH-18 (UTF-8 when it is
 * empty), bytes that are not valid in that charset are an error rather than silently replaced, and
 * line endings are normalised to the HL7 segment terminator.
 */
final class Hl7Text {

    /** MSH-18 values (HL7 table 0211) we accept; anything else is a table error, not a guess. */
    private static final Map<String, Charset> CHARSETS = Map.of(
            "", StandardCharsets.UTF_8,
            "UNICODE UTF-8", StandardCharsets.UTF_8,
            "ASCII", StandardCharsets.US_ASCII,
            "8859/1", StandardCharsets.ISO_8859_1,
            "8859/15", Charset.forName("ISO-8859-15"));

    private static final Hl7ErrorLocation MSH_18 = Hl7ErrorLocation.field("MSH", 18);

    private Hl7Text() {}

    /** Decodes bytes using the charset named in MSH-18 (read from the ASCII-compatible header). */
    static String decode(byte[] bytes) throws Hl7MappingException {
        if (bytes == null || bytes.length == 0) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, Hl7ErrorLocation.segment("MSH"), "empty message", null);
        }
        int offset = 0;
        boolean bom = bytes.length >= 3
                && (bytes[0] & 0xFF) == 0xEF
                && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF;
        if (bom) {
            offset = 3;
        }
        // Latin-1 maps every byte to one char, so the header can be read before the charset is known.
        String header = new String(bytes, offset, bytes.length - offset, StandardCharsets.ISO_8859_1);
        String declared = declaredCharset(normalise(header));
        Charset charset = CHARSETS.get(declared.toUpperCase(Locale.ROOT));
        if (charset == null) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, MSH_18, "character set not supported", null);
        }
        if (bom && charset != StandardCharsets.UTF_8) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.DATA_TYPE_ERROR,
                    MSH_18,
                    "UTF-8 byte order mark contradicts the declared character set",
                    null);
        }
        try {
            return normalise(charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, bytes.length - offset))
                    .toString());
        } catch (CharacterCodingException e) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.DATA_TYPE_ERROR,
                    MSH_18,
                    "bytes are not valid " + charset.name() + " (the charset MSH-18 names, UTF-8 when empty)",
                    null);
        }
    }

    /**
     * Strips MLLP framing and a byte order mark, and makes CR the only segment terminator: files and
     * some senders use LF or CRLF, and a blank line is not a segment.
     */
    static String normalise(String message) {
        if (message == null) {
            return "";
        }
        String text = message;
        if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        text = text.replace("\u000b", "").replace("\u001c", "");
        text = text.replace("\r\n", "\r").replace('\n', '\r');
        StringBuilder out = new StringBuilder(text.length());
        for (String segment : text.split("\r")) {
            if (!segment.isBlank()) {
                if (out.length() > 0) {
                    out.append('\r');
                }
                out.append(stripTrailingSpaces(segment));
            }
        }
        return out.toString();
    }

    private static String stripTrailingSpaces(String segment) {
        int end = segment.length();
        while (end > 0 && segment.charAt(end - 1) == ' ') {
            end--;
        }
        return segment.substring(0, end);
    }

    /** The first repetition and component of MSH-18, or "" when the header is too short to have one. */
    private static String declaredCharset(String text) {
        if (!text.startsWith("MSH") || text.length() < 8) {
            return "";
        }
        char fieldSeparator = text.charAt(3);
        int end = text.indexOf('\r');
        String msh = end < 0 ? text : text.substring(0, end);
        String[] fields = msh.split(java.util.regex.Pattern.quote(String.valueOf(fieldSeparator)), -1);
        // fields[0] is "MSH" and fields[1] is MSH-2, so MSH-n is fields[n - 1].
        if (fields.length < 18) {
            return "";
        }
        String value = fields[17];
        String encoding = fields[1];
        for (int i = 0; i < Math.min(2, encoding.length()); i++) {
            int cut = value.indexOf(encoding.charAt(i));
            if (cut >= 0) {
                value = value.substring(0, cut);
            }
        }
        return value.trim();
    }
}
