package uk.linkwell.gateway.consent.audit;

import java.time.Instant;
import java.util.List;

/**
 * One disclosure decision to be audited: who asked, for which organisation, about which patient, which
 * resources were disclosed (or withheld), why, and on what basis.
 *
 * @param channel     how it left: {@code fhir-read}, {@code fhir-search}, {@code fhir-operation}, {@code exchange}
 * @param patient     the patient's reference ({@code Patient/123}), or null when none applies
 * @param resources   references of the resources disclosed (or, for a deny, withheld): with the version served
 *                    ({@code CarePlan/12/_history/3}) where the channel knows it, else versionless
 * @param purposeOfUse v3-ActReason code: {@code TREAT}, {@code CAREMGT}, {@code ETREAT} (break-glass), ...
 * @param decision    {@code permit}, {@code permit-redacted} or {@code deny}
 * @param basis       what the decision rests on: {@code Consent/<id>#<provision path>}, or a rule code such as
 *                    {@code author-organisation}, {@code direct-care}, {@code safeguarding-s42}, {@code break-glass},
 *                    {@code default-deny}
 */
public record Disclosure(
        Instant at,
        String clientId,
        String role,
        String organisation,
        String practitioner,
        String patient,
        List<String> resources,
        String purposeOfUse,
        String decision,
        String basis,
        boolean breakGlass,
        String breakGlassReason,
        String channel,
        String requestId) {

    public Disclosure {
        resources = List.copyOf(resources);
    }
}
