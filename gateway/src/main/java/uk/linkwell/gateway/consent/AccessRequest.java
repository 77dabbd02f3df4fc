package uk.linkwell.gateway.consent;

import java.time.Instant;

/**
 * Who asks and why, as the consent engine sees it: the client, its role code ({@code gp-system}, ...), its
 * organisation (ODS code), the practitioner an app acts for, the purpose of use (v3-ActReason, e.g.
 * {@code TREAT}, {@code ETREAT}) and, for break-glass, the stated reason.
 *
 * @param breakGlassOpen whether a break-glass window opened earlier for this requester still covers the patient
 *                       being decided; the engine treats it like a fresh break-glass request
 * @param breakGlassPatient the one patient ({@code Patient/<id>}) a break-glass request names: the glass opens
 *                       for that person only. The FHIR door always names one (a population search is refused);
 *                       null leaves it unrestricted, for callers that decide one patient's records anyway
 */
public record AccessRequest(
        String clientId,
        String role,
        String organisation,
        String practitioner,
        String purposeOfUse,
        String breakGlassReason,
        Instant at,
        BreakGlassWindow breakGlassOpen,
        String breakGlassPatient) {

    /** Whether a break-glass window is open for a patient (the adapter keeps them; tests pass a lambda). */
    @FunctionalInterface
    public interface BreakGlassWindow {
        BreakGlassWindow NONE = patient -> false;

        boolean openFor(String patient);
    }

    public static final String BREAK_GLASS_PURPOSE = "ETREAT";

    /** A request that names no break-glass patient (see {@code breakGlassPatient}). */
    public AccessRequest(
            String clientId,
            String role,
            String organisation,
            String practitioner,
            String purposeOfUse,
            String breakGlassReason,
            Instant at,
            BreakGlassWindow breakGlassOpen) {
        this(clientId, role, organisation, practitioner, purposeOfUse, breakGlassReason, at, breakGlassOpen, null);
    }

    public AccessRequest {
        purposeOfUse = purposeOfUse == null || purposeOfUse.isBlank() ? "TREAT" : purposeOfUse;
        breakGlassOpen = breakGlassOpen == null ? BreakGlassWindow.NONE : breakGlassOpen;
    }

    /** Whether this request itself breaks the glass (purpose ETREAT with a reason). */
    public boolean breaksGlass() {
        return BREAK_GLASS_PURPOSE.equals(purposeOfUse) && breakGlassReason != null && !breakGlassReason.isBlank();
    }

    /** Whether this request breaks the glass for that patient (the one it names). */
    public boolean breaksGlassFor(String patient) {
        return breaksGlass() && (breakGlassPatient == null || breakGlassPatient.equals(patient));
    }
}
