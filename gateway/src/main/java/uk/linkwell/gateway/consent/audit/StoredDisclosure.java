package uk.linkwell.gateway.consent.audit;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.IdType;

/**
 * A disclosure as the trail stores it: the {@link Disclosure} itself, the gateway's name, when it was written, and
 * what became of each entity reference when it was written (versioned, or not on the server). Its AuditEvent is
 * rendered from it when the trail is read ({@link DisclosureAuditEvents#toAuditEvent}, a pure function).
 *
 * <p>Why not store the AuditEvent: encoding it with HAPI's JSON parser was two thirds of the audit writer's CPU
 * and a few percent of each consent-filtered search's (JFR, consent benchmark), while the trail is written on
 * every disclosure and read only when someone reviews it. Rows written before this form (an AuditEvent's JSON)
 * are still read as they are.
 *
 * @param entities the AuditEvent's {@code entity.what} references in entity order, as written (with the version
 *                 current then); {@code gone[i]} when the resource was not on the server
 */
@JsonPropertyOrder({"format"})
record StoredDisclosure(
        int format,
        String sourceName,
        Instant written,
        StoredFacts disclosure,
        List<String> entities,
        List<Boolean> gone) {

    static final int FORMAT = 1;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .findAndAddModules()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** {@link Disclosure}'s fields, under names that stay put if the record's Java names change. */
    record StoredFacts(
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

        static StoredFacts of(Disclosure d) {
            return new StoredFacts(
                    d.at(),
                    d.clientId(),
                    d.role(),
                    d.organisation(),
                    d.practitioner(),
                    d.patient(),
                    d.resources(),
                    d.purposeOfUse(),
                    d.decision(),
                    d.basis(),
                    d.breakGlass(),
                    d.breakGlassReason(),
                    d.channel(),
                    d.requestId());
        }

        Disclosure toDisclosure() {
            return new Disclosure(
                    at,
                    clientId,
                    role,
                    organisation,
                    practitioner,
                    patient,
                    resources == null ? List.of() : resources,
                    purposeOfUse,
                    decision,
                    basis,
                    breakGlass,
                    breakGlassReason,
                    channel,
                    requestId);
        }
    }

    /** The stored form of an AuditEvent made by {@code toAuditEvent(disclosure, sourceName)} and then versioned. */
    static StoredDisclosure of(Disclosure disclosure, String sourceName, Instant written, AuditEvent event) {
        List<String> entities = new ArrayList<>();
        List<Boolean> gone = new ArrayList<>();
        for (AuditEvent.AuditEventEntityComponent entity : event.getEntity()) {
            entities.add(entity.hasWhat() ? entity.getWhat().getReference() : null);
            gone.add(DisclosureTrail.GONE.equals(entity.getDescription()));
        }
        return new StoredDisclosure(FORMAT, sourceName, written, StoredFacts.of(disclosure), entities, gone);
    }

    byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("disclosure could not be serialised", e);
        }
    }

    /** True for a body in this form; false for one holding an AuditEvent's JSON (written before it). */
    static boolean isStoredForm(byte[] body) {
        // An AuditEvent's JSON starts {"resourceType":...; this form starts {"format":...
        int i = 0;
        while (i < body.length && (body[i] == '{' || Character.isWhitespace(body[i]))) {
            i++;
        }
        return body.length - i > 8 && new String(body, i, 8, StandardCharsets.UTF_8).equals("\"format\"");
    }

    static StoredDisclosure fromBytes(byte[] body) {
        try {
            return JSON.readValue(body, StoredDisclosure.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored disclosure could not be read", e);
        }
    }

    /** The AuditEvent as it was when written, with the given id. */
    AuditEvent toAuditEvent(String id) {
        AuditEvent event = DisclosureAuditEvents.toAuditEvent(disclosure.toDisclosure(), sourceName);
        List<AuditEvent.AuditEventEntityComponent> rendered = event.getEntity();
        for (int i = 0; i < rendered.size() && i < entities.size(); i++) {
            AuditEvent.AuditEventEntityComponent entity = rendered.get(i);
            if (entities.get(i) != null && entity.hasWhat()) {
                entity.getWhat().setReference(entities.get(i));
            }
            if (i < gone.size() && Boolean.TRUE.equals(gone.get(i))) {
                entity.setDescription(DisclosureTrail.GONE);
            }
        }
        event.setId(new IdType("AuditEvent", id, "1"));
        event.getMeta().setVersionId("1").setLastUpdated(Date.from(written));
        return event;
    }
}
