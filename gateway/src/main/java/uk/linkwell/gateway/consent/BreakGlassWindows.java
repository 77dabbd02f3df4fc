package uk.linkwell.gateway.consent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Break-glass windows: once a requester breaks the glass for a patient (with a reason), its further requests
 * about that patient are permitted (and flagged) for the configured time, without asking again; then the window
 * closes and a new break-glass, with a new reason, is needed. Kept in memory on this instance.
 */
public final class BreakGlassWindows {

    private final Duration length;
    private final Clock clock;
    private final Map<String, Opened> windows = new ConcurrentHashMap<>();

    /** When a window opened and why. */
    public record Opened(Instant until, String reason) {}

    public BreakGlassWindows(Duration length, Clock clock) {
        this.length = length;
        this.clock = clock;
    }

    public void open(String clientId, String practitioner, String patient, String reason) {
        windows.put(
                key(clientId, practitioner, patient), new Opened(clock.instant().plus(length), reason));
    }

    /** The open window for this requester and patient, if any. */
    public java.util.Optional<Opened> openFor(String clientId, String practitioner, String patient) {
        String key = key(clientId, practitioner, patient);
        Opened opened = windows.get(key);
        if (opened == null) {
            return java.util.Optional.empty();
        }
        if (!clock.instant().isBefore(opened.until())) {
            windows.remove(key, opened);
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(opened);
    }

    private static String key(String clientId, String practitioner, String patient) {
        return clientId + "|" + practitioner + "|" + patient;
    }
}
