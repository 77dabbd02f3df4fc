package uk.linkwell.gateway.consent;

import java.time.Instant;

/**
 * Who asks and why, as the consent engine sees it: the client, its role code ({@code gp-system}, ...), its
 * organisation (ODS code), the practitioner an app acts for, the purpose of use (v3-ActReason, e.g.
 * {@code TREAT}, {@code ETREAT}) and, for break-glass, the stated reason.
 *
 * @param breakGlassOpen whether a break-glass window opened earlier for this requester still covers the patient
 *                       being decided; the engine treats it like a fresh break-glass request
 */
public record AccessRequest(
        String clientId,
        String role,
        String organisation,
        String practitioner,
        String purposeOfUse,
        String breakGlassReason,
        Instant at,
        BreakGlassWindow breakGlassOpen) {

    /** Whether a break-glass window is open for a patient (the adapter keeps them; tests pass a lambda). */
    @FunctionalInterface
    public interface BreakGlassWindow {
        BreakGlassWindow NONE = patient -> false;

        boolean openFor(String patient);
    }

    public static final String BREAK_GLASS_PURPOSE = "ETREAT";

    public AccessRequest {
        purposeOfUse = purposeOfUse == null || purposeOfUse.isBlank() ? "TREAT" : purposeOfUse;
        breakGlassOpen = breakGlassOpen == null ? BreakGlassWindow.NONE : breakGlassOpen;
    }

    /** Whether this request itself breaks the glass (purpose ETREAT with a reason). */
    public boolean breaksGlass() {
        return BREAK_GLASS_PURPOSE.equals(purposeOfUse) && breakGlassReason != null && !breakGlassReason.isBlank();
    }
}
