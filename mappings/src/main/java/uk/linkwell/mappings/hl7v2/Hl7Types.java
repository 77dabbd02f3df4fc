package uk.linkwell.mappings.hl7v2;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.HumanName;

/** Converts HL7 v2 composite data types (XPN, XAD, XTN, CE/CWE) in a segment field to FHIR data types. */
final class Hl7Types {

    private Hl7Types() {}

    /** XPN repetitions: family, given names, prefix, suffix and the name type as use. */
    static List<HumanName> names(SegmentView s, int field) {
        List<HumanName> names = new ArrayList<>();
        for (int rep = 1; rep <= s.repetitions(field); rep++) {
            String family = s.get(field, rep, 1, 1);
            String given = s.get(field, rep, 2);
            String middle = s.get(field, rep, 3);
            if (family.isEmpty() && given.isEmpty()) {
                continue;
            }
            HumanName name = new HumanName();
            if (!family.isEmpty()) {
                name.setFamily(family);
            }
            if (!given.isEmpty()) {
                name.addGiven(given);
            }
            if (!middle.isEmpty()) {
                name.addGiven(middle);
            }
            addIfPresent(s.get(field, rep, 4), name::addSuffix);
            addIfPresent(s.get(field, rep, 5), name::addPrefix);
            HumanName.NameUse use = nameUse(s.get(field, rep, 7));
            if (use != null) {
                name.setUse(use);
            }
            names.add(name);
        }
        return names;
    }

    private static HumanName.NameUse nameUse(String type) {
        return switch (type) {
            case "L" -> HumanName.NameUse.OFFICIAL;
            case "D" -> HumanName.NameUse.USUAL;
            case "N" -> HumanName.NameUse.NICKNAME;
            case "M" -> HumanName.NameUse.MAIDEN;
            case "A" -> HumanName.NameUse.ANONYMOUS;
            default -> null;
        };
    }

    /** XAD repetitions: street lines, town, county, postcode, country and the address type as use. */
    static List<Address> addresses(SegmentView s, int field) {
        List<Address> addresses = new ArrayList<>();
        for (int rep = 1; rep <= s.repetitions(field); rep++) {
            Address address = new Address();
            // XAD-1 is SAD from v2.5 (street address & street name & dwelling number): one line.
            addIfPresent(
                    String.join(
                            " ", nonEmpty(s.get(field, rep, 1, 1), s.get(field, rep, 1, 3), s.get(field, rep, 1, 2))),
                    address::addLine);
            addIfPresent(s.get(field, rep, 2), address::addLine);
            setIfPresent(s.get(field, rep, 3), address::setCity);
            setIfPresent(s.get(field, rep, 4), address::setDistrict);
            setIfPresent(s.get(field, rep, 5), address::setPostalCode);
            setIfPresent(s.get(field, rep, 6), address::setCountry);
            if (address.isEmpty()) {
                continue;
            }
            switch (s.get(field, rep, 7)) {
                case "H" -> address.setUse(Address.AddressUse.HOME);
                case "B", "O" -> address.setUse(Address.AddressUse.WORK);
                case "C" -> address.setUse(Address.AddressUse.TEMP);
                case "M" -> address.setType(Address.AddressType.POSTAL);
                default -> {}
            }
            addresses.add(address);
        }
        return addresses;
    }

    /** XTN repetitions: e-mail when XTN-4 is set, else the number from XTN-1 or its parts. */
    static List<ContactPoint> telecoms(SegmentView s, int field, ContactPoint.ContactPointUse defaultUse) {
        List<ContactPoint> telecoms = new ArrayList<>();
        for (int rep = 1; rep <= s.repetitions(field); rep++) {
            String useCode = s.get(field, rep, 2);
            String equipment = s.get(field, rep, 3);
            String email = s.get(field, rep, 4);
            ContactPoint point = new ContactPoint();
            boolean isEmail = email.contains("@") || "NET".equals(useCode) || "Internet".equalsIgnoreCase(equipment);
            if (isEmail) {
                String value = email.contains("@") ? email : s.get(field, rep, 1);
                if (value.isEmpty()) {
                    continue;
                }
                point.setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(value);
            } else {
                String number = s.get(field, rep, 1);
                if (number.isEmpty()) {
                    number = (s.get(field, rep, 5) + " " + s.get(field, rep, 6) + " " + s.get(field, rep, 7)).trim();
                    String extension = s.get(field, rep, 8);
                    if (!extension.isEmpty()) {
                        number = number + " ext " + extension;
                    }
                }
                if (number.isEmpty()) {
                    continue;
                }
                point.setSystem(
                                "FX".equals(equipment)
                                        ? ContactPoint.ContactPointSystem.FAX
                                        : ContactPoint.ContactPointSystem.PHONE)
                        .setValue(number);
            }
            ContactPoint.ContactPointUse use =
                    switch (useCode) {
                        case "WPN" -> ContactPoint.ContactPointUse.WORK;
                        case "PRN", "ORN", "VHN" -> ContactPoint.ContactPointUse.HOME;
                        default -> defaultUse;
                    };
            if ("CP".equals(equipment) && !isEmail) {
                use = ContactPoint.ContactPointUse.MOBILE;
            }
            if (use != null) {
                point.setUse(use);
            }
            telecoms.add(point);
        }
        return telecoms;
    }

    /**
     * A CE/CWE value: code, text and coding system. Known coding system names become their FHIR URIs;
     * an unknown one leaves the coding without a system rather than inventing one.
     */
    static CodeableConcept concept(SegmentView s, int field, int rep, String defaultSystem) {
        String code = s.get(field, rep, 1);
        String text = s.get(field, rep, 2);
        String system = codingSystem(s.get(field, rep, 3));
        CodeableConcept concept = new CodeableConcept();
        if (!code.isEmpty()) {
            Coding coding = concept.addCoding().setCode(code);
            String chosen = system != null ? system : defaultSystem;
            if (chosen != null) {
                coding.setSystem(chosen);
            }
            if (!text.isEmpty()) {
                coding.setDisplay(text);
            }
        }
        if (!text.isEmpty()) {
            concept.setText(text);
        }
        return concept;
    }

    static String codingSystem(String hl7Name) {
        return switch (hl7Name.toUpperCase(Locale.ROOT)) {
            case "SCT", "SNOMED", "SNM", "SNOMEDCT", "SNOMED-CT" -> "http://snomed.info/sct";
            case "I10", "ICD10", "ICD-10", "I10UK" -> "http://hl7.org/fhir/sid/icd-10";
            case "I9", "I9C", "ICD9" -> "http://hl7.org/fhir/sid/icd-9-cm";
            case "LN", "LOINC" -> "http://loinc.org";
            case "UCUM" -> "http://unitsofmeasure.org";
            case "DMD" -> "https://dmd.nhs.uk";
            default -> null;
        };
    }

    private static java.util.List<String> nonEmpty(String... values) {
        return java.util.Arrays.stream(values).filter(v -> !v.isEmpty()).toList();
    }

    private static void addIfPresent(String value, java.util.function.Consumer<String> adder) {
        if (!value.isEmpty()) {
            adder.accept(value);
        }
    }

    private static void setIfPresent(String value, java.util.function.Consumer<String> setter) {
        if (!value.isEmpty()) {
            setter.accept(value);
        }
    }
}
