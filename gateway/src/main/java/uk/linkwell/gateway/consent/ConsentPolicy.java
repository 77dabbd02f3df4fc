package uk.linkwell.gateway.consent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Consent.ProvisionComponent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.gateway.consent.ConsentDecision.Outcome;
import uk.linkwell.gateway.consent.ConsentProperties.LegalBasis;
import uk.linkwell.gateway.consent.ConsentProperties.MinimumNecessary;

/**
 * The one consent engine: decides whether a resource may go to a requester, and on what basis. Pure: no HAPI
 * server, no Camel, no database (the patient's Consents and the actor directory come in as arguments).
 *
 * <p>Order: operators exempt; records not about a patient; the author organisation's own records; legal bases
 * that override a refusal (safeguarding, only while the requester's enquiry about the person is open); the
 * person's Consents (an applicable deny wins over any permit);
 * other legal bases (direct care, the discharge notice to the registered practice) unless a Consent refused;
 * otherwise the default deny. What consent or a legal
 * basis permits is then cut to the recipient role's minimum necessary. Break-glass turns a deny into a permit for
 * its need-to-know set.
 */
public final class ConsentPolicy {

    public static final String AUTHOR_ORGANISATION = "author-organisation";
    public static final String DEFAULT_DENY = "default-deny";
    public static final String BREAK_GLASS = "break-glass";
    /** Basis prefix of a break-glass that overrides a refusal in the person's Consent (the provision follows). */
    public static final String BREAK_GLASS_OVERRIDING_REFUSAL = "break-glass-overriding:";

    public static final String MINIMUM_NECESSARY = "minimum-necessary";
    public static final String NOT_PATIENT_DATA = "not-patient-data";
    public static final String EXEMPT = "operator";
    private static final String PATIENT_PRIVACY = "patient-privacy";
    private static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    /** Linkwell's recipient-role codes (Consent.provision.actor.role) and the client roles they stand for. */
    private static final java.util.Map<String, List<String>> RECIPIENT_ROLES = java.util.Map.of(
            "gp", List.of("gp-system"),
            "link-worker", List.of("link-worker-app"),
            "social-worker", List.of("social-care-system"),
            "care-management-team", List.of("social-care-system"),
            "hospital", List.of("hospital"));

    private final ConsentProperties rules;
    private final String riskSystem;
    private final String riskCode;

    public ConsentPolicy(ConsentProperties rules) {
        this.rules = rules;
        String[] marker = rules.riskMarker().split("\\|", 2);
        this.riskSystem = marker.length == 2 ? marker[0] : null;
        this.riskCode = marker.length == 2 ? marker[1] : marker[0];
    }

    public ConsentProperties rules() {
        return rules;
    }

    /** {@code system} and {@code code} of the risk marker, for whoever reads facts off resources. */
    public String riskMarkerSystem() {
        return riskSystem;
    }

    public String riskMarkerCode() {
        return riskCode;
    }

    public boolean isExempt(String role) {
        return rules.exemptRoles().contains(role);
    }

    /** Whether the requester's role may break the glass at all. */
    public boolean mayBreakGlass(String role) {
        return rules.breakGlass().roles().contains(role);
    }

    /**
     * @param consents the patient's Consent resources (any status: only active, in-period, patient-privacy ones
     *                 about this patient count)
     */
    public ConsentDecision decide(
            AccessRequest who, ResourceFacts what, List<Consent> consents, ActorDirectory directory) {
        ConsentDecision normal = decideNormally(who, what, consents, directory);
        if (normal.permitted() || what.patient() == null) {
            return normal;
        }
        boolean glass = (who.breaksGlassFor(what.patient()) && mayBreakGlass(who.role()))
                || who.breakGlassOpen().openFor(what.patient());
        if (glass && rules.breakGlass().types().contains(what.type())) {
            // Overriding the person's explicit refusal is recorded as such, for the review break-glass gets.
            String basis = normal.basis().startsWith("Consent/")
                    ? BREAK_GLASS_OVERRIDING_REFUSAL + normal.basis()
                    : BREAK_GLASS;
            return new ConsentDecision(Outcome.PERMIT, basis, List.of(), true);
        }
        return normal;
    }

    private ConsentDecision decideNormally(
            AccessRequest who, ResourceFacts what, List<Consent> consents, ActorDirectory directory) {
        if (isExempt(who.role())) {
            return ConsentDecision.permit(EXEMPT);
        }
        if (what.patient() == null) {
            return ConsentDecision.permit(NOT_PATIENT_DATA);
        }
        if (who.organisation() != null && who.organisation().equals(what.authorOrganisation())) {
            if (what.authorRole() == null) {
                // Written for the organisation by an operator or a route: its own, cut to what the role needs.
                return minimumNecessary(who, what, AUTHOR_ORGANISATION);
            }
            if (what.authorRole().equals(who.role())) {
                return ConsentDecision.permit(AUTHOR_ORGANISATION);
            }
            // Another role sharing the organisation's code (a practice's link worker): not the author.
        }
        for (LegalBasis basis : rules.legalBases()) {
            if (basis.overridesRefusal() && applies(basis, who, what, directory)) {
                return minimumNecessary(who, what, basis.code());
            }
        }
        Optional<Verdict> verdict = consentVerdict(who, what, consents, directory);
        if (verdict.isPresent() && verdict.get().type() == ConsentProvisionType.DENY) {
            return ConsentDecision.deny(verdict.get().basis());
        }
        if (verdict.isPresent()) {
            return minimumNecessary(who, what, verdict.get().basis());
        }
        for (LegalBasis basis : rules.legalBases()) {
            if (!basis.overridesRefusal() && applies(basis, who, what, directory)) {
                return minimumNecessary(who, what, basis.code());
            }
        }
        return ConsentDecision.deny(DEFAULT_DENY);
    }

    /**
     * Whether a basis covers this request and resource. One that requires an open enquiry or the registered
     * practice asks the directory last (it may look them up), and covers nothing without one: the purpose a client
     * asserts in a header is not enough on its own.
     */
    private static boolean applies(LegalBasis basis, AccessRequest who, ResourceFacts what, ActorDirectory directory) {
        return basis.roles().contains(who.role())
                && (basis.types().isEmpty() || basis.types().contains(what.type()))
                && (basis.purposes().isEmpty() || basis.purposes().contains(who.purposeOfUse()))
                && (!basis.addressedToRequester()
                        || (who.organisation() != null && what.addressedTo().contains(who.organisation())))
                && (!basis.requiresOpenEnquiry()
                        || directory.safeguardingEnquiryOpen(who.organisation(), what.patient()))
                && (!basis.registeredPractice()
                        || (who.organisation() != null
                                && directory.registeredPractices(what.patient()).contains(who.organisation())));
    }

    /** Cuts a permit down to what the recipient role needs: withheld types, allow-lists, redacted elements. */
    private ConsentDecision minimumNecessary(AccessRequest who, ResourceFacts what, String basis) {
        MinimumNecessary limits = rules.minimumNecessary().get(who.role());
        if (limits == null) {
            return ConsentDecision.permit(basis);
        }
        if (!limits.allowedTypes().isEmpty() && !limits.allowedTypes().contains(what.type())) {
            return ConsentDecision.deny(MINIMUM_NECESSARY);
        }
        if (limits.withheldTypes().contains(what.type()) && !what.bearsOnRisk()) {
            return ConsentDecision.deny(MINIMUM_NECESSARY);
        }
        List<String> redactions = new ArrayList<>();
        String prefix = what.type() + ".";
        for (String element : limits.redactedElements()) {
            if (element.startsWith(prefix)) {
                redactions.add(element.substring(prefix.length()));
            }
        }
        if (redactions.isEmpty() || what.bearsOnRisk()) {
            return ConsentDecision.permit(basis);
        }
        return new ConsentDecision(Outcome.PERMIT_REDACTED, basis, redactions, false);
    }

    /** A provision's type and where it is: {@code Consent/1#provision.provision[0]}. */
    private record Verdict(ConsentProvisionType type, String basis) {}

    /** Across Consents: any applicable deny wins, else any permit, else none applies. */
    private Optional<Verdict> consentVerdict(
            AccessRequest who, ResourceFacts what, List<Consent> consents, ActorDirectory directory) {
        Verdict permit = null;
        for (Consent consent : consents) {
            if (!inForce(consent, what.patient(), who.at())) {
                continue;
            }
            String id = "Consent/" + consent.getIdElement().getIdPart();
            Optional<Verdict> v = evaluate(
                    consent.getProvision(), id + "#provision", ConsentProvisionType.PERMIT, who, what, directory);
            if (v.isPresent() && v.get().type() == ConsentProvisionType.DENY) {
                return v;
            }
            if (v.isPresent() && permit == null) {
                permit = v.get();
            }
        }
        return Optional.ofNullable(permit);
    }

    /** Active, a privacy consent, about this patient, and within its period: a revoked or expired one is not. */
    static boolean inForce(Consent consent, String patient, Instant at) {
        if (consent.getStatus() != Consent.ConsentState.ACTIVE) {
            return false;
        }
        boolean privacy = consent.getScope().getCoding().stream().anyMatch(c -> PATIENT_PRIVACY.equals(c.getCode()));
        if (!privacy) {
            return false;
        }
        String about = consent.getPatient()
                .getReferenceElement()
                .toUnqualifiedVersionless()
                .getValue();
        if (about == null || !about.equals(patient)) {
            return false;
        }
        return !consent.hasProvision() || within(consent.getProvision().getPeriod(), at);
    }

    private static boolean within(Period period, Instant at) {
        if (period == null || period.isEmpty()) {
            return true;
        }
        Date now = Date.from(at);
        if (period.hasStart() && now.before(period.getStart())) {
            return false;
        }
        // An end date without a time means the whole of that day.
        if (period.hasEnd()) {
            Date end = period.getEndElement().getPrecision().compareTo(ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY)
                            <= 0
                    ? new Date(period.getEndElement().getValue().getTime() + 86_400_000L - 1)
                    : period.getEnd();
            return !now.after(end);
        }
        return true;
    }

    /**
     * A provision applies when all its conditions match; then the deepest applicable nested provision decides,
     * a deny among siblings winning over a permit.
     */
    private Optional<Verdict> evaluate(
            ProvisionComponent provision,
            String path,
            ConsentProvisionType inherited,
            AccessRequest who,
            ResourceFacts what,
            ActorDirectory directory) {
        if (!matches(provision, who, what, directory)) {
            return Optional.empty();
        }
        ConsentProvisionType type = provision.hasType() ? provision.getType() : inherited;
        Verdict chosen = null;
        for (int i = 0; i < provision.getProvision().size(); i++) {
            Optional<Verdict> nested = evaluate(
                    provision.getProvision().get(i), path + ".provision[" + i + "]", type, who, what, directory);
            if (nested.isPresent() && nested.get().type() == ConsentProvisionType.DENY) {
                return nested;
            }
            if (nested.isPresent() && chosen == null) {
                chosen = nested.get();
            }
        }
        return Optional.of(chosen != null ? chosen : new Verdict(type, path));
    }

    private boolean matches(ProvisionComponent p, AccessRequest who, ResourceFacts what, ActorDirectory directory) {
        if (!within(p.getPeriod(), who.at())) {
            return false;
        }
        if (p.hasActor() && p.getActor().stream().noneMatch(a -> actorIs(a, who, directory))) {
            return false;
        }
        if (p.hasPurpose()
                && p.getPurpose().stream().noneMatch(c -> who.purposeOfUse().equals(c.getCode()))) {
            return false;
        }
        if (p.hasClass_() && p.getClass_().stream().noneMatch(c -> what.type().equals(c.getCode()))) {
            return false;
        }
        if (p.hasSecurityLabel()
                && p.getSecurityLabel().stream()
                        .noneMatch(c -> what.securityLabels().contains(c.getCode()))) {
            return false;
        }
        if (p.hasData()
                && p.getData().stream().noneMatch(d -> what.reference()
                        .equals(d.getReference()
                                .getReferenceElement()
                                .toUnqualifiedVersionless()
                                .getValue()))) {
            return false;
        }
        return true;
    }

    /** An actor names the requester's organisation, practitioner or care team; or, with no reference, its role. */
    private static boolean actorIs(Consent.provisionActorComponent actor, AccessRequest who, ActorDirectory directory) {
        Reference ref = actor.getReference();
        if (ref.hasIdentifier() && ODS.equals(ref.getIdentifier().getSystem())) {
            return ref.getIdentifier().getValue() != null
                    && ref.getIdentifier().getValue().equals(who.organisation());
        }
        if (ref.hasReference()) {
            String target = ref.getReferenceElement().toUnqualifiedVersionless().getValue();
            String type = ref.getReferenceElement().getResourceType();
            if ("Organization".equals(type)) {
                return who.organisation() != null
                        && directory
                                .odsCodeOf(target)
                                .map(who.organisation()::equals)
                                .orElse(false);
            }
            if ("Practitioner".equals(type)) {
                return target.equals(who.practitioner());
            }
            if ("CareTeam".equals(type)) {
                var members = directory.careTeamMembers(target);
                return (who.practitioner() != null && members.contains(who.practitioner()))
                        || (who.organisation() != null && members.contains(who.organisation()));
            }
            return false;
        }
        return roleMatches(actor.getRole(), who.role());
    }

    private static boolean roleMatches(CodeableConcept role, String clientRole) {
        for (Coding c : role.getCoding()) {
            if (clientRole.equals(c.getCode())
                    || RECIPIENT_ROLES.getOrDefault(c.getCode(), List.of()).contains(clientRole)) {
                return true;
            }
        }
        return false;
    }
}
