package uk.linkwell.mappings.socialcare;

import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Objects;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import uk.linkwell.mappings.MappingContext;

/**
 * Maps one social-care case event (JSON, format version 1, see socialcare/README.md) to one FHIR R4
 * transaction Bundle whose entries each belong to one event type, so events applied in any order end in
 * the same state. Pure: no clock, no store. Thread-safe; build one and reuse it (the schema loads once).
 */
public final class CaseEventMapper {

    private final CaseEventReader reader = new CaseEventReader();

    /** Maps the UTF-8 bytes of one event. */
    public Bundle map(byte[] json, MappingContext context) throws CaseEventException {
        return map(json == null ? "" : new String(json, StandardCharsets.UTF_8), context);
    }

    public Bundle map(String json, MappingContext context) throws CaseEventException {
        Objects.requireNonNull(context, "context");
        CaseEvent event = reader.read(json);
        CaseTransaction transaction = new CaseTransaction();
        CaseIdentity identity = new CaseIdentity(event, transaction);
        switch (event.type()) {
            case REFERRAL_RECEIVED -> ReferralEvents.received(identity);
            case REFERRAL_ACCEPTED -> ReferralEvents.accepted(identity);
            case REFERRAL_DECLINED -> ReferralEvents.declined(identity);
            case CASE_ALLOCATED -> CaseEvents.allocated(identity);
            case ASSESSMENT_COMPLETED -> PlanEvents.assessmentCompleted(identity);
            case CARE_PLAN_UPDATED -> PlanEvents.carePlanUpdated(identity);
            case REVIEW_SCHEDULED -> PlanEvents.review(identity, false);
            case REVIEW_COMPLETED -> PlanEvents.review(identity, true);
            case CARER_IDENTIFIED -> PersonEvents.carerIdentified(identity);
            case SAFEGUARDING_ENQUIRY_OPENED -> PersonEvents.safeguarding(identity, false);
            case SAFEGUARDING_ENQUIRY_CLOSED -> PersonEvents.safeguarding(identity, true);
            case CASE_CLOSED -> CaseEvents.closed(identity);
            case CARER_BREAKDOWN -> PersonEvents.carerBreakdown(identity);
            case CHANGE_OF_CIRCUMSTANCES -> PersonEvents.changeOfCircumstances(identity);
        }
        Bundle bundle = new Bundle();
        bundle.setId(context.bundleId());
        bundle.setTimestampElement(new InstantType(
                Date.from(context.receivedAt()),
                ca.uhn.fhir.model.api.TemporalPrecisionEnum.MILLI,
                TimeZone.getTimeZone("UTC")));
        bundle.setIdentifier(new org.hl7.fhir.r4.model.Identifier()
                .setSystem(CaseIdentity.BASE + "/Id/socialcare-event/" + event.localAuthority())
                .setValue(event.eventId()));
        return transaction.build(bundle);
    }

    /** The event id after the same checks as {@link #map}, without mapping: for the gateway's idempotence check. */
    public String eventId(String json) throws CaseEventException {
        return reader.read(json).eventId();
    }
}
