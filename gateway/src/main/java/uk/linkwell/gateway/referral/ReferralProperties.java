package uk.linkwell.gateway.referral;

import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the referral workflow, under {@code linkwell.referral}. */
@ConfigurationProperties(prefix = "linkwell.referral")
public record ReferralProperties(
        /* Time zone whose calendar days the due dates count (the services work English days). */
        ZoneId localZone,
        /* Days from receipt to the initial assessment's due date for a routine referral. */
        Integer routineDueDays,
        /* ServiceRequest/Task priority codes that make a referral urgent (assessment due the same day). */
        List<String> urgentPriorities) {

    public ReferralProperties {
        localZone = localZone == null ? ZoneId.of("Europe/London") : localZone;
        routineDueDays = routineDueDays == null ? 3 : routineDueDays;
        if (routineDueDays < 0) {
            throw new IllegalArgumentException("linkwell.referral.routine-due-days must not be negative");
        }
        urgentPriorities = urgentPriorities == null ? List.of("urgent", "asap", "stat") : List.copyOf(urgentPriorities);
    }

    public ReferralClock clock(java.time.Clock clock) {
        Set<String> urgent = urgentPriorities.stream()
                .map(p -> p.trim().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        return new ReferralClock(clock, localZone, routineDueDays, urgent);
    }
}
