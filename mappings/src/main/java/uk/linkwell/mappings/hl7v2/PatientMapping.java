package uk.linkwell.mappings.hl7v2;

import java.util.Locale;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import uk.linkwell.mappings.NhsNumber;

/**
 * PID (and PD1, MRG) to Patient: the NHS number is the identity and is required (LinkwellPatient), the
 * hospital number only with {@code allowPatientsWithoutNhsNumber}; the registered GP practice becomes a
 * conditionally created Organization; A40 links the surviving and the replaced Patient.
 */
final class PatientMapping {

    /** PID-3 identifier type codes that name the trust's own patient number. */
    private static final Set<String> HOSPITAL_NUMBER_TYPES = Set.of("MR", "PI", "PT", "PN", "");

    private PatientMapping() {}

    /** The identity found in a CX list (PID-3 or MRG-1). */
    record PatientIdentity(String nhsNumber, String hospitalNumber) {
        String system(String facilitySlug) {
            return nhsNumber != null ? NhsNumber.SYSTEM : LinkwellSystems.HOSPITAL_NUMBER + facilitySlug;
        }

        String value() {
            return nhsNumber != null ? nhsNumber : hospitalNumber;
        }

        String key() {
            return nhsNumber != null ? "nhs-" + nhsNumber : "hn-" + LinkwellSystems.slug(hospitalNumber);
        }
    }

    static void map(MappingRun run) throws Hl7MappingException {
        SegmentView pid = run.message.require("PID");
        PatientIdentity identity = identity(run, pid, 3, "patient identifier (PID-3)");
        if (identity.nhsNumber() == null && !run.config.allowPatientsWithoutNhsNumber()) {
            // LinkwellPatient requires an NHS number: without one the gateway would refuse the Patient at
            // storage, so the message is rejected here with an error the sender can act on.
            throw run.error(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    pid.at(3, 1, 1),
                    "patient identifier (PID-3) has no NHS number");
        }
        Patient patient = new Patient();
        addIdentifiers(run, patient, identity, null);
        patient.setActive(true);
        patient.setName(Hl7Types.names(pid, 5));
        if (!patient.hasName()) {
            // LinkwellPatient requires a name.
            throw run.error(Hl7ErrorCode.REQUIRED_FIELD_MISSING, pid.at(5, 1, 1), "patient name (PID-5) missing");
        }
        patient.setBirthDateElement(run.date(pid, 7));
        Enumerations.AdministrativeGender gender = gender(pid.get(8));
        if (gender != null) {
            patient.setGender(gender);
        }
        patient.setAddress(Hl7Types.addresses(pid, 11));
        Hl7Types.telecoms(pid, 13, ContactPoint.ContactPointUse.HOME).forEach(patient::addTelecom);
        Hl7Types.telecoms(pid, 14, ContactPoint.ContactPointUse.WORK).forEach(patient::addTelecom);
        if (!pid.get(29).isEmpty()) {
            patient.setDeceased(run.dateTime(pid, 29));
        } else if ("Y".equals(pid.get(30))) {
            patient.setDeceased(new BooleanType(true));
        }
        run.message.first("PD1").ifPresent(pd1 -> registeredPractice(run, pd1, patient));

        String system = identity.system(run.facilitySlug);
        run.patient = TransactionBuilder.referenceTo("Patient", system, identity.value());
        run.patientKey = identity.key();
        if (run.event() == AdtEvent.A40) {
            merge(run, patient, identity);
        }
        run.transaction.put(patient, system, identity.value());
    }

    /** Reads the NHS number and the hospital number from a CX list; at least one must be there. */
    static PatientIdentity identity(MappingRun run, SegmentView segment, int field, String what)
            throws Hl7MappingException {
        String nhsNumber = null;
        String hospitalNumber = null;
        boolean anyId = false;
        for (int rep = 1; rep <= segment.repetitions(field); rep++) {
            String id = segment.get(field, rep, 1);
            if (id.isEmpty()) {
                continue;
            }
            anyId = true;
            String type = segment.get(field, rep, 5).toUpperCase(Locale.ROOT);
            String authority = segment.get(field, rep, 4, 1).toUpperCase(Locale.ROOT);
            if ("NH".equals(type) || "NHS".equals(authority) || "NHSNBR".equals(type)) {
                if (nhsNumber != null) {
                    continue;
                }
                String digits = NhsNumber.normalise(id);
                if (digits == null) {
                    throw run.error(
                            Hl7ErrorCode.DATA_TYPE_ERROR, segment.at(field, rep, 1), "NHS number must be ten digits");
                }
                if (!NhsNumber.isValid(digits)) {
                    throw run.error(
                            Hl7ErrorCode.DATA_TYPE_ERROR,
                            segment.at(field, rep, 1),
                            "NHS number fails the Modulus 11 check");
                }
                nhsNumber = digits;
            } else if (hospitalNumber == null && HOSPITAL_NUMBER_TYPES.contains(type)) {
                hospitalNumber = id;
            }
        }
        if (nhsNumber == null && hospitalNumber == null) {
            throw run.error(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                    segment.at(field, 1, 1),
                    anyId ? what + " has neither an NHS number nor a hospital number" : what + " missing");
        }
        return new PatientIdentity(nhsNumber, hospitalNumber);
    }

    private static void addIdentifiers(
            MappingRun run, Patient patient, PatientIdentity identity, Identifier.IdentifierUse use) {
        if (identity.nhsNumber() != null) {
            patient.addIdentifier(TransactionBuilder.identifier(NhsNumber.SYSTEM, identity.nhsNumber())
                    .setUse(use));
        }
        if (identity.hospitalNumber() != null) {
            patient.addIdentifier(TransactionBuilder.identifier(
                            LinkwellSystems.HOSPITAL_NUMBER + run.facilitySlug, identity.hospitalNumber())
                    .setUse(use));
        }
    }

    private static java.util.List<org.hl7.fhir.r4.model.HumanName> copyNames(Patient patient) {
        return patient.getName().stream()
                .map(org.hl7.fhir.r4.model.HumanName::copy)
                .toList();
    }

    static Enumerations.AdministrativeGender gender(String sex) {
        return switch (sex.toUpperCase(Locale.ROOT)) {
            case "M" -> Enumerations.AdministrativeGender.MALE;
            case "F" -> Enumerations.AdministrativeGender.FEMALE;
            case "O", "A" -> Enumerations.AdministrativeGender.OTHER;
            case "U", "N" -> Enumerations.AdministrativeGender.UNKNOWN;
                // Values outside table 0001 are left out rather than guessed.
            default -> null;
        };
    }

    /** PD1-3 (XON): the practice's ODS code is XON-10 from v2.5, XON-3 before. */
    private static void registeredPractice(MappingRun run, SegmentView pd1, Patient patient) {
        String ods = pd1.get(3, 1, 10);
        if (ods.isEmpty()) {
            ods = pd1.get(3, 1, 3);
        }
        if (ods.isEmpty()) {
            return;
        }
        String name = pd1.get(3, 1, 1);
        Organization practice = new Organization();
        practice.addIdentifier(TransactionBuilder.identifier(LinkwellSystems.ODS_ORGANIZATION, ods));
        if (!name.isEmpty()) {
            practice.setName(name);
        }
        Reference reference = run.transaction.createIfAbsent(practice, LinkwellSystems.ODS_ORGANIZATION, ods);
        reference.setIdentifier(TransactionBuilder.identifier(LinkwellSystems.ODS_ORGANIZATION, ods));
        if (!name.isEmpty()) {
            reference.setDisplay(name);
        }
        patient.addGeneralPractitioner(reference);
    }

    /**
     * A40: the surviving patient (PID) replaces the one in MRG-1, which becomes inactive. The old record
     * is written by conditional update too, so it holds only its identifiers and the link afterwards;
     * its earlier content stays in its version history.
     */
    private static void merge(MappingRun run, Patient surviving, PatientIdentity survivingIdentity)
            throws Hl7MappingException {
        SegmentView mrg = run.message.require("MRG");
        PatientIdentity old = identity(run, mrg, 1, "prior patient identifier (MRG-1)");
        String oldSystem = old.system(run.facilitySlug);
        boolean sameRecord = oldSystem.equals(survivingIdentity.system(run.facilitySlug))
                && old.value().equals(survivingIdentity.value());
        // Patients are stored by NHS number (LinkwellPatient requires one), so a prior identity with only a
        // hospital number cannot be a record of its own: it is an old number of the surviving record.
        boolean priorHasNoRecord = old.nhsNumber() == null && !run.config.allowPatientsWithoutNhsNumber();
        if (sameRecord || priorHasNoRecord) {
            // Same identity on both sides (e.g. two hospital numbers of one NHS number): one record already.
            if (old.hospitalNumber() != null && !old.hospitalNumber().equals(survivingIdentity.hospitalNumber())) {
                surviving.addIdentifier(TransactionBuilder.identifier(
                                LinkwellSystems.HOSPITAL_NUMBER + run.facilitySlug, old.hospitalNumber())
                        .setUse(Identifier.IdentifierUse.OLD));
            }
            return;
        }
        Reference oldReference = TransactionBuilder.referenceTo("Patient", oldSystem, old.value());
        surviving.addLink().setType(Patient.LinkType.REPLACES).setOther(oldReference);
        Patient replaced = new Patient();
        addIdentifiers(run, replaced, old, Identifier.IdentifierUse.OLD);
        // LinkwellPatient requires a name: MRG-7 (prior patient name) when sent, else the surviving name,
        // since a merge states that both records are the same person.
        java.util.List<org.hl7.fhir.r4.model.HumanName> priorNames = Hl7Types.names(mrg, 7);
        replaced.setName(priorNames.isEmpty() ? copyNames(surviving) : priorNames);
        replaced.setActive(false);
        replaced.addLink().setType(Patient.LinkType.REPLACEDBY).setOther(run.patient.copy());
        run.transaction.put(replaced, oldSystem, old.value());
    }
}
