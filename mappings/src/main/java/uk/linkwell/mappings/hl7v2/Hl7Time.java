package uk.linkwell.mappings.hl7v2;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Converts HL7 v2 TS/DTM values ({@code YYYY[MM[DD[HH[MM[SS[.S...]]]]]][+/-ZZZZ]}) into FHIR date and
 * dateTime strings, keeping the sender's precision. A time without an offset is local time in the
 * configured zone, so the offset follows British Summer Time.
 */
final class Hl7Time {

    private static final Pattern DTM =
            Pattern.compile("(\\d{4})(\\d{2})?(\\d{2})?(\\d{2})?(\\d{2})?(\\d{2})?(?:\\.(\\d{1,4}))?([+-]\\d{4})?");

    private Hl7Time() {}

    /** The FHIR dateTime for an HL7 time, or null when empty; IllegalArgumentException when malformed. */
    static String dateTime(String hl7, ZoneId zone) {
        if (hl7 == null || hl7.isBlank()) {
            return null;
        }
        Matcher m = DTM.matcher(hl7.trim());
        if (!m.matches() || (m.group(2) == null && m.group(3) != null)) {
            throw new IllegalArgumentException("not an HL7 date/time");
        }
        int year = Integer.parseInt(m.group(1));
        if (m.group(2) == null) {
            return m.group(1);
        }
        int month = Integer.parseInt(m.group(2));
        if (m.group(3) == null) {
            LocalDate.of(year, month, 1);
            return m.group(1) + "-" + m.group(2);
        }
        LocalDate date = LocalDate.of(year, month, Integer.parseInt(m.group(3)));
        if (m.group(4) == null) {
            return date.toString();
        }
        int hour = Integer.parseInt(m.group(4));
        int minute = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
        int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
        LocalDateTime local = LocalDateTime.of(date, LocalTime.of(hour, minute, second));
        ZoneOffset offset =
                m.group(8) != null ? offset(m.group(8)) : zone.getRules().getOffset(local);
        String fraction = m.group(7) == null
                ? ""
                : "." + (m.group(7).length() > 3 ? m.group(7).substring(0, 3) : m.group(7));
        String time = String.format("%02d:%02d:%02d", hour, minute, second);
        String zoneText = offset.getTotalSeconds() == 0 ? "+00:00" : offset.getId();
        return date + "T" + time + fraction + zoneText;
    }

    /** The FHIR date (no time) for an HL7 date or time, or null when empty. */
    static String date(String hl7) {
        if (hl7 == null || hl7.isBlank()) {
            return null;
        }
        String value = hl7.trim();
        String datePart = value.length() > 8 ? value.substring(0, 8) : value;
        if (!datePart.matches("\\d{4}(\\d{2}(\\d{2})?)?")) {
            throw new IllegalArgumentException("not an HL7 date");
        }
        return dateTime(datePart, ZoneOffset.UTC);
    }

    private static ZoneOffset offset(String text) {
        int hours = Integer.parseInt(text.substring(1, 3));
        int minutes = Integer.parseInt(text.substring(3, 5));
        int sign = text.charAt(0) == '-' ? -1 : 1;
        return ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes);
    }
}
