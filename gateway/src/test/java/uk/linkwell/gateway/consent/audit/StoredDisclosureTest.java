package uk.linkwell.gateway.consent.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;
import org.junit.jupiter.api.Test;

/** The trail's stored form renders the same AuditEvent the writer built, versions and gone resources included. */
class StoredDisclosureTest {

    private final FhirContext fhir = FhirContext.forR4Cached();

    private static Disclosure breakGlass() {
        return new Disclosure(
                Instant.parse("2026-12-01T08:15:30.123456Z"),
                "demo-link-worker",
                "link-worker-app",
                "BENCHLW",
                "Practitioner/77",
                "Patient/12",
                List.of("CarePlan/5/_history/2", "Goal/6", "Goal/7"),
                "TREAT",
                "permit-redacted",
                "Consent/40#provision[0].provision[1]",
                true,
                "Threat to life reported by the out-of-hours team",
                "fhir-search",
                "req-42");
    }

    /** What the writer does: the AuditEvent, then the references it versions and those it finds gone. */
    private static AuditEvent asWritten(Disclosure d) {
        AuditEvent event = DisclosureAuditEvents.toAuditEvent(d, "Linkwell test gateway");
        for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
            String ref = entity.hasWhat() ? entity.getWhat().getReference() : null;
            if ("Patient/12".equals(ref)) {
                entity.getWhat().setReference("Patient/12/_history/3");
            } else if ("Goal/7".equals(ref)) {
                entity.setDescription(DisclosureTrail.GONE);
            }
        }
        return event;
    }

    @Test
    void rendersTheAuditEventAsItWasWritten() {
        Disclosure d = breakGlass();
        Instant written = Instant.parse("2026-12-01T08:15:31.5Z");
        AuditEvent expected = asWritten(d);
        expected.setId(new IdType("AuditEvent", "abc", "1"));
        expected.getMeta().setVersionId("1").setLastUpdated(Date.from(written));

        byte[] body = StoredDisclosure.of(d, "Linkwell test gateway", written, asWritten(d))
                .toBytes();
        assertThat(StoredDisclosure.isStoredForm(body)).isTrue();
        AuditEvent rendered = StoredDisclosure.fromBytes(body).toAuditEvent("abc");

        assertThat(fhir.newJsonParser().encodeResourceToString(rendered))
                .isEqualTo(fhir.newJsonParser().encodeResourceToString(expected));
        assertThat(rendered.getEntity())
                .extracting(e -> e.getWhat().getReference())
                .contains("Patient/12/_history/3", "CarePlan/5/_history/2", "Consent/40");
        assertThat(rendered.getEntity())
                .filteredOn(e -> "Goal/7".equals(e.getWhat().getReference()))
                .singleElement()
                .extracting(AuditEvent.AuditEventEntityComponent::getDescription)
                .isEqualTo(DisclosureTrail.GONE);
        assertThat(rendered.getPurposeOfEventFirstRep().getText())
                .isEqualTo("Threat to life reported by the out-of-hours team");
    }

    @Test
    void tellsTheStoredFormFromAnAuditEventsJson() {
        byte[] auditEventJson = fhir.newJsonParser()
                .encodeResourceToString(asWritten(breakGlass()))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(StoredDisclosure.isStoredForm(auditEventJson)).isFalse();
        assertThat(StoredDisclosure.isStoredForm("{}".getBytes(StandardCharsets.UTF_8)))
                .isFalse();
    }
}
