package uk.linkwell.mappings.hl7v2;

import java.time.LocalTime;
import java.time.ZonedDateTime;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;
import uk.linkwell.mappings.MappingContext;

/**
 * RF1 (with DG1, OBX and NTE) to the LinkwellServiceRequest of the referral and the LinkwellTask that
 * tracks it at the receiving service, due for its initial assessment three days after receipt (the same
 * day when urgent).
 */
final class ReferralRequestMapping {

    static final String REFERRAL = LinkwellSystems.BASE + "/Id/gp-referral/";
    static final String REFERRAL_TASK = LinkwellSystems.BASE + "/Id/gp-referral-task/";

    private ReferralRequestMapping() {}

    /** The parties a referral links. */
    record Parties(Reference patient, Reference requester, ReferralProvider receiver, Reference performer) {}

    static void map(
            ReferralMessage message,
            ReferralMappingConfig config,
            MappingContext context,
            TransactionBuilder transaction,
            Parties parties)
            throws Hl7MappingException {
        SegmentView rf1 = message.require("RF1", "a referral needs its referral information");
        String referralId = message.requireValue(rf1, 6, 1, "referral identifier (RF1-6)");
        ReferralPriority priority = ReferralPriority.ofRf1(rf1.get(2, 1))
                .orElseThrow(() -> message.error(
                        Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
                        rf1.at(2, 1, 1),
                        "referral priority (RF1-2) must be S, A or R"));
        DateTimeType authoredOn = authoredOn(message, rf1, config);

        ServiceRequest request = new ServiceRequest();
        String system = REFERRAL + message.facilitySlug;
        request.addIdentifier(TransactionBuilder.identifier(system, referralId));
        request.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
        request.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        request.setCode(new CodeableConcept()
                .addCoding(config.codeFor(parties.receiver().odsCode(), rf1.get(3, 1), rf1.get(5, 1))));
        request.setPriority(priority.request);
        request.setSubject(parties.patient().copy());
        request.setAuthoredOnElement(authoredOn.copy());
        request.setRequester(parties.requester().copy());
        request.addPerformer(parties.performer().copy());
        reasons(message, rf1).forEach(request::addReasonCode);
        notes(message).forEach(request::addNote);
        Reference requestReference = transaction.put(request, system, referralId);

        Task task = new Task();
        String taskSystem = REFERRAL_TASK + message.facilitySlug;
        task.addIdentifier(TransactionBuilder.identifier(taskSystem, referralId));
        task.setStatus(Task.TaskStatus.REQUESTED);
        task.setIntent(Task.TaskIntent.ORDER);
        task.setPriority(priority.task);
        task.setFocus(requestReference);
        task.setFor(parties.patient().copy());
        task.setAuthoredOnElement(authoredOn.copy());
        task.setRequester(parties.requester().copy());
        task.setOwner(parties.performer().copy());
        task.getRestriction().setPeriod(new Period().setEndElement(dueDate(config, context, priority)));
        // Created only if absent: a resent referral must not put an accepted or declined Task back to requested.
        transaction.createIfAbsent(task, taskSystem, referralId);
    }

    /** RF1-7 (effective date), else MSH-7; LinkwellServiceRequest and LinkwellTask require one. */
    private static DateTimeType authoredOn(ReferralMessage message, SegmentView rf1, ReferralMappingConfig config)
            throws Hl7MappingException {
        String value = rf1.get(7, 1, 1);
        Hl7ErrorLocation where = rf1.at(7, 1, 1);
        if (value.isEmpty()) {
            value = message.first("MSH").map(msh -> msh.get(7, 1, 1)).orElse("");
            where = Hl7ErrorLocation.field("MSH", 7);
        }
        if (value.isEmpty()) {
            throw message.error(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING, rf1.at(7, 1, 1), "referral date (RF1-7, or MSH-7) missing");
        }
        try {
            return new DateTimeType(Hl7Time.dateTime(value, config.localZone()));
        } catch (RuntimeException e) {
            throw message.error(Hl7ErrorCode.DATA_TYPE_ERROR, where, "not a valid HL7 date/time");
        }
    }

    /**
     * The end of the local day the initial assessment is due: the day of receipt plus three days for a
     * routine referral, the day of receipt itself for an urgent one. Receipt time comes from the context.
     */
    static DateTimeType dueDate(ReferralMappingConfig config, MappingContext context, ReferralPriority priority) {
        int days = priority == ReferralPriority.URGENT ? 0 : config.routineDueDays();
        ZonedDateTime due = context.receivedAt()
                .atZone(config.localZone())
                .toLocalDate()
                .plusDays(days)
                .atTime(LocalTime.of(23, 59, 59))
                .atZone(config.localZone());
        String offset = due.getOffset().getTotalSeconds() == 0
                ? "+00:00"
                : due.getOffset().getId();
        return new DateTimeType(due.toLocalDateTime() + offset);
    }

    /** RF1-10 referral reasons, then each DG1 diagnosis (DG1-3, or DG1-4 text when it has no code). */
    private static java.util.List<CodeableConcept> reasons(ReferralMessage message, SegmentView rf1) {
        java.util.List<CodeableConcept> reasons = new java.util.ArrayList<>();
        for (int rep = 1; rep <= rf1.repetitions(10); rep++) {
            CodeableConcept reason = Hl7Types.concept(rf1, 10, rep, null);
            if (!reason.isEmpty()) {
                reasons.add(reason);
            }
        }
        for (SegmentView dg1 : message.all("DG1")) {
            CodeableConcept diagnosis = Hl7Types.concept(dg1, 3, 1, null);
            if (diagnosis.isEmpty() && !dg1.get(4).isEmpty()) {
                diagnosis.setText(dg1.get(4));
            }
            if (!diagnosis.isEmpty()) {
                reasons.add(diagnosis);
            }
        }
        return reasons;
    }

    /**
     * NTE-3 comments and OBX results ("identifier text: value") as notes, in message order: the referral
     * letter's free text travels with the referral rather than as separate Observations.
     */
    private static java.util.List<Annotation> notes(ReferralMessage message) {
        java.util.List<Annotation> notes = new java.util.ArrayList<>();
        for (SegmentView segment : message.segments()) {
            String text =
                    switch (segment.id()) {
                        case "NTE" -> String.join(" ", nonEmptyRepetitions(segment, 3));
                        case "OBX" -> observation(segment);
                        default -> "";
                    };
            if (!text.isBlank()) {
                notes.add(new Annotation().setText(text.trim()));
            }
        }
        return notes;
    }

    private static String observation(SegmentView obx) {
        String label = obx.get(3, 2).isEmpty() ? obx.get(3, 1) : obx.get(3, 2);
        String value = String.join(" ", nonEmptyRepetitions(obx, 5));
        if (value.isEmpty()) {
            return "";
        }
        String unit = obx.get(6, 1);
        return (label.isEmpty() ? "" : label + ": ") + value + (unit.isEmpty() ? "" : " " + unit);
    }

    private static java.util.List<String> nonEmptyRepetitions(SegmentView segment, int field) {
        java.util.List<String> values = new java.util.ArrayList<>();
        for (int rep = 1; rep <= segment.repetitions(field); rep++) {
            String value = segment.get(field, rep, 1);
            if (!value.isEmpty()) {
                values.add(value);
            }
        }
        return values;
    }
}
