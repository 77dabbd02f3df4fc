package uk.linkwell.gateway.ingest.mllp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The key that keeps one patient's messages from one sender in order (admit before discharge, referral before its
 * update): the sending facility and a SHA-256 digest of the first PID-3 identifier, so the store holds no NHS number
 * in clear. Null when there is none.
 */
final class PatientOrderingKey {

    private PatientOrderingKey() {}

    /** The key of the message whose text (from its MSH segment on) and header are these. */
    static String of(String text, MshFields header) {
        char fieldSeparator = header.fieldSeparator();
        char componentSeparator = header.componentSeparator();
        String pidStart = "PID" + fieldSeparator;
        for (String segment : text.split("[\r\n]+")) {
            if (segment.startsWith(pidStart)) {
                String[] fields = segment.split(Pattern.quote(String.valueOf(fieldSeparator)), -1);
                if (fields.length <= 3) {
                    return null;
                }
                String id = fields[3].split("~", -1)[0];
                int comp = id.indexOf(componentSeparator);
                id = (comp >= 0 ? id.substring(0, comp) : id).trim();
                return id.isEmpty() ? null : header.sendingFacility() + ":" + digest(id);
            }
        }
        return null;
    }

    private static String digest(String value) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
