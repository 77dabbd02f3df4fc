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
