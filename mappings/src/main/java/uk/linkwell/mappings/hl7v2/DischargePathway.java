package uk.linkwell.mappings.hl7v2;

/** The DHSC "discharge to assess" pathways a hospital discharge is put on. */
public enum DischargePathway {
  PATHWAY_0("0", "Pathway 0: home, no new support"),
  PATHWAY_1("1", "Pathway 1: home with new support"),
  PATHWAY_2("2", "Pathway 2: rehabilitation or short-term bed"),
  PATHWAY_3("3", "Pathway 3: care home");

  /** CodeSystem of the pathway codes, described in the mappings README. */
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

  public String display() {
    return display;
  }

  /** The pathway for "0" to "3", as written in configuration. */
  public static DischargePathway ofCode(String code) {
    for (DischargePathway pathway : values()) {
      if (pathway.code.equals(code)) {
        return pathway;
      }
    }
    throw new IllegalArgumentException("pathway codes are 0, 1, 2 and 3");
  }
}
