package uk.linkwell.mappings.hl7v2;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;

/**
 * PV1/PV2 to Encounter, identified by the visit number (PV1-19), with its status following the event:
 * admit, transfer and update leave it in progress, discharge finishes it, cancel admit marks it
 * entered-in-error and cancel discharge reopens it.
 */
final class EncounterMapping {

    static final String ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    static final String PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    static final String ACT_PRIORITY = "http://terminology.hl7.org/CodeSystem/v3-ActPriority";
    static final String ADMIT_SOURCE_TABLE = "http://terminology.hl7.org/CodeSystem/v2-0023";
    static final String UK_SOURCE_OF_ADMISSION = "https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmissionEngland";

    private EncounterMapping() {}

    static void map(MappingRun run) throws Hl7MappingException {
        AdtEvent event = run.event();
        java.util.Optional<SegmentView> maybePv1 = run.message.first("PV1");
        if (!event.needsVisit()) {
            // A08 may carry the current visit; A40 and an A08 without a visit number only touch the patient.
            if (event == AdtEvent.A40
                    || maybePv1.isEmpty()
                    || maybePv1.get().get(19).isEmpty()) {
                return;
            }
        }
        SegmentView pv1 = run.message.require("PV1");
        String visitNumber = run.message.requireValue(pv1, 19, "visit number");
        String system = LinkwellSystems.VISIT_NUMBER + run.facilitySlug;
        run.visitNumber = visitNumber;

        Encounter encounter = new Encounter();
        encounter.addIdentifier(new Identifier()
                .setUse(Identifier.IdentifierUse.OFFICIAL)
                .setSystem(system)
                .setValue(visitNumber));
        encounter.setClass_(encounterClass(run, pv1));
        encounter.setSubject(run.patient.copy());

        Timed admitted = admissionTime(run, pv1);
        Timed discharged = dischargeTime(run, pv1);
        encounter.setStatus(status(event, discharged));
        boolean finished = encounter.getStatus() == Encounter.EncounterStatus.FINISHED;
        if (finished && discharged != null) {
            Hl7Time.Span span = Hl7Time.span(admitted.stamp(), discharged.stamp())
                    .orElseThrow(() -> run.error(
                            Hl7ErrorCode.DATA_TYPE_ERROR,
                            discharged.location(),
                            "discharge date/time (" + discharged.field() + ") is before the admission date/time ("
                                    + admitted.field() + ")"));
            encounter.getPeriod().setStartElement(new DateTimeType(span.start().fhir()));
            encounter.getPeriod().setEndElement(new DateTimeType(span.end().fhir()));
        } else {
            encounter
                    .getPeriod()
                    .setStartElement(new DateTimeType(admitted.stamp().fhir()));
        }

        addLocation(
                encounter,
                pv1,
                3,
                finished ? Encounter.EncounterLocationStatus.COMPLETED : Encounter.EncounterLocationStatus.ACTIVE);
        if (event == AdtEvent.A02) {
            addLocation(encounter, pv1, 6, Encounter.EncounterLocationStatus.COMPLETED);
        }
        addParticipant(run, encounter, pv1, 7, "ATND", "attender");
        addParticipant(run, encounter, pv1, 17, "ADM", "admitter");

        CodeableConcept priority = admissionPriority(pv1.get(4));
        if (priority != null) {
            encounter.setPriority(priority);
        }
        CodeableConcept admitSource = admitSource(pv1.get(14));
        if (admitSource != null) {
            encounter.getHospitalization().setAdmitSource(admitSource);
        }
        if (finished) {
            // LinkwellEncounter binds the disposition (required) to the discharge-to-assess pathways. The raw
            // PV1-36 code is not added as a second coding: table 0112 is user-defined, and the validator fails
            // the required binding when any coding is in a code system it does not know. Without a pathway the
            // disposition is left out (a CodeableConcept with only text or a data-absent-reason fails that
            // binding too); the Bundle's note says why.
            DischargePathway pathway = DischargeFollowUp.pathway(run);
            run.dischargePathway = pathway;
            if (pathway != null) {
                encounter
                        .getHospitalization()
                        .setDischargeDisposition(new CodeableConcept()
                                .addCoding(new Coding(
                                        DischargePathway.SYSTEM, pathway.fhirCode(), pathway.fhirDisplay())));
            }
            String destination = pv1.get(37);
            if (!destination.isEmpty()) {
                encounter.getHospitalization().setDestination(new Reference().setDisplay(destination));
            }
        }
        run.message.first("PV2").ifPresent(pv2 -> {
            CodeableConcept reason = Hl7Types.concept(pv2, 3, 1, null);
            if (!reason.isEmpty()) {
                encounter.addReasonCode(reason);
            }
        });
        encounter.setServiceProvider(new Reference().setDisplay(run.facility));
        run.encounter = run.transaction.put(encounter, system, visitNumber);
        run.encounterResource = encounter;
    }

    /** A time from the message, with the field it was read from (for the error that names it). */
    private record Timed(Hl7Time.Stamp stamp, Hl7ErrorLocation location) {
        String field() {
            return location.segmentId() + "-" + location.fieldPosition();
        }

        static Timed of(MappingRun run, SegmentView segment, int field) throws Hl7MappingException {
            Hl7Time.Stamp stamp = run.stamp(segment, field);
            return stamp == null ? null : new Timed(stamp, segment.at(field, 1, 1));
        }
    }

    /**
     * PV1-44. LinkwellEncounter requires period.start, so an A01 without it takes the admission event's
     * time (EVN-6, then EVN-2, then MSH-7); any other event without it is rejected with 101 at PV1-44.
     */
    private static Timed admissionTime(MappingRun run, SegmentView pv1) throws Hl7MappingException {
        Timed admitted = Timed.of(run, pv1, 44);
        if (admitted == null && run.event() == AdtEvent.A01) {
            admitted = eventTime(run);
        }
        if (admitted == null) {
            throw run.error(Hl7ErrorCode.REQUIRED_FIELD_MISSING, pv1.at(44, 1, 1), "admit date/time missing");
        }
        return admitted;
    }

    /**
     * PV1-4, the admission type (table 0007), as the v3 ActPriority the Encounter carries: E (emergency) and A
     * (accident) are EM, U urgent UR, R routine R, C elective EL. The emergency-readmissions figure counts EM.
     * Other values (L labour and delivery, N newborn, local codes) say nothing about urgency and are left out.
     */
    static CodeableConcept admissionPriority(String value) {
        return switch (value) {
            case "E", "A" -> priority("EM", "emergency");
            case "U" -> priority("UR", "urgent");
            case "R" -> priority("R", "routine");
            case "C" -> priority("EL", "elective");
            default -> null;
        };
    }

    private static CodeableConcept priority(String code, String display) {
        return new CodeableConcept().addCoding(new Coding(ACT_PRIORITY, code, display));
    }

    /**
     * PV1-14. Table 0023's own codes (1 to 9) go in v2-0023; the two-digit codes English PAS systems send
     * are the NHS Data Dictionary's source of admission (UK Core); anything else is kept as text, because
     * a code in a table it is not in is refused by the validator.
     */
    static CodeableConcept admitSource(String value) {
        if (value.isEmpty()) {
            return null;
        }
        if (value.matches("[1-9]")) {
            return new CodeableConcept().addCoding(new Coding(ADMIT_SOURCE_TABLE, value, null));
        }
        if (value.matches("[0-9]{2}")) {
            return new CodeableConcept().addCoding(new Coding(UK_SOURCE_OF_ADMISSION, value, null));
        }
        return new CodeableConcept().setText(value);
    }

    private static Encounter.EncounterStatus status(AdtEvent event, Timed discharged) {
        return switch (event) {
            case A03 -> Encounter.EncounterStatus.FINISHED;
            case A11 -> Encounter.EncounterStatus.ENTEREDINERROR;
            case A08 -> discharged != null ? Encounter.EncounterStatus.FINISHED : Encounter.EncounterStatus.INPROGRESS;
            default -> Encounter.EncounterStatus.INPROGRESS;
        };
    }

    /**
     * PV1-45, and for A03 without it the event time (EVN-6, then EVN-2, then MSH-7): a discharge
     * always has an end, and these are the sender's own statements of when it happened.
     */
    private static Timed dischargeTime(MappingRun run, SegmentView pv1) throws Hl7MappingException {
        if (run.event() == AdtEvent.A13 || run.event() == AdtEvent.A11) {
            return null;
        }
        Timed discharged = Timed.of(run, pv1, 45);
        if (discharged != null || run.event() != AdtEvent.A03) {
            return discharged;
        }
        return eventTime(run);
    }

    /** When the sender says the event happened: EVN-6, then EVN-2, then MSH-7. */
    private static Timed eventTime(MappingRun run) throws Hl7MappingException {
        java.util.Optional<SegmentView> evn = run.message.first("EVN");
        if (evn.isPresent()) {
            Timed occurred = Timed.of(run, evn.get(), 6);
            if (occurred != null) {
                return occurred;
            }
            Timed recorded = Timed.of(run, evn.get(), 2);
            if (recorded != null) {
                return recorded;
            }
        }
        return Timed.of(run, run.message.require("MSH"), 7);
    }

    /** PV1-2 (table 0004) to the v3 ActCode encounter class. */
    private static Coding encounterClass(MappingRun run, SegmentView pv1) throws Hl7MappingException {
        String patientClass = pv1.get(2);
        return switch (patientClass) {
            case "I" -> new Coding(ACT_CODE, "IMP", "inpatient encounter");
            case "E" -> new Coding(ACT_CODE, "EMER", "emergency");
            case "O", "R", "C" -> new Coding(ACT_CODE, "AMB", "ambulatory");
            case "P" -> new Coding(ACT_CODE, "PRENC", "pre-admission");
            case "B" -> new Coding(ACT_CODE, "IMP", "inpatient encounter");
            case "", "N", "U" -> new Coding("http://terminology.hl7.org/CodeSystem/v3-NullFlavor", "UNK", "unknown");
            default -> throw run.error(
                    Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, pv1.at(2, 1, 1), "patient class is not in HL7 table 0004");
        };
    }

    /** A PL value as a display: ward, room and bed, with the site when given. */
    private static void addLocation(
            Encounter encounter, SegmentView pv1, int field, Encounter.EncounterLocationStatus status) {
        String display = locationDisplay(pv1, field);
        if (!display.isEmpty()) {
            encounter.addLocation().setStatus(status).setLocation(new Reference().setDisplay(display));
        }
    }

    static String locationDisplay(SegmentView pv1, int field) {
        StringBuilder text = new StringBuilder();
        append(text, pv1.get(field, 1, 1), "");
        append(text, pv1.get(field, 1, 2), "room ");
        append(text, pv1.get(field, 1, 3), "bed ");
        append(text, pv1.get(field, 1, 4, 1), "");
        return text.toString();
    }

    private static void append(StringBuilder text, String value, String label) {
        if (!value.isEmpty()) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(label).append(value);
        }
    }

    private static void addParticipant(
            MappingRun run, Encounter encounter, SegmentView pv1, int field, String type, String display) {
        for (int rep = 1; rep <= pv1.repetitions(field); rep++) {
            Reference practitioner = practitioner(run, pv1, field, rep);
            if (practitioner != null) {
                encounter
                        .addParticipant()
                        .addType(new CodeableConcept().addCoding(new Coding(PARTICIPATION_TYPE, type, display)))
                        .setIndividual(practitioner);
            }
        }
    }

    /** An XCN as a Practitioner identified by its id: GMC numbers nationally, others within the trust. */
    static Reference practitioner(MappingRun run, SegmentView segment, int field, int rep) {
        String id = segment.get(field, rep, 1);
        if (id.isEmpty()) {
            return null;
        }
        String authority = segment.get(field, rep, 9, 1);
        String system = "GMC".equalsIgnoreCase(authority)
                ? LinkwellSystems.GMC_NUMBER
                : LinkwellSystems.PRACTITIONER + run.facilitySlug;
        Practitioner practitioner = new Practitioner();
        practitioner.addIdentifier(TransactionBuilder.identifier(system, id));
        HumanName name = new HumanName();
        String family = segment.get(field, rep, 2, 1);
        String given = segment.get(field, rep, 3);
        String prefix = segment.get(field, rep, 6);
        if (!family.isEmpty()) {
            name.setFamily(family);
        }
        if (!given.isEmpty()) {
            name.addGiven(given);
        }
        if (!prefix.isEmpty()) {
            name.addPrefix(prefix);
        }
        if (!name.isEmpty()) {
            practitioner.addName(name);
        }
        Reference reference = run.transaction.put(practitioner, system, id);
        if (!name.isEmpty()) {
            reference.setDisplay(name.getNameAsSingleString());
        }
        return reference;
    }
}
