package uk.linkwell.mappings.hl7v2;

import java.util.Locale;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.mappings.NhsNumber;

/**
 * PID (and PD1) of a referral to Patient, keyed by NHS number, which is required: a GP always knows it and
 * LinkwellPatient demands it. The registered practice is PD1-3 by ODS code, else the referring practice.
 */
final class ReferralPatientMapping {

    private ReferralPatientMapping() {}

    /** Adds the Patient (conditional update by NHS number) and returns a reference to it. */
    static Reference map(ReferralMessage message, TransactionBuilder transaction, ReferralProvider referrer)
            throws Hl7MappingException {
        SegmentView pid = message.require("PID", "a referral needs its patient");
        String nhsNumber = nhsNumber(message);
        Patient patient = new Patient();
        patient.addIdentifier(TransactionBuilder.identifier(NhsNumber.SYSTEM, nhsNumber));
        patient.setActive(true);
        patient.setName(Hl7Types.names(pid, 5));
        if (!patient.hasName()) {
            throw message.error(Hl7ErrorCode.REQUIRED_FIELD_MISSING, pid.at(5, 1, 1), "patient name (PID-5) missing");
        }
        try {
            String birthDate = Hl7Time.date(pid.get(7, 1, 1));
            if (birthDate != null) {
                patient.setBirthDateElement(new DateType(birthDate));
            }
        } catch (RuntimeException e) {
            throw message.error(Hl7ErrorCode.DATA_TYPE_ERROR, pid.at(7, 1, 1), "not a valid HL7 date");
        }
        Enumerations.AdministrativeGender gender = PatientMapping.gender(pid.get(8));
        if (gender != null) {
            patient.setGender(gender);
        }
        patient.setAddress(Hl7Types.addresses(pid, 11));
        Hl7Types.telecoms(pid, 13, ContactPoint.ContactPointUse.HOME).forEach(patient::addTelecom);
        Hl7Types.telecoms(pid, 14, ContactPoint.ContactPointUse.WORK).forEach(patient::addTelecom);
        patient.addGeneralPractitioner(registeredPractice(message, referrer).addTo(transaction));
        transaction.put(patient, NhsNumber.SYSTEM, nhsNumber);
        return TransactionBuilder.referenceTo("Patient", NhsNumber.SYSTEM, nhsNumber);
    }

    /**
     * The first PID-3 repetition typed NH / NHSNBR or assigned by NHS, checked with Modulus 11. Checked
     * before anything else in the message, since without it nothing can be stored.
     */
    static String nhsNumber(ReferralMessage message) throws Hl7MappingException {
        SegmentView pid = message.require("PID", "a referral needs its patient");
        for (int rep = 1; rep <= pid.repetitions(3); rep++) {
            String id = pid.get(3, rep, 1);
            String type = pid.get(3, rep, 5).toUpperCase(Locale.ROOT);
            String authority = pid.get(3, rep, 4, 1).toUpperCase(Locale.ROOT);
            if (id.isEmpty() || !("NH".equals(type) || "NHSNBR".equals(type) || "NHS".equals(authority))) {
                continue;
            }
            String digits = NhsNumber.normalise(id);
            if (digits == null) {
                throw message.error(Hl7ErrorCode.DATA_TYPE_ERROR, pid.at(3, rep, 1), "NHS number must be ten digits");
            }
            if (!NhsNumber.isValid(digits)) {
                throw message.error(
                        Hl7ErrorCode.DATA_TYPE_ERROR, pid.at(3, rep, 1), "NHS number fails the Modulus 11 check");
            }
            return digits;
        }
        throw message.error(
                Hl7ErrorCode.REQUIRED_FIELD_MISSING, pid.at(3, 1, 1), "patient identifier (PID-3) has no NHS number");
    }

    /** PD1-3 (XON-10 from v2.5, XON-3 before) when sent; otherwise the referring practice is the GP. */
    private static ReferralProvider registeredPractice(ReferralMessage message, ReferralProvider referrer) {
        return message.first("PD1")
                .map(pd1 -> {
                    String ods = pd1.get(3, 1, 10).isEmpty() ? pd1.get(3, 1, 3) : pd1.get(3, 1, 10);
                    return ods.isEmpty()
                            ? referrer
                            : new ReferralProvider(ods.toUpperCase(Locale.ROOT), pd1.get(3, 1, 1));
                })
                .orElse(referrer);
    }
}
