package uk.linkwell.gateway.workflow;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of caseloads and allocation, under {@code linkwell.caseload}. */
@ConfigurationProperties(prefix = "linkwell.caseload")
public record CaseloadProperties(
        /* Most active cases a worker manages as care manager; an allocation beyond it needs a recorded reason. */
        Integer cap,
        /* Caps of particular workers, keyed by the reference allocations name them by (PractitionerRole/<id> or Practitioner/<id>). */
        Map<String, Integer> caps,
        /* How far ahead $caseload counts open review Tasks as due. */
        Duration reviewsDueWithin) {

    public CaseloadProperties {
        cap = cap == null ? 25 : cap;
        caps = caps == null ? Map.of() : Map.copyOf(caps);
        reviewsDueWithin = reviewsDueWithin == null ? Duration.ofDays(28) : reviewsDueWithin;
        if (cap < 1) {
            throw new IllegalArgumentException("linkwell.caseload.cap must be at least 1");
        }
        caps.forEach((who, value) -> {
            if (value == null || value < 1) {
                throw new IllegalArgumentException("linkwell.caseload.caps[" + who + "] must be at least 1");
            }
        });
        if (reviewsDueWithin.isNegative()) {
            throw new IllegalArgumentException("linkwell.caseload.reviews-due-within must not be negative");
        }
    }
}
