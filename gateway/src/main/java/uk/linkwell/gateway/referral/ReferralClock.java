package uk.linkwell.gateway.referral;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.hl7.fhir.r4.model.DateTimeType;

/**
 * When a referral's initial assessment is due: the end of the local day three days after receipt, or the end of
 * the day of receipt when the referral is urgent (the crisis appears acute). The same rule as the REF^I12 and
 * social-care case-event mappers, so a referral is due at the same moment whichever door it came through.
 * Pure: the clock, zone and rule are passed in.
 */
public final class ReferralClock {

    /** The last second of a day, as the mappers write it (FHIR dateTime has no "end of day"). */
    private static final LocalTime END_OF_DAY = LocalTime.of(23, 59, 59);

    private final Clock clock;
    private final ZoneId zone;
    private final int routineDueDays;
    private final Set<String> urgentPriorities;

    public ReferralClock(Clock clock, ZoneId zone, int routineDueDays, Set<String> urgentPriorities) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.zone = Objects.requireNonNull(zone, "zone");
        if (routineDueDays < 0) {
            throw new IllegalArgumentException("routineDueDays must not be negative");
        }
        this.routineDueDays = routineDueDays;
        this.urgentPriorities = Set.copyOf(urgentPriorities);
    }

    /** The service's local time zone: due dates are ends of its days. */
    public ZoneId zone() {
        return zone;
    }

    /** The moment of receipt: now. */
    public Instant now() {
        return clock.instant();
    }

    /** Whether any of these priority codes (ServiceRequest.priority, Task.priority; nulls ignored) is urgent. */
    public boolean isUrgent(Collection<String> priorityCodes) {
        return priorityCodes.stream()
                .filter(Objects::nonNull)
                .anyMatch(code -> urgentPriorities.contains(code.toLowerCase(Locale.ROOT)));
    }

    /** The due date of a referral received now. */
    public ZonedDateTime dueDate(boolean urgent) {
        return dueDate(clock.instant(), urgent);
    }

    /** The due date of a referral received at {@code receivedAt}: end of the local day, plus the days. */
    public ZonedDateTime dueDate(Instant receivedAt, boolean urgent) {
        LocalDate receivedOn = receivedAt.atZone(zone).toLocalDate();
        LocalDate dueOn = urgent ? receivedOn : receivedOn.plusDays(routineDueDays);
        // atZone resolves a day's local 23:59:59 to the offset in force then (GMT or BST), whatever it was at receipt.
        return dueOn.atTime(END_OF_DAY).atZone(zone);
    }

    /** As FHIR writes it, with the local offset ({@code 2026-11-23T23:59:59+00:00}), like the mappers. */
    public static DateTimeType asFhir(ZonedDateTime due) {
        String offset = due.getOffset().getTotalSeconds() == 0
                ? "+00:00"
                : due.getOffset().getId();
        return new DateTimeType(due.toLocalDateTime() + offset);
    }
}
