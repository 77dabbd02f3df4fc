package uk.linkwell.mappings.hl7v2;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where in an HL7 v2 message each FHIR element the mappers write comes from, so that a refusal by the FHIR store
 * (a profile rule, a reference to nothing, an identity held twice) can name the segment and field the sender must
 * correct. Read as the longest match: {@code Encounter.period.end} is {@code PV1-45}, {@code Encounter.period}
 * {@code PV1-44/PV1-45}, a bare {@code Encounter} its segment.
 */
public final class FieldOrigins {

    private static final Map<String, String> ADT = new LinkedHashMap<>();
    private static final Map<String, String> REFERRAL = new LinkedHashMap<>();

    static {
        patient(ADT);
        ADT.put("Patient.link", "MRG-1");
        ADT.put("Encounter", "PV1");
        ADT.put("Encounter.identifier", "PV1-19");
        ADT.put("Encounter.class", "PV1-2");
        ADT.put("Encounter.priority", "PV1-4");
        ADT.put("Encounter.location", "PV1-3");
        ADT.put("Encounter.participant", "PV1-7/PV1-17");
        ADT.put("Encounter.period", "PV1-44/PV1-45");
        ADT.put("Encounter.period.start", "PV1-44");
        ADT.put("Encounter.period.end", "PV1-45");
        ADT.put("Encounter.hospitalization", "PV1-36/PV1-37");
        ADT.put("Encounter.hospitalization.dischargeDisposition", "PV1-36 and the discharge pathway field");
        ADT.put("Encounter.diagnosis", "DG1");
        ADT.put("Practitioner", "PV1-7/PV1-17");
        ADT.put("RelatedPerson", "NK1");
        ADT.put("Condition", "DG1");
        ADT.put("AllergyIntolerance", "AL1");
        ADT.put("Observation", "OBX");
        ADT.put("Observation.value", "OBX-5");
        ADT.put("Observation.effective", "OBX-14");
        ADT.put("DocumentReference", "OBX-5");
        ADT.put("Binary", "OBX-5");
        ADT.put("ServiceRequest", "PV1-36 and the discharge pathway field");
        ADT.put("Organization", "PD1-3");

        patient(REFERRAL);
        REFERRAL.put("ServiceRequest", "RF1");
        REFERRAL.put("ServiceRequest.identifier", "RF1-6");
        REFERRAL.put("ServiceRequest.priority", "RF1-2");
        REFERRAL.put("ServiceRequest.reasonCode", "RF1-10");
        REFERRAL.put("ServiceRequest.authoredOn", "RF1-7");
        REFERRAL.put("ServiceRequest.requester", "PRD-7 of the referring provider (RP)");
        REFERRAL.put("ServiceRequest.performer", "PRD-7 of the referred-to provider (RT)");
        REFERRAL.put("Task", "RF1");
        REFERRAL.put("Organization", "PRD-7");
        REFERRAL.put("Condition", "DG1");
    }

    private static void patient(Map<String, String> origins) {
        origins.put("Patient", "PID");
        origins.put("Patient.identifier", "PID-3");
        origins.put("Patient.name", "PID-5");
        origins.put("Patient.birthDate", "PID-7");
        origins.put("Patient.gender", "PID-8");
        origins.put("Patient.address", "PID-11");
        origins.put("Patient.telecom", "PID-13");
        origins.put("Patient.deceased", "PID-29/PID-30");
        origins.put("Patient.generalPractitioner", "PD1-3");
        origins.put("Patient.extension", "PID-32");
    }

    private FieldOrigins() {}

    /** The ADT message field an element of the ADT mapper's output comes from (a FHIRPath as validators give it). */
    public static Optional<String> adt(String element) {
        return lookUp(ADT, element);
    }

    /** The REF^I12 field an element of the referral mapper's output comes from. */
    public static Optional<String> referral(String element) {
        return lookUp(REFERRAL, element);
    }

    private static Optional<String> lookUp(Map<String, String> origins, String element) {
        if (element == null || element.isBlank()) {
            return Optional.empty();
        }
        // Validators write Encounter.period[0].end or Bundle.entry[2].resource.period: keep type and names only.
        String path = element.replaceAll("\\[[^]]*]", "")
                .replaceAll("\\.ofType\\([^)]*\\)", "")
                .replaceAll("\\.resolve\\(\\)", "");
        if (path.startsWith("Bundle.entry.resource.")) {
            path = path.substring("Bundle.entry.resource.".length());
        }
        while (!path.isEmpty()) {
            String origin = origins.get(path);
            if (origin != null) {
                return Optional.of(origin);
            }
            int dot = path.lastIndexOf('.');
            path = dot < 0 ? "" : path.substring(0, dot);
        }
        return Optional.empty();
    }
}
