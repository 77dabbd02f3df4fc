package uk.linkwell.mappings.socialcare;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.mappings.NhsNumber;

/**
 * Deterministic identities of the resources a case's events write, under
 * {@code https://fhir.linkwell.example/Id/socialcare/<LA>/<kind>}, and the references between them.
 * Resources another event may write are referenced by identifier only, so no event needs another to
 * have arrived first; the Patient is referenced conditionally, since it must already be known.
 */
final class CaseIdentity {

    static final String BASE = "https://fhir.linkwell.example";
    static final String ODS = "https://fhir.nhs.uk/Id/ods-organization-code";
    static final String SNOMED = "http://snomed.info/sct";
    static final ZoneId LONDON = ZoneId.of("Europe/London");

    final CaseEvent event;
    final CaseTransaction transaction;
    private Reference localAuthority;

    CaseIdentity(CaseEvent event, CaseTransaction transaction) {
        this.event = event;
        this.transaction = transaction;
    }

    /** The identifier of a resource of this case: {@code kind} names what it is, the value is the case key. */
    Identifier caseId(String kind) {
        return id(kind, event.caseKey());
    }

    /** The identifier of one item of this case, e.g. a goal: the case key and the item's own id. */
    Identifier itemId(String kind, String itemId) {
        return id(kind, event.caseKey() + ":" + itemId);
    }

    Identifier id(String kind, String value) {
        return new Identifier()
                .setSystem(BASE + "/Id/socialcare/" + event.localAuthority() + "/" + kind)
                .setValue(value);
    }

    /** A reference by identifier only, to a resource another event owns. */
    static Reference byIdentifier(String type, Identifier identifier) {
        return new Reference().setType(type).setIdentifier(identifier.copy());
    }

    /** The person: conditional reference by NHS number, else by the local authority's person id. */
    Reference patient() {
        Identifier identifier = event.nhsNumber() != null
                ? new Identifier().setSystem(NhsNumber.SYSTEM).setValue(event.nhsNumber())
                : new Identifier()
                        .setSystem(BASE + "/Id/la-person/" + event.localAuthority())
                        .setValue(event.laPersonId());
        return new Reference("Patient?identifier=" + identifier.getSystem() + "|" + identifier.getValue())
                .setIdentifier(identifier);
    }

    /** The council, created if absent, by ODS code. */
    Reference localAuthority() {
        if (localAuthority == null) {
            localAuthority = organisation(event.localAuthority(), null);
        }
        return localAuthority.copy();
    }

    /** An organisation by ODS code (conditional create), or a display-only reference when it has none. */
    Reference organisation(String odsCode, String name) {
        if (odsCode == null || odsCode.isBlank()) {
            return new Reference().setDisplay(name);
        }
        Identifier identifier = new Identifier().setSystem(ODS).setValue(odsCode);
        Organization organization = new Organization();
        organization.addIdentifier(identifier.copy());
        if (name != null && !name.isBlank()) {
            organization.setName(name);
        }
        Reference reference =
                transaction.createIfAbsent(organization, identifier).setIdentifier(identifier);
        if (name != null && !name.isBlank()) {
            reference.setDisplay(name);
        }
        return reference;
    }

    Reference organisation(com.fasterxml.jackson.databind.JsonNode node) {
        return organisation(node.path("odsCode").asText(""), node.path("name").asText(""));
    }

    /** The referral into adult social care (owned by referral-received). */
    Reference referral() {
        return byIdentifier("ServiceRequest", caseId("referral"));
    }

    static CodeableConcept concept(String system, String code, String display) {
        return new CodeableConcept().addCoding(new Coding(system, code, display));
    }

    static CodeableConcept text(String text) {
        return new CodeableConcept().setText(text);
    }

    static DateTimeType occurred(CaseEvent event) {
        return new DateTimeType(java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX")
                .format(event.occurredAt()));
    }

    /** The end of a local day, e.g. an assessment due date. */
    static DateTimeType endOfDay(LocalDate day) {
        ZonedDateTime end = day.atTime(LocalTime.of(23, 59, 59)).atZone(LONDON);
        String offset = end.getOffset().getTotalSeconds() == 0
                ? "+00:00"
                : end.getOffset().getId();
        return new DateTimeType(end.toLocalDateTime() + offset);
    }
}
