package uk.linkwell.mappings.hl7v2;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.RelatedPerson;

/**
 * NK1 to RelatedPerson. A contact whose relationship (NK1-3) is one of the configured carer codes
 * also gets SNOMED CT 133932002 "Caregiver", which is how the care team finds carers to register.
 */
final class ContactMapping {

    static final String RELATIONSHIP_0063 = "http://terminology.hl7.org/CodeSystem/v2-0063";
    static final String CONTACT_ROLE_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131";
    static final String CAREGIVER_SNOMED = "133932002";

    private ContactMapping() {}

    static void map(MappingRun run) {
        String system = LinkwellSystems.RELATED_PERSON + run.facilitySlug;
        for (SegmentView nk1 : run.message.all("NK1")) {
            java.util.List<HumanName> names = Hl7Types.names(nk1, 2);
            if (names.isEmpty()) {
                continue;
            }
            RelatedPerson person = new RelatedPerson();
            // The identity is the contact's name under this patient, hashed so the identifier carries no name.
            String nameKey =
                    (names.get(0).getFamily() + "|" + names.get(0).getGivenAsSingleString()).toLowerCase(Locale.ROOT);
            String value = run.patientKey + "-contact-"
                    + UUID.nameUUIDFromBytes(nameKey.getBytes(StandardCharsets.UTF_8))
                            .toString()
                            .substring(0, 8);
            person.addIdentifier(TransactionBuilder.identifier(system, value));
            person.setActive(true);
            person.setPatient(run.patient.copy());
            person.setName(names);
            String relationship = nk1.get(3);
            if (!relationship.isEmpty()) {
                CodeableConcept concept = new CodeableConcept()
                        .addCoding(new Coding(RELATIONSHIP_0063, relationship, emptyToNull(nk1.get(3, 2))));
                if (run.config.carerRelationshipCodes().contains(relationship.toUpperCase(Locale.ROOT))) {
                    concept.addCoding(new Coding("http://snomed.info/sct", CAREGIVER_SNOMED, "Caregiver (person)"));
                }
                person.addRelationship(concept);
            }
            String role = nk1.get(7);
            if (!role.isEmpty()) {
                person.addRelationship(new CodeableConcept()
                        .addCoding(new Coding(CONTACT_ROLE_0131, role, emptyToNull(nk1.get(7, 2)))));
            }
            person.setAddress(Hl7Types.addresses(nk1, 4));
            Hl7Types.telecoms(nk1, 5, ContactPoint.ContactPointUse.HOME).forEach(person::addTelecom);
            Hl7Types.telecoms(nk1, 6, ContactPoint.ContactPointUse.WORK).forEach(person::addTelecom);
            run.transaction.put(person, system, value);
        }
    }

    private static String emptyToNull(String value) {
        return value.isEmpty() ? null : value;
    }
}
