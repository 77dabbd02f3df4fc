package uk.linkwell.mappings.hl7v2;

import java.util.Locale;

/**
 * The identifier systems and code systems the ADT mapper writes. Local identifiers are scoped by the
 * sending facility (MSH-4.1) because hospital and visit numbers are only unique within one trust.
 */
public final class LinkwellSystems {

    public static final String ODS_ORGANIZATION = "https://fhir.nhs.uk/Id/ods-organization-code";
    public static final String GMC_NUMBER = "https://fhir.hl7.org.uk/Id/gmc-number";
    public static final String BASE = "https://fhir.linkwell.example";
    public static final String MESSAGE_CONTROL_ID = BASE + "/Id/hl7v2-message/";
    public static final String HOSPITAL_NUMBER = BASE + "/Id/hospital-number/";
    public static final String VISIT_NUMBER = BASE + "/Id/visit-number/";
    public static final String PRACTITIONER = BASE + "/Id/practitioner/";
    public static final String ENCOUNTER_DIAGNOSIS = BASE + "/Id/encounter-diagnosis/";
    public static final String ALLERGY = BASE + "/Id/allergy/";
    public static final String RELATED_PERSON = BASE + "/Id/related-person/";
    public static final String OBSERVATION = BASE + "/Id/adt-observation/";
    /** Documents embedded in OBX (value type ED): visit (or patient), OBX-3 code and OBX-1 set id. */
    public static final String HL7_DOCUMENT = BASE + "/Id/hl7-document/";

    public static final String DISCHARGE_REFERRAL = BASE + "/Id/discharge-referral/";
    public static final String OBSERVATION_CATEGORY = BASE + "/CodeSystem/observation-category";

    private LinkwellSystems() {}

    /**
     * A sending facility made safe for a URL path segment: upper case, anything but letters, digits,
     * '-', '.' and '_' replaced by '-'. "Royal Infirmary" becomes "ROYAL-INFIRMARY".
     */
    public static String facilitySlug(String facility) {
        return slug(facility).toUpperCase(Locale.ROOT);
    }

    /** Text made safe for an identifier value used in a search URL. */
    static String slug(String text) {
        String cleaned = text.trim().replaceAll("[^A-Za-z0-9._-]+", "-");
        return cleaned.isEmpty() ? "-" : cleaned;
    }
}
