package uk.linkwell.mappings.hl7v2;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * DG1 to Condition (encounter diagnosis), AL1 to AllergyIntolerance and OBX (with following NTE) to
 * Observation, or for an embedded document (OBX-2 ED) to a DocumentReference and Binary
 * ({@link DocumentMapping}). Each is identified from the visit (or patient) and its code, so a resent
 * message updates the same resources.
 */
final class ClinicalMapping {

    private ClinicalMapping() {}

    /** Risk observations mapped from this message, in message order, for the discharge summary. */
    record RiskNote(Reference observation, String text) {}

    static void diagnoses(MappingRun run) throws Hl7MappingException {
        String system = LinkwellSystems.ENCOUNTER_DIAGNOSIS + run.facilitySlug;
        for (SegmentView dg1 : run.message.all("DG1")) {
            CodeableConcept code = Hl7Types.concept(dg1, 3, 1, null);
            if (code.isEmpty() && !dg1.get(4).isEmpty()) {
                // v2.3 senders often give only the description in DG1-4.
                code.setText(dg1.get(4));
            }
            if (code.isEmpty()) {
                continue;
            }
            String codeKey = !dg1.get(3).isEmpty() ? dg1.get(3) : "set-" + dg1.get(1);
            String value = run.visitOrPatientKey() + "-" + LinkwellSystems.slug(codeKey);
            Condition condition = new Condition();
            condition.addIdentifier(TransactionBuilder.identifier(system, value));
            condition.addCategory(new CodeableConcept()
                    .addCoding(new Coding(
                            "http://terminology.hl7.org/CodeSystem/condition-category",
                            "encounter-diagnosis",
                            "Encounter Diagnosis")));
            condition.setCode(code);
            condition.setSubject(run.patient.copy());
            if (run.encounter != null) {
                condition.setEncounter(run.encounter.copy());
            }
            String verification =
                    switch (dg1.get(6)) {
                        case "A", "W" -> "provisional";
                        case "F" -> "confirmed";
                        default -> null;
                    };
            if (verification != null) {
                condition.setVerificationStatus(new CodeableConcept()
                        .addCoding(new Coding(
                                "http://terminology.hl7.org/CodeSystem/condition-ver-status", verification, null)));
            }
            DateTimeType recorded = run.dateTime(dg1, 5);
            if (recorded != null) {
                condition.setRecordedDateElement(recorded);
            }
            run.transaction.put(condition, system, value);
        }
    }

    static void allergies(MappingRun run) throws Hl7MappingException {
        String system = LinkwellSystems.ALLERGY + run.facilitySlug;
        for (SegmentView al1 : run.message.all("AL1")) {
            CodeableConcept code = Hl7Types.concept(al1, 3, 1, null);
            if (code.isEmpty()) {
                continue;
            }
            String codeKey = !al1.get(3).isEmpty() ? al1.get(3) : al1.get(3, 2);
            String value = run.patientKey + "-" + LinkwellSystems.slug(codeKey);
            AllergyIntolerance allergy = new AllergyIntolerance();
            allergy.addIdentifier(TransactionBuilder.identifier(system, value));
            allergy.setClinicalStatus(new CodeableConcept()
                    .addCoding(new Coding(
                            "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active")));
            allergy.setCode(code);
            allergy.setPatient(run.patient.copy());
            switch (al1.get(2, 1)) {
                case "DA" -> allergy.addCategory(AllergyIntolerance.AllergyIntoleranceCategory.MEDICATION);
                case "FA" -> allergy.addCategory(AllergyIntolerance.AllergyIntoleranceCategory.FOOD);
                case "EA", "AA", "PA", "LA" -> allergy.addCategory(
                        AllergyIntolerance.AllergyIntoleranceCategory.ENVIRONMENT);
                default -> {}
            }
            switch (al1.get(4, 1)) {
                case "SV" -> allergy.setCriticality(AllergyIntolerance.AllergyIntoleranceCriticality.HIGH);
                case "MO", "MI" -> allergy.setCriticality(AllergyIntolerance.AllergyIntoleranceCriticality.LOW);
                case "U" -> allergy.setCriticality(AllergyIntolerance.AllergyIntoleranceCriticality.UNABLETOASSESS);
                default -> {}
            }
            for (int rep = 1; rep <= al1.repetitions(5); rep++) {
                String reaction = al1.get(5, rep, 1);
                if (!reaction.isEmpty()) {
                    allergy.addReaction().addManifestation(new CodeableConcept().setText(reaction));
                }
            }
            DateTimeType identified = run.dateTime(al1, 6);
            if (identified != null) {
                allergy.setOnset(identified);
            }
            run.transaction.put(allergy, system, value);
        }
    }

    /** OBX to Observation; NTE segments right after an OBX become its notes. Returns the risk incidents. */
    static List<RiskNote> observations(MappingRun run) throws Hl7MappingException {
        List<RiskNote> risks = new ArrayList<>();
        String system = LinkwellSystems.OBSERVATION + run.facilitySlug;
        List<SegmentView> segments = run.message.segments();
        for (int i = 0; i < segments.size(); i++) {
            SegmentView obx = segments.get(i);
            if (!obx.id().equals("OBX")) {
                continue;
            }
            if (DocumentMapping.isDocument(obx)) {
                // A document is kept as a DocumentReference and its Binary, not as an Observation of ED-1.
                DocumentMapping.map(run, obx, notes(segments, i));
                continue;
            }
            Observation observation = new Observation();
            CodeableConcept code = Hl7Types.concept(obx, 3, 1, null);
            if (code.isEmpty()) {
                code.setText("Note");
            }
            observation.setCode(code);
            boolean hasValue = setValue(run, observation, obx);
            notes(segments, i).forEach(note -> observation.addNote().setText(note));
            if (!hasValue && observation.getNote().isEmpty()) {
                continue;
            }
            String codeKey = obx.get(3).isEmpty() ? "note" : obx.get(3);
            String value = run.visitOrPatientKey() + "-" + LinkwellSystems.slug(codeKey) + "-"
                    + LinkwellSystems.slug(obx.get(1).isEmpty() ? String.valueOf(obx.sequence()) : obx.get(1));
            observation.addIdentifier(TransactionBuilder.identifier(system, value));
            observation.setStatus(status(obx.get(11)));
            observation.setSubject(run.patient.copy());
            if (run.encounter != null) {
                observation.setEncounter(run.encounter.copy());
            }
            DateTimeType effective = run.dateTime(obx, 14);
            if (effective != null) {
                observation.setEffective(effective);
            }
            boolean risk = run.config.riskObservationCodes().contains(obx.get(3));
            if (risk) {
                observation.addCategory(new CodeableConcept()
                        .addCoding(new Coding(
                                LinkwellSystems.OBSERVATION_CATEGORY, "risk-incident", "Significant risk incident")));
            }
            Reference reference = run.transaction.put(observation, system, value);
            if (risk) {
                risks.add(new RiskNote(reference, summary(observation)));
            }
        }
        return risks;
    }

    /** The texts of the NTE segments right after segment {@code index}. */
    private static List<String> notes(List<SegmentView> segments, int index) {
        List<String> notes = new ArrayList<>();
        for (int j = index + 1; j < segments.size() && segments.get(j).id().equals("NTE"); j++) {
            String note = segments.get(j).get(3);
            if (!note.isEmpty()) {
                notes.add(note);
            }
        }
        return notes;
    }

    private static boolean setValue(MappingRun run, Observation observation, SegmentView obx)
            throws Hl7MappingException {
        String raw = obx.get(5);
        if (raw.isEmpty()) {
            return false;
        }
        switch (obx.get(2)) {
            case "NM" -> {
                try {
                    Quantity quantity = new Quantity().setValue(new java.math.BigDecimal(raw));
                    String unit = obx.get(6);
                    if (!unit.isEmpty()) {
                        quantity.setUnit(unit);
                    }
                    observation.setValue(quantity);
                } catch (NumberFormatException e) {
                    throw run.error(
                            Hl7ErrorCode.DATA_TYPE_ERROR,
                            obx.at(5, 1, 1),
                            "OBX-2 says numeric but OBX-5 is not a number");
                }
            }
            case "CE", "CWE", "CNE" -> observation.setValue(Hl7Types.concept(obx, 5, 1, null));
            default -> observation.setValue(new StringType(joinRepetitions(obx, 5)));
        }
        return true;
    }

    private static String joinRepetitions(SegmentView segment, int field) {
        List<String> parts = new ArrayList<>();
        for (int rep = 1; rep <= segment.repetitions(field); rep++) {
            String value = segment.get(field, rep, 1);
            if (!value.isEmpty()) {
                parts.add(value);
            }
        }
        return String.join("\n", parts);
    }

    private static Observation.ObservationStatus status(String resultStatus) {
        return switch (resultStatus) {
            case "P", "R", "S", "I" -> Observation.ObservationStatus.PRELIMINARY;
            case "C" -> Observation.ObservationStatus.CORRECTED;
            case "D", "W" -> Observation.ObservationStatus.ENTEREDINERROR;
            case "X" -> Observation.ObservationStatus.CANCELLED;
            default -> Observation.ObservationStatus.FINAL;
        };
    }

    private static String summary(Observation observation) {
        StringBuilder text = new StringBuilder();
        if (observation.getValue() instanceof StringType s) {
            text.append(s.getValue());
        } else if (observation.getValue() instanceof CodeableConcept c) {
            text.append(c.hasText() ? c.getText() : c.getCodingFirstRep().getCode());
        }
        observation.getNote().forEach(n -> text.append(text.length() > 0 ? "; " : "")
                .append(n.getText()));
        return text.toString();
    }
}
