package uk.linkwell.gateway.consent.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** The AuditEvent shape of a disclosure, without a server. */
class DisclosureAuditEventsTest {

    private static final Instant AT = Instant.parse("2026-11-30T10:15:30Z");

    @Test
    void anExchangeUnderAConsentNamesTheConsentAndItsProvision() {
        AuditEvent event = DisclosureAuditEvents.toAuditEvent(
                new Disclosure(
                        AT,
                        "social-care-feed",
                        "social-care-system",
                        "999",
                        null,
                        "Patient/7",
                        List.of("Patient/7", "Encounter/9", "Encounter/9"),
                        "CAREMGT",
                        "permit-redacted",
                        "Consent/3#provision.provision[1]",
                        false,
                        null,
                        "exchange",
                        null),
                "Gateway A");
        assertThat(event.getRecorded()).isEqualTo(Date.from(AT));
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
        assertThat(event.getSubtype())
                .extracting(c -> c.getSystem() + "|" + c.getCode())
                .containsExactly(DisclosureAuditEvents.CHANNEL_SYSTEM + "|exchange");
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
        assertThat(event.getOutcomeDesc()).isEqualTo("permit-redacted");
        // The patient once (not again as a disclosed resource), the encounter once, then the Consent.
        assertThat(event.getEntity())
                .extracting(e -> e.getWhat().getReference())
                .containsExactly("Patient/7", "Encounter/9", "Consent/3");
        AuditEvent.AuditEventEntityComponent consent = event.getEntity().get(2);
        assertThat(consent.getRole().getCode()).isEqualTo("13");
        assertThat(consent.getDetailFirstRep().getType()).isEqualTo("provision");
        assertThat(((StringType) consent.getDetailFirstRep().getValue()).getValue())
                .isEqualTo("provision.provision[1]");
        assertThat(event.getSource().getObserver().getDisplay()).isEqualTo("Gateway A");
        assertThat(event.getMeta().getTag()).isEmpty();
    }

    @Test
    void anAccessGrantByAnInboundMessageIsASecurityChangeNamingTheMessageAndTheOrganisationGranted() {
        AuditEvent event = DisclosureAuditEvents.toAuditEvent(
                new Disclosure(
                        AT,
                        null,
                        null,
                        "999",
                        null,
                        "Patient/7",
                        List.of("EpisodeOfCare/5/_history/1"),
                        null,
                        "grant",
                        "socialcare-events:referral-accepted",
                        false,
                        null,
                        DisclosureAuditEvents.ACCESS_GRANT,
                        "inbound-message/42"),
                "Gateway A");
        assertThat(event.getType().getCode()).isEqualTo("110136");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.U);
        assertThat(event.getSubtype()).extracting(c -> c.getCode()).containsExactly("access-grant");
        assertThat(event.getOutcomeDesc()).isEqualTo("grant");
        // No client: the organisation given access, then the gateway.
        assertThat(event.getAgent())
                .extracting(a -> a.getType().getCodingFirstRep().getCode())
                .containsExactly("IRCP", "110153");
        assertThat(event.getAgentFirstRep().getWho().getIdentifier().getValue()).isEqualTo("999");
        assertThat(event.getEntity())
                .extracting(e -> e.getWhat().getReference())
                .containsExactly("Patient/7", "EpisodeOfCare/5/_history/1", null);
        AuditEvent.AuditEventEntityComponent message = event.getEntity().get(2);
        assertThat(message.getWhat().getIdentifier().getSystem())
                .isEqualTo("https://fhir.linkwell.example/Id/inbound-message");
        assertThat(message.getWhat().getIdentifier().getValue()).isEqualTo("42");
        assertThat(message.getName()).isEqualTo("inbound-message/42");
    }

    @Test
    void anAccessGrantByAFhirClientNamesTheClientAsAuthor() {
        AuditEvent event = DisclosureAuditEvents.toAuditEvent(
                new Disclosure(
                        AT,
                        "demo-admin",
                        "admin",
                        "X26CMT",
                        null,
                        "Patient/7",
                        List.of("EpisodeOfCare/5/_history/2"),
                        null,
                        "revoke",
                        "fhir:update",
                        false,
                        null,
                        DisclosureAuditEvents.ACCESS_GRANT,
                        "req-1"),
                "Gateway A");
        assertThat(event.getAgent())
                .extracting(a -> a.getType().getCodingFirstRep().getCode())
                .containsExactly("AUT", "IRCP", "110153");
        assertThat(event.getAgentFirstRep().getAltId()).isEqualTo("demo-admin");
        assertThat(event.getOutcomeDesc()).isEqualTo("revoke");
        assertThat(event.getEntity()).last().satisfies(e -> {
            assertThat(e.getName()).isEqualTo("req-1");
            assertThat(e.getType().getCode()).isEqualTo("XrequestId");
        });
    }

    @Test
    void aBreakGlassReadByAPractitionerIsTaggedForReviewWithETREATAndTheReason() {
        AuditEvent event = DisclosureAuditEvents.toAuditEvent(
                new Disclosure(
                        AT,
                        "lw-app",
                        "link-worker-app",
                        "LW0001",
                        "Practitioner/12",
                        "Patient/7",
                        List.of("CarePlan/8"),
                        "TREAT",
                        "permit",
                        "break-glass",
                        true,
                        "threat to life",
                        "fhir-read",
                        "r-1"),
                "Linkwell gateway");
        assertThat(event.getMeta().getTag())
                .extracting(c -> c.getSystem() + "|" + c.getCode())
                .containsExactly(DisclosureAuditEvents.REVIEW_TAG_SYSTEM + "|break-glass");
        assertThat(event.getPurposeOfEventFirstRep().getCoding())
                .extracting(c -> c.getCode())
                .containsExactly("ETREAT", "TREAT");
        assertThat(event.getPurposeOfEventFirstRep().getText()).isEqualTo("threat to life");
        AuditEvent.AuditEventAgentComponent requester = event.getAgentFirstRep();
        assertThat(requester.getRequestor()).isTrue();
        assertThat(requester.getWho().getReference()).isEqualTo("Practitioner/12");
        assertThat(requester.getAltId()).isEqualTo("lw-app");
        assertThat(event.getEntity()).last().satisfies(e -> {
            assertThat(e.getName()).isEqualTo("r-1");
            assertThat(e.hasWhat()).isFalse();
        });
    }

    @Test
    void anOperationIsAnExecuteAndADenyIsAMinorFailure() {
        AuditEvent event = DisclosureAuditEvents.toAuditEvent(
                new Disclosure(
                        AT,
                        "c",
                        "gp-system",
                        null,
                        null,
                        null,
                        List.of(),
                        null,
                        "deny",
                        "default-deny",
                        false,
                        null,
                        "fhir-operation",
                        null),
                "g");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.E);
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._4);
        assertThat(event.getEntity()).isEmpty();
        assertThat(event.getPurposeOfEvent()).isEmpty();
        // Requester and the gateway itself; no organisation agent without an organisation.
        assertThat(event.getAgent()).hasSize(2);
    }
}
