package uk.linkwell.mappings.hl7v2;

/** The DHSC "discharge to assess" pathways a hospital discharge is put on. */
public enum DischargePathway {
    PATHWAY_0("0", "Pathway 0: home, no new support"),
    PATHWAY_1("1", "Pathway 1: home with new support"),
    PATHWAY_2("2", "Pathway 2: rehabilitation or short-term bed"),
    PATHWAY_3("3", "Pathway 3: care home");

    /** The Linkwell package's CodeSystem (codes pathway-0 to pathway-3), bound to Encounter.hospitalization.dischargeDisposition. */
    public static final String SYSTEM = "https://fhir.linkwell.example/CodeSystem/discharge-pathway";

    private final String code;
    private final String display;

    DischargePathway(String code, String display) {
        this.code = code;
        this.display = display;
    }

    public String code() {
        return code;
    }

    /** The code in {@link #SYSTEM}, e.g. {@code pathway-1}. */
    public String fhirCode() {
        return "pathway-" + code;
    }

    /** The display {@link #SYSTEM} gives {@link #fhirCode()}, e.g. {@code Pathway 1}. */
    public String fhirDisplay() {
        return "Pathway " + code;
    }

    /** A description for people, e.g. in the transfer summary. */
    public String display() {
        return display;
    }

    /** The pathway for "0" to "3" (configuration's spelling; see {@link #fhirCode()} for the FHIR code). */
    public static DischargePathway ofCode(String code) {
        for (DischargePathway pathway : values()) {
            if (pathway.code.equals(code)) {
                return pathway;
            }
        }
        throw new IllegalArgumentException("pathway codes are 0, 1, 2 and 3");
    }
}
