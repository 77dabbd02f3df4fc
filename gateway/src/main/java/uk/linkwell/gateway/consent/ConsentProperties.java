package uk.linkwell.gateway.consent;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The consent engine's rules as data ({@code linkwell.consent.*}): which roles are exempt, what each recipient
 * role may receive (minimum necessary), the legal bases other than consent, and break-glass. A local authority
 * changes these in application.yaml, not in code.
 *
 * @param enabled        false switches the engine off (the adapter is not registered); honoured only together with
 *                       {@code allowDisabled}
 * @param exemptRoles    roles that bypass the engine entirely: gateway operators, and information governance, which
 *                       reads only the disclosure trail (its own rule, not a Consent, decides who reads that)
 * @param riskMarker     {@code system|code} of the meta.tag or meta.security that marks a record as bearing on risk
 * @param minimumNecessary per recipient role code
 * @param legalBases     bases other than consent, tried in order
 */
@ConfigurationProperties(prefix = "linkwell.consent")
public record ConsentProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("false") boolean allowDisabled,
        @DefaultValue({"admin", "information-governance"}) Set<String> exemptRoles,
        @DefaultValue("https://fhir.linkwell.example/CodeSystem/sharing-marker|bears-on-risk") String riskMarker,
        Map<String, MinimumNecessary> minimumNecessary,
        List<LegalBasis> legalBases,
        @DefaultValue BreakGlass breakGlass,
        @DefaultValue("60s") Duration consentCacheTtl) {

    public ConsentProperties {
        exemptRoles = exemptRoles == null ? Set.of() : Set.copyOf(exemptRoles);
        minimumNecessary = minimumNecessary == null ? Map.of() : Map.copyOf(minimumNecessary);
        legalBases = legalBases == null ? List.of() : List.copyOf(legalBases);
    }

    /**
     * What one recipient role may receive of what consent (or a legal basis) permits.
     *
     * @param allowedTypes     if not empty, only these types (anything else is withheld)
     * @param withheldTypes    types withheld unless marked as bearing on risk
     * @param redactedElements {@code Type.element} removed before a resource leaves (top-level elements)
     */
    public record MinimumNecessary(
            List<String> allowedTypes, List<String> withheldTypes, List<String> redactedElements) {

        public MinimumNecessary {
            allowedTypes = allowedTypes == null ? List.of() : List.copyOf(allowedTypes);
            withheldTypes = withheldTypes == null ? List.of() : List.copyOf(withheldTypes);
            redactedElements = redactedElements == null ? List.of() : List.copyOf(redactedElements);
        }
    }

    /**
     * A basis for sharing other than consent (direct care, a Section 42 safeguarding enquiry).
     *
     * @param code                 the basis as audited, e.g. {@code direct-care}
     * @param roles                recipient role codes it serves
     * @param types                resource types it discloses (empty: any)
     * @param purposes             purposes of use it needs (empty: any)
     * @param addressedToRequester only records addressed to the requester's organisation (a referral's performer)
     * @param overridesRefusal     whether it applies even where the person's consent refuses (safeguarding)
     * @param requiresOpenEnquiry  only while the requester's organisation has a Section 42 safeguarding enquiry open
     *                             about the patient (see {@link SafeguardingEnquiries}); without one the basis does
     *                             not apply and the other rules decide
     * @param registeredPractice   only when the requester's organisation is the patient's registered GP practice
     *                             (Patient.generalPractitioner); otherwise the basis does not apply
     */
    public record LegalBasis(
            String code,
            Set<String> roles,
            Set<String> types,
            Set<String> purposes,
            @DefaultValue("false") boolean addressedToRequester,
            @DefaultValue("false") boolean overridesRefusal,
            @DefaultValue("false") boolean requiresOpenEnquiry,
            @DefaultValue("false") boolean registeredPractice) {

        public LegalBasis {
            roles = roles == null ? Set.of() : Set.copyOf(roles);
            types = types == null ? Set.of() : Set.copyOf(types);
            purposes = purposes == null ? Set.of() : Set.copyOf(purposes);
        }
    }

    /**
     * Break-glass for imminent risk.
     *
     * @param roles  roles that may break the glass
     * @param window how long a break-glass keeps the patient open to the requester
     * @param types  the need-to-know set it opens
     */
    public record BreakGlass(
            @DefaultValue({"gp-system", "social-care-system", "link-worker-app"}) Set<String> roles,
            @DefaultValue("60m") Duration window,
            @DefaultValue({
                        "Patient",
                        "CarePlan",
                        "Goal",
                        "Flag",
                        "RiskAssessment",
                        "CareTeam",
                        "EpisodeOfCare",
                        "AllergyIntolerance",
                        "MedicationStatement",
                        "MedicationRequest",
                        "Condition"
                    })
                    Set<String> types) {

        public BreakGlass {
            roles = Set.copyOf(roles);
            types = Set.copyOf(types);
        }
    }

    /** Rules with no minimum-necessary limits and no legal bases, for tests of one rule at a time. */
    public static ConsentProperties consentOnly() {
        return new ConsentProperties(
                true,
                false,
                Set.of("admin"),
                "https://fhir.linkwell.example/CodeSystem/sharing-marker|bears-on-risk",
                Map.of(),
                List.of(),
                new BreakGlass(
                        Set.of("gp-system", "social-care-system", "link-worker-app"),
                        Duration.ofMinutes(60),
                        Set.of("Patient", "CarePlan", "Flag", "Condition")),
                Duration.ofSeconds(60));
    }
}
