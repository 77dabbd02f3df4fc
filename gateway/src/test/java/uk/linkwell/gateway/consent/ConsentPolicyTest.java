package uk.linkwell.gateway.consent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Consent.ConsentProvisionType;
import org.hl7.fhir.r4.model.Consent.ProvisionComponent;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import uk.linkwell.gateway.consent.ConsentDecision.Outcome;
import uk.linkwell.gateway.consent.ConsentProperties.BreakGlass;
import uk.linkwell.gateway.consent.ConsentProperties.LegalBasis;
import uk.linkwell.gateway.consent.ConsentProperties.MinimumNecessary;

/** The consent engine alone: provisions, nesting, periods, status, labels, minimum necessary, bases, break-glass. */
class ConsentPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    private static final String PATIENT = "Patient/p1";
    private static final String GP_ODS = "Y90001";
    private static final String LW_ODS = "LW0001";
    private static final String OTHER_ODS = "Z99999";
    private static final ActorDirectory DIRECTORY = new ActorDirectory() {
        private final Map<String, String> ods =
                Map.of("Organization/gp", GP_ODS, "Organization/lw", LW_ODS, "Organization/other", OTHER_ODS);

        @Override
        public Optional<String> odsCodeOf(String ref) {
            return Optional.ofNullable(ods.get(ref));
        }

        @Override
        public Set<String> careTeamMembers(String ref) {
            return ref.equals("CareTeam/team") ? Set.of("Practitioner/lw1") : Set.of();
        }
    };

    private final ConsentPolicy consentOnly = new ConsentPolicy(ConsentProperties.consentOnly());

    private static AccessRequest gp() {
        return new AccessRequest("gp-client", "gp-system", GP_ODS, null, null, null, NOW, null);
    }

    private static AccessRequest linkWorker() {
        return new AccessRequest("lw-client", "link-worker-app", LW_ODS, "Practitioner/lw1", null, null, NOW, null);
    }

    private static AccessRequest other() {
        return new AccessRequest("other-client", "gp-system", OTHER_ODS, null, null, null, NOW, null);
    }

    private static ResourceFacts record(String type, String... labels) {
        return new ResourceFacts(type, type + "/1", PATIENT, Set.of(labels), "AUTHOR", Set.of(), false);
    }

    private static Consent consent(String id, ConsentProvisionType type) {
        Consent c = new Consent()
                .setStatus(Consent.ConsentState.ACTIVE)
                .setScope(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null)))
                .setPatient(new Reference(PATIENT));
        c.setId(id);
        c.getProvision().setType(type);
        return c;
    }

    private static void actor(ProvisionComponent p, String reference) {
        p.addActor()
                .setReference(new Reference(reference))
                .setRole(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", null)));
    }

    private ConsentDecision decide(ConsentPolicy policy, AccessRequest who, ResourceFacts what, Consent... consents) {
        return policy.decide(who, what, List.of(consents), DIRECTORY);
    }

    @Test
    void withoutConsentOnlyTheAuthorOrganisationSeesItsRecords() {
        ResourceFacts gpsOwn = new ResourceFacts("CarePlan", "CarePlan/1", PATIENT, Set.of(), GP_ODS, Set.of(), false);
        assertThat(decide(consentOnly, gp(), gpsOwn).basis()).isEqualTo("author-organisation");
        ConsentDecision lw = decide(consentOnly, linkWorker(), gpsOwn);
        assertThat(lw.outcome()).isEqualTo(Outcome.DENY);
        assertThat(lw.basis()).isEqualTo("default-deny");
    }

    @Test
    void recordsAboutNoPatientAreNotConsentBound() {
        ResourceFacts org = new ResourceFacts("Organization", "Organization/1", null, Set.of(), null, Set.of(), false);
        assertThat(decide(consentOnly, gp(), org).outcome()).isEqualTo(Outcome.PERMIT);
    }

    @Test
    void consentToTheGpOnly() {
        Consent c = consent("c1", ConsentProvisionType.PERMIT);
        actor(c.getProvision(), "Organization/gp");
        ConsentDecision gp = decide(consentOnly, gp(), record("CarePlan"), c);
        assertThat(gp.outcome()).isEqualTo(Outcome.PERMIT);
        assertThat(gp.basis()).isEqualTo("Consent/c1#provision");
        assertThat(decide(consentOnly, linkWorker(), record("CarePlan"), c).basis())
                .isEqualTo("default-deny");
    }

    @Test
    void actorsByOdsIdentifierPractitionerCareTeamAndRole() {
        Consent byIdentifier = consent("c1", ConsentProvisionType.PERMIT);
        byIdentifier
                .getProvision()
                .addActor()
                .setReference(new Reference()
                        .setIdentifier(new Identifier()
                                .setSystem("https://fhir.nhs.uk/Id/ods-organization-code")
                                .setValue(LW_ODS)));
        assertThat(decide(consentOnly, linkWorker(), record("Goal"), byIdentifier)
                        .permitted())
                .isTrue();
        assertThat(decide(consentOnly, gp(), record("Goal"), byIdentifier).permitted())
                .isFalse();

        Consent byTeam = consent("c2", ConsentProvisionType.PERMIT);
        actor(byTeam.getProvision(), "CareTeam/team");
        assertThat(decide(consentOnly, linkWorker(), record("Goal"), byTeam).permitted())
                .isTrue();
        assertThat(decide(consentOnly, gp(), record("Goal"), byTeam).permitted())
                .isFalse();

        Consent byPractitioner = consent("c3", ConsentProvisionType.PERMIT);
        actor(byPractitioner.getProvision(), "Practitioner/lw1");
        assertThat(decide(consentOnly, linkWorker(), record("Goal"), byPractitioner)
                        .permitted())
                .isTrue();

        Consent byRole = consent("c4", ConsentProvisionType.PERMIT);
        byRole.getProvision()
                .addActor()
                .setReference(new Reference().setDisplay("my GP"))
                .setRole(new CodeableConcept(
                        new Coding("https://fhir.linkwell.example/CodeSystem/recipient-role", "gp", null)));
        assertThat(decide(consentOnly, gp(), record("Goal"), byRole).permitted())
                .isTrue();
        assertThat(decide(consentOnly, linkWorker(), record("Goal"), byRole).permitted())
                .isFalse();
    }

    @Test
    void permitAllToGpAndLinkWorkerExceptMentalHealth() {
        Consent c = consent("c1", ConsentProvisionType.PERMIT);
        actor(c.getProvision(), "Organization/gp");
        actor(c.getProvision(), "Organization/lw");
        c.getProvision()
                .addProvision()
                .setType(ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY", null));
        assertThat(decide(consentOnly, gp(), record("CarePlan"), c).permitted()).isTrue();
        assertThat(decide(consentOnly, linkWorker(), record("CarePlan"), c).permitted())
                .isTrue();
        ConsentDecision psy = decide(consentOnly, gp(), record("CarePlan", "PSY"), c);
        assertThat(psy.outcome()).isEqualTo(Outcome.DENY);
        assertThat(psy.basis()).isEqualTo("Consent/c1#provision.provision[0]");
        assertThat(decide(consentOnly, other(), record("CarePlan"), c).basis()).isEqualTo("default-deny");
    }

    @Test
    void denyForOneOrganisationInsideAPermitAll() {
        Consent c = consent("c1", ConsentProvisionType.PERMIT);
        actor(c.getProvision().addProvision().setType(ConsentProvisionType.DENY), "Organization/other");
        assertThat(decide(consentOnly, gp(), record("Goal"), c).basis()).isEqualTo("Consent/c1#provision");
        ConsentDecision refused = decide(consentOnly, other(), record("Goal"), c);
        assertThat(refused.outcome()).isEqualTo(Outcome.DENY);
        assertThat(refused.basis()).isEqualTo("Consent/c1#provision.provision[0]");
    }

    @Test
    void deeperNestingFlipsBackAndDenyWinsAcrossConsents() {
        // Deny everything, except the GP may see, except the GP may not see substance-use records.
        Consent c = consent("c1", ConsentProvisionType.DENY);
        ProvisionComponent gpOnly = c.getProvision().addProvision().setType(ConsentProvisionType.PERMIT);
        actor(gpOnly, "Organization/gp");
        gpOnly.addProvision()
                .setType(ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "ETH", null));
        assertThat(decide(consentOnly, gp(), record("Goal"), c).outcome()).isEqualTo(Outcome.PERMIT);
        assertThat(decide(consentOnly, gp(), record("Goal", "ETH"), c).basis())
                .isEqualTo("Consent/c1#provision.provision[0].provision[0]");
        assertThat(decide(consentOnly, linkWorker(), record("Goal"), c).basis()).isEqualTo("Consent/c1#provision");

        Consent permitAll = consent("c2", ConsentProvisionType.PERMIT);
        Consent denyLw = consent("c3", ConsentProvisionType.DENY);
        actor(denyLw.getProvision(), "Organization/lw");
        assertThat(decide(consentOnly, linkWorker(), record("Goal"), permitAll, denyLw)
                        .basis())
                .isEqualTo("Consent/c3#provision");
        assertThat(decide(consentOnly, gp(), record("Goal"), permitAll, denyLw).basis())
                .isEqualTo("Consent/c2#provision");
    }

    @Test
    void purposeClassAndConfidentialityConditions() {
        Consent c = consent("c1", ConsentProvisionType.PERMIT);
        c.getProvision().addPurpose(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT", null));
        c.getProvision().addClass_(new Coding("http://hl7.org/fhir/resource-types", "CarePlan", null));
        c.getProvision()
                .addProvision()
                .setType(ConsentProvisionType.DENY)
                .addSecurityLabel(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "V", null));
        assertThat(decide(consentOnly, gp(), record("CarePlan"), c).permitted()).isTrue();
        assertThat(decide(consentOnly, gp(), record("Goal"), c).permitted()).isFalse();
        assertThat(decide(consentOnly, gp(), record("CarePlan", "V"), c).permitted())
                .isFalse();
        AccessRequest research = new AccessRequest("gp-client", "gp-system", GP_ODS, null, "HRESCH", null, NOW, null);
        assertThat(decide(consentOnly, research, record("CarePlan"), c).permitted())
                .isFalse();
    }

    @Test
    void expiredNotYetValidAndRevokedConsentsStopSharing() {
        Consent expired = consent("c1", ConsentProvisionType.PERMIT);
        expired.getProvision()
                .setPeriod(new Period()
                        .setStart(Date.from(NOW.minus(Duration.ofDays(30))))
                        .setEnd(Date.from(NOW.minusSeconds(1))));
        assertThat(decide(consentOnly, gp(), record("Goal"), expired).basis()).isEqualTo("default-deny");
        Consent future = consent("c2", ConsentProvisionType.PERMIT);
        future.getProvision().setPeriod(new Period().setStart(Date.from(NOW.plusSeconds(60))));
        assertThat(decide(consentOnly, gp(), record("Goal"), future).basis()).isEqualTo("default-deny");
        Consent current = consent("c3", ConsentProvisionType.PERMIT);
        current.getProvision()
                .setPeriod(
                        new Period().setStart(Date.from(NOW.minusSeconds(60))).setEnd(Date.from(NOW.plusSeconds(60))));
        assertThat(decide(consentOnly, gp(), record("Goal"), current).permitted())
                .isTrue();
        Consent revoked = consent("c4", ConsentProvisionType.PERMIT).setStatus(Consent.ConsentState.INACTIVE);
        assertThat(decide(consentOnly, gp(), record("Goal"), revoked).basis()).isEqualTo("default-deny");
        Consent otherPatient = consent("c5", ConsentProvisionType.PERMIT).setPatient(new Reference("Patient/p2"));
        assertThat(decide(consentOnly, gp(), record("Goal"), otherPatient).basis())
                .isEqualTo("default-deny");
        Consent research = consent("c6", ConsentProvisionType.PERMIT)
                .setScope(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "research", null)));
        assertThat(decide(consentOnly, gp(), record("Goal"), research).basis()).isEqualTo("default-deny");
    }

    private static ConsentProperties withRules(Map<String, MinimumNecessary> minimum, List<LegalBasis> bases) {
        return new ConsentProperties(
                true,
                false,
                Set.of("admin"),
                "https://fhir.linkwell.example/CodeSystem/sharing-marker|bears-on-risk",
                minimum,
                bases,
                new BreakGlass(Set.of("gp-system"), Duration.ofMinutes(60), Set.of("Patient", "CarePlan", "Flag")),
                Duration.ofSeconds(60));
    }

    @Test
    void minimumNecessaryWithholdsPhysicalHealthFromLinkWorkersUnlessItBearsOnRisk() {
        ConsentPolicy policy = new ConsentPolicy(withRules(
                Map.of(
                        "link-worker-app",
                        new MinimumNecessary(
                                List.of(),
                                List.of("Condition", "AllergyIntolerance"),
                                List.of("ServiceRequest.reasonCode", "CarePlan.addresses"))),
                List.of()));
        Consent all = consent("c1", ConsentProvisionType.PERMIT);
        ConsentDecision condition = decide(policy, linkWorker(), record("Condition"), all);
        assertThat(condition.outcome()).isEqualTo(Outcome.DENY);
        assertThat(condition.basis()).isEqualTo("minimum-necessary");
        ResourceFacts risky = new ResourceFacts("Condition", "Condition/9", PATIENT, Set.of(), null, Set.of(), true);
        assertThat(decide(policy, linkWorker(), risky, all).outcome()).isEqualTo(Outcome.PERMIT);
        ConsentDecision referral = decide(policy, linkWorker(), record("ServiceRequest"), all);
        assertThat(referral.outcome()).isEqualTo(Outcome.PERMIT_REDACTED);
        assertThat(referral.redactions()).containsExactly("reasonCode");
        assertThat(referral.basis()).isEqualTo("Consent/c1#provision");
        // The GP has no such rule: it gets the Condition whole.
        assertThat(decide(policy, gp(), record("Condition"), all).outcome()).isEqualTo(Outcome.PERMIT);
    }

    @Test
    void allowListsCutWhatAGpReceives() {
        ConsentPolicy policy = new ConsentPolicy(withRules(
                Map.of("gp-system", new MinimumNecessary(List.of("CarePlan", "Goal", "Flag"), List.of(), List.of())),
                List.of()));
        Consent all = consent("c1", ConsentProvisionType.PERMIT);
        assertThat(decide(policy, gp(), record("CarePlan"), all).permitted()).isTrue();
        assertThat(decide(policy, gp(), record("QuestionnaireResponse"), all).basis())
                .isEqualTo("minimum-necessary");
        // Its own records (written by its organisation's GP system) are never cut.
        ResourceFacts own = new ResourceFacts(
                "QuestionnaireResponse",
                "QuestionnaireResponse/1",
                PATIENT,
                Set.of(),
                GP_ODS,
                Set.of(),
                false,
                "gp-system");
        assertThat(decide(policy, gp(), own, all).basis()).isEqualTo("author-organisation");
        // Written for the organisation by an operator (no author role): its own, but cut to what the role needs.
        ResourceFacts forIt = new ResourceFacts(
                "QuestionnaireResponse", "QuestionnaireResponse/1", PATIENT, Set.of(), GP_ODS, Set.of(), false);
        assertThat(decide(policy, gp(), forIt, all).basis()).isEqualTo("minimum-necessary");
        // Written by another role sharing the code (a practice's link worker app): not its own.
        ResourceFacts byLinkWorker = new ResourceFacts(
                "QuestionnaireResponse",
                "QuestionnaireResponse/1",
                PATIENT,
                Set.of(),
                GP_ODS,
                Set.of(),
                false,
                "link-worker-app");
        assertThat(decide(policy, gp(), byLinkWorker, all).basis()).isEqualTo("minimum-necessary");
    }

    @Test
    void directCareAndSafeguardingAreBasesOfTheirOwn() {
        LegalBasis discharge = new LegalBasis(
                "direct-care",
                Set.of("social-care-system"),
                Set.of("ServiceRequest"),
                Set.of(),
                true,
                false,
                false,
                false);
        LegalBasis s42 = new LegalBasis(
                "safeguarding-s42", Set.of("social-care-system"), Set.of(), Set.of("S42"), false, true, false, false);
        ConsentPolicy policy = new ConsentPolicy(withRules(Map.of(), List.of(discharge, s42)));
        AccessRequest team = new AccessRequest("la", "social-care-system", "X26CMT", null, null, null, NOW, null);
        ResourceFacts toTeam = new ResourceFacts(
                "ServiceRequest", "ServiceRequest/1", PATIENT, Set.of(), "RXX", Set.of("X26CMT"), false);
        ResourceFacts toOthers = new ResourceFacts(
                "ServiceRequest", "ServiceRequest/2", PATIENT, Set.of(), "RXX", Set.of("ELSE"), false);
        assertThat(decide(policy, team, toTeam).basis()).isEqualTo("direct-care");
        assertThat(decide(policy, team, toOthers).basis()).isEqualTo("default-deny");
        // A refusal stops direct care, but not a Section 42 enquiry.
        Consent refuses = consent("c1", ConsentProvisionType.DENY);
        assertThat(decide(policy, team, toTeam, refuses).basis()).isEqualTo("Consent/c1#provision");
        AccessRequest enquiry = new AccessRequest("la", "social-care-system", "X26CMT", null, "S42", null, NOW, null);
        assertThat(decide(policy, enquiry, record("CarePlan"), refuses).basis()).isEqualTo("safeguarding-s42");
        assertThat(decide(policy, gp(), record("CarePlan")).basis()).isEqualTo("default-deny");
    }

    @Test
    void aSection42PurposeCountsOnlyWhileTheRequestersCouncilHasAnEnquiryOpenAboutThePerson() {
        LegalBasis s42 = new LegalBasis(
                "safeguarding-s42", Set.of("social-care-system"), Set.of(), Set.of("S42"), false, true, true, false);
        ConsentPolicy policy = new ConsentPolicy(withRules(Map.of(), List.of(s42)));
        // Council 999 has an enquiry open about PATIENT; council 998 about Patient/p2.
        Map<String, Set<String>> open = Map.of("999", Set.of(PATIENT), "998", Set.of("Patient/p2"));
        ActorDirectory enquiries = new ActorDirectory() {
            @Override
            public Optional<String> odsCodeOf(String ref) {
                return DIRECTORY.odsCodeOf(ref);
            }

            @Override
            public Set<String> careTeamMembers(String ref) {
                return DIRECTORY.careTeamMembers(ref);
            }

            @Override
            public boolean safeguardingEnquiryOpen(String organisation, String patient) {
                return open.getOrDefault(organisation, Set.of()).contains(patient);
            }
        };
        AccessRequest council = new AccessRequest("la", "social-care-system", "999", null, "S42", null, NOW, null);
        AccessRequest otherCouncil =
                new AccessRequest("la2", "social-care-system", "998", null, "S42", null, NOW, null);
        Consent refuses = consent("c1", ConsentProvisionType.DENY);
        ResourceFacts plan = record("CarePlan", "PSY");
        assertThat(policy.decide(council, plan, List.of(refuses), enquiries).basis())
                .isEqualTo("safeguarding-s42");
        assertThat(policy.decide(council, plan, List.of(), enquiries).basis()).isEqualTo("safeguarding-s42");
        // Another council's enquiry, or one about someone else, opens nothing: the usual rules decide.
        assertThat(policy.decide(otherCouncil, plan, List.of(refuses), enquiries)
                        .basis())
                .isEqualTo("Consent/c1#provision");
        assertThat(policy.decide(otherCouncil, plan, List.of(), enquiries).basis())
                .isEqualTo("default-deny");
        // A directory that knows of no enquiry (the default) never lets the header alone decide.
        assertThat(policy.decide(council, plan, List.of(), DIRECTORY).basis()).isEqualTo("default-deny");
        // Without the purpose the open enquiry does not apply either.
        AccessRequest treat = new AccessRequest("la", "social-care-system", "999", null, null, null, NOW, null);
        assertThat(policy.decide(treat, plan, List.of(), enquiries).basis()).isEqualTo("default-deny");
    }

    @Test
    void aDischargeNotificationGoesToThePersonsRegisteredPracticeOnlyAndNotAgainstARefusal() {
        LegalBasis discharge = new LegalBasis(
                "discharge-notification",
                Set.of("gp-system"),
                Set.of("Encounter"),
                Set.of(),
                false,
                false,
                false,
                true);
        ConsentPolicy policy = new ConsentPolicy(withRules(
                Map.of("gp-system", new MinimumNecessary(List.of("Patient", "Encounter"), List.of(), List.of())),
                List.of(discharge)));
        // PATIENT is registered at the GP's practice (by its ODS code), Patient/p2 at the other practice.
        ActorDirectory registered = new ActorDirectory() {
            @Override
            public Optional<String> odsCodeOf(String ref) {
                return DIRECTORY.odsCodeOf(ref);
            }

            @Override
            public Set<String> careTeamMembers(String ref) {
                return DIRECTORY.careTeamMembers(ref);
            }

            @Override
            public Set<String> registeredPractices(String patient) {
                return PATIENT.equals(patient) ? Set.of(GP_ODS) : Set.of(OTHER_ODS);
            }
        };
        ResourceFacts stay = new ResourceFacts("Encounter", "Encounter/1", PATIENT, Set.of(), "RXX", Set.of(), false);
        ConsentDecision toPractice = policy.decide(gp(), stay, List.of(), registered);
        assertThat(toPractice.outcome()).isEqualTo(Outcome.PERMIT);
        assertThat(toPractice.basis()).isEqualTo("discharge-notification");
        // Another practice, the person registered elsewhere, or a directory that knows no registration: no basis.
        assertThat(policy.decide(other(), stay, List.of(), registered).basis()).isEqualTo("default-deny");
        ResourceFacts elsewhere =
                new ResourceFacts("Encounter", "Encounter/2", "Patient/p2", Set.of(), "RXX", Set.of(), false);
        assertThat(policy.decide(gp(), elsewhere, List.of(), registered).basis())
                .isEqualTo("default-deny");
        assertThat(policy.decide(gp(), stay, List.of(), DIRECTORY).basis()).isEqualTo("default-deny");
        // Only the types it names: a hospital's CarePlan is not a discharge notification.
        assertThat(policy.decide(gp(), record("CarePlan"), List.of(), registered)
                        .permitted())
                .isFalse();
        // The person refused the practice: the refusal wins.
        Consent refuses = consent("c1", ConsentProvisionType.DENY);
        actor(refuses.getProvision(), "Organization/gp");
        ConsentDecision refused = policy.decide(gp(), stay, List.of(refuses), registered);
        assertThat(refused.outcome()).isEqualTo(Outcome.DENY);
        assertThat(refused.basis()).isEqualTo("Consent/c1#provision");
    }

    @Test
    void breakGlassOpensTheNeedToKnowSetOnlyWithAReasonAndTheRightRole() {
        ConsentPolicy policy = new ConsentPolicy(withRules(Map.of(), List.of()));
        Consent refuses = consent("c1", ConsentProvisionType.DENY);
        AccessRequest glass =
                new AccessRequest("gp-client", "gp-system", GP_ODS, null, "ETREAT", "overdose risk", NOW, null);
        ConsentDecision plan = decide(policy, glass, record("CarePlan"), refuses);
        assertThat(plan.outcome()).isEqualTo(Outcome.PERMIT);
        // The person's Consent refused: overriding it is recorded as such, with the provision overridden.
        assertThat(plan.basis()).isEqualTo("break-glass-overriding:Consent/c1#provision");
        assertThat(plan.breakGlass()).isTrue();
        assertThat(decide(policy, glass, record("CarePlan")).basis()).isEqualTo("break-glass");
        // A break-glass that names one person opens that person's records only.
        AccessRequest named = new AccessRequest(
                "gp-client", "gp-system", GP_ODS, null, "ETREAT", "overdose risk", NOW, null, "Patient/p2");
        assertThat(decide(policy, named, record("CarePlan"), refuses).permitted())
                .isFalse();
        // Outside the need-to-know set.
        assertThat(decide(policy, glass, record("QuestionnaireResponse"), refuses)
                        .permitted())
                .isFalse();
        AccessRequest noReason = new AccessRequest("gp-client", "gp-system", GP_ODS, null, "ETREAT", " ", NOW, null);
        assertThat(decide(policy, noReason, record("CarePlan"), refuses).permitted())
                .isFalse();
        AccessRequest wrongRole = new AccessRequest("lw", "link-worker-app", LW_ODS, null, "ETREAT", "risk", NOW, null);
        assertThat(decide(policy, wrongRole, record("CarePlan"), refuses).permitted())
                .isFalse();
        // A window opened earlier covers later requests about that patient only.
        AccessRequest later =
                new AccessRequest("gp-client", "gp-system", GP_ODS, null, null, null, NOW, PATIENT::equals);
        assertThat(decide(policy, later, record("CarePlan"), refuses).breakGlass())
                .isTrue();
        ResourceFacts otherPatient =
                new ResourceFacts("CarePlan", "CarePlan/2", "Patient/p2", Set.of(), null, Set.of(), false);
        assertThat(decide(policy, later, otherPatient).permitted()).isFalse();
    }

    @Test
    void breakGlassWindowsCloseAfterTheirTime() {
        var clock = new java.util.concurrent.atomic.AtomicReference<>(NOW);
        BreakGlassWindows windows = new BreakGlassWindows(Duration.ofMinutes(30), new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return clock.get();
            }
        });
        windows.open("gp", null, PATIENT, "risk");
        assertThat(windows.openFor("gp", null, PATIENT)).isPresent();
        assertThat(windows.openFor("other", null, PATIENT)).isEmpty();
        clock.set(NOW.plus(Duration.ofMinutes(29)));
        assertThat(windows.openFor("gp", null, PATIENT)).isPresent();
        clock.set(NOW.plus(Duration.ofMinutes(30)));
        assertThat(windows.openFor("gp", null, PATIENT)).isEmpty();
    }

    @Test
    void operatorsAreExempt() {
        AccessRequest admin = new AccessRequest("admin", "admin", "X26", null, null, null, NOW, null);
        assertThat(decide(consentOnly, admin, record("CarePlan", "PSY"), consent("c1", ConsentProvisionType.DENY))
                        .permitted())
                .isTrue();
    }
}
