package uk.linkwell.mappings.hl7v2;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
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

    /** How much of a time the sender gave, coarsest first. */
    enum Precision {
        YEAR,
        MONTH,
        DAY,
        HOUR,
        MINUTE,
        SECOND,
        FRACTION
    }

    /**
     * An HL7 time as FHIR dateTime text together with the precision the sender gave it, which the text alone
     * does not keep: FHIR writes a time to the minute or the hour with zero seconds.
     */
    record Stamp(String fhir, Precision precision) {

        /** The same time said at a coarser precision (zeros below it), e.g. 10:00:52 to the minute is 10:00:00. */
        Stamp truncatedTo(Precision coarser) {
            if (coarser.compareTo(precision) >= 0) {
                return this;
            }
            String text =
                    switch (coarser) {
                        case YEAR -> fhir.substring(0, 4);
                        case MONTH -> fhir.substring(0, 7);
                        case DAY -> fhir.substring(0, 10);
                        case HOUR -> fhir.substring(0, 13) + ":00:00" + offset();
                        case MINUTE -> fhir.substring(0, 16) + ":00" + offset();
                        case SECOND -> fhir.substring(0, 19) + offset();
                        case FRACTION -> fhir;
                    };
            return new Stamp(text, coarser);
        }

        /**
         * Negative, zero or positive as this time is before, the same as, or after the other, both read at
         * {@code precision} (no finer than either). Dates compare as written; times as instants.
         */
        int compareAt(Stamp other, Precision precision) {
            Stamp mine = truncatedTo(precision);
            Stamp theirs = other.truncatedTo(precision);
            if (precision.compareTo(Precision.DAY) <= 0) {
                return mine.fhir.compareTo(theirs.fhir);
            }
            return OffsetDateTime.parse(mine.fhir)
                    .toInstant()
                    .compareTo(OffsetDateTime.parse(theirs.fhir).toInstant());
        }

        /** The offset of a time, e.g. {@code +01:00}: this class always writes one after the time. */
        private String offset() {
            int sign = Math.max(fhir.lastIndexOf('+'), fhir.lastIndexOf('-'));
            return sign > fhir.indexOf('T') ? fhir.substring(sign) : "";
        }
    }

    /** The start and end of a period, as written to FHIR. */
    record Span(Stamp start, Stamp end) {}

    /**
     * A period from two times that may be given at different precisions (a discharge to the minute after an
     * admission to the second): both are true at their own precision, so they are compared at the coarser one.
     * When they are the same there, the finer is said at the coarser precision too (admitted 10:00:52, discharged
     * 10:00 gives 10:00 to 10:00), because FHIR's per-1 compares them as written and would find the end before the
     * start. Empty when the end is before the start even at the coarser precision.
     */
    static java.util.Optional<Span> span(Stamp start, Stamp end) {
        Precision coarser = start.precision().compareTo(end.precision()) <= 0 ? start.precision() : end.precision();
        int order = start.compareAt(end, coarser);
        if (order > 0) {
            return java.util.Optional.empty();
        }
        if (order == 0) {
            return java.util.Optional.of(new Span(start.truncatedTo(coarser), end.truncatedTo(coarser)));
        }
        return java.util.Optional.of(new Span(start, end));
    }

    /** The FHIR dateTime for an HL7 time, or null when empty; IllegalArgumentException when malformed. */
    static String dateTime(String hl7, ZoneId zone) {
        Stamp stamp = stamp(hl7, zone);
        return stamp == null ? null : stamp.fhir();
    }

    /** As {@link #dateTime}, with the precision the sender gave. */
    static Stamp stamp(String hl7, ZoneId zone) {
        if (hl7 == null || hl7.isBlank()) {
            return null;
        }
        Matcher m = DTM.matcher(hl7.trim());
        if (!m.matches() || (m.group(2) == null && m.group(3) != null)) {
            throw new IllegalArgumentException("not an HL7 date/time");
        }
        int year = Integer.parseInt(m.group(1));
        if (m.group(2) == null) {
            return new Stamp(m.group(1), Precision.YEAR);
        }
        int month = Integer.parseInt(m.group(2));
        if (m.group(3) == null) {
            LocalDate.of(year, month, 1);
            return new Stamp(m.group(1) + "-" + m.group(2), Precision.MONTH);
        }
        LocalDate date = LocalDate.of(year, month, Integer.parseInt(m.group(3)));
        if (m.group(4) == null) {
            return new Stamp(date.toString(), Precision.DAY);
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
        Precision precision = m.group(7) != null
                ? Precision.FRACTION
                : m.group(6) != null ? Precision.SECOND : m.group(5) != null ? Precision.MINUTE : Precision.HOUR;
        return new Stamp(date + "T" + time + fraction + zoneText, precision);
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
