package uk.linkwell.mappings.hl7v2;

import java.time.ZoneId;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a deployment decides about ADT mapping: where the sending trust carries the discharge-to-assess
 * pathway, which values mean which pathway, which pathways need social-care follow-up, which care
 * management team receives it, and how carers and risk observations are recognised. Immutable.
 */
public final class AdtMappingConfig {

    private final FieldLocator pathwayField;
    private final Map<String, DischargePathway> pathwayValues;
    private final Set<DischargePathway> followUpPathways;
    private final boolean rejectUnknownPathwayValues;
    private final String careTeamOdsCode;
    private final String careTeamName;
    private final Set<String> carerRelationshipCodes;
    private final Set<String> riskObservationCodes;
    private final ZoneId localZone;
    private final DischargePathway defaultDischargePathway;
    private final boolean allowPatientsWithoutNhsNumber;

    private AdtMappingConfig(Builder b) {
        this.pathwayField = Objects.requireNonNull(b.pathwayField, "pathwayField");
        this.pathwayValues = Map.copyOf(b.pathwayValues);
        this.followUpPathways = Set.copyOf(b.followUpPathways);
        this.rejectUnknownPathwayValues = b.rejectUnknownPathwayValues;
        this.careTeamOdsCode = requireText(b.careTeamOdsCode, "careTeamOdsCode");
        this.careTeamName = b.careTeamName;
        this.carerRelationshipCodes = Set.copyOf(b.carerRelationshipCodes);
        this.riskObservationCodes = Set.copyOf(b.riskObservationCodes);
        this.localZone = Objects.requireNonNull(b.localZone, "localZone");
        this.defaultDischargePathway = b.defaultDischargePathway;
        this.allowPatientsWithoutNhsNumber = b.allowPatientsWithoutNhsNumber;
    }

    /** A builder with the defaults the README lists; only the care team's ODS code has no default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Where the pathway value is read from, e.g. PV1-36 or ZDS-1. */
    public FieldLocator pathwayField() {
        return pathwayField;
    }

    /** Message value (compared trimmed and upper-cased) to pathway. */
    public Map<String, DischargePathway> pathwayValues() {
        return pathwayValues;
    }

    public Set<DischargePathway> followUpPathways() {
        return followUpPathways;
    }

    /**
     * Whether a non-empty pathway value that is not in {@link #pathwayValues()} rejects the message
     * (error 103). True by default: dropping a discharge that needed follow-up is worse than a rejected
     * message someone has to look at.
     */
    public boolean rejectUnknownPathwayValues() {
        return rejectUnknownPathwayValues;
    }

    public String careTeamOdsCode() {
        return careTeamOdsCode;
    }

    /** Display name of the care management team, or null. */
    public String careTeamName() {
        return careTeamName;
    }

    /** NK1-3 relationship codes that mean the contact is the person's carer (default CGV, table 0063). */
    public Set<String> carerRelationshipCodes() {
        return carerRelationshipCodes;
    }

    /** OBX-3 identifiers whose observations are significant risk incidents for the transfer summary. */
    public Set<String> riskObservationCodes() {
        return riskObservationCodes;
    }

    /** Zone for HL7 times that carry no offset; Europe/London by default. */
    public ZoneId localZone() {
        return localZone;
    }

    /**
     * The pathway a finished encounter gets when the message carries none (or, with
     * {@link #rejectUnknownPathwayValues()} false, an unknown one), and with it the follow-up that pathway
     * has. Empty by default: such a discharge is still mapped (the encounter finishes, without a
     * disposition) but makes no follow-up referral, because guessing "home, no new support" could drop a
     * discharge that needed social care and guessing a pathway with support could send the care team to
     * someone who needs none. Either way the Bundle carries a
     * {@link uk.linkwell.mappings.MappingNotes#DISCHARGE_PATHWAY_MISSING} note.
     */
    public java.util.Optional<DischargePathway> defaultDischargePathway() {
        return java.util.Optional.ofNullable(defaultDischargePathway);
    }

    /**
     * Whether a PID without an NHS number maps (identified by the hospital number) instead of being rejected
     * with 101 at PID-3. False by default: the gateway validates every Patient against LinkwellPatient,
     * which requires an NHS number, so such a Patient is refused at storage while validation is on.
     */
    public boolean allowPatientsWithoutNhsNumber() {
        return allowPatientsWithoutNhsNumber;
    }

    DischargePathway pathwayFor(String value) {
        return pathwayValues.get(value.trim().toUpperCase(java.util.Locale.ROOT));
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value.trim();
    }

    /** Builds an {@link AdtMappingConfig}; each setter replaces the default. */
    public static final class Builder {
        private FieldLocator pathwayField = FieldLocator.parse("ZDS-1");
        private final Map<String, DischargePathway> pathwayValues = new LinkedHashMap<>(Map.of(
                "0",
                DischargePathway.PATHWAY_0,
                "1",
                DischargePathway.PATHWAY_1,
                "2",
                DischargePathway.PATHWAY_2,
                "3",
                DischargePathway.PATHWAY_3));
        private Set<DischargePathway> followUpPathways =
                EnumSet.of(DischargePathway.PATHWAY_1, DischargePathway.PATHWAY_2, DischargePathway.PATHWAY_3);
        private boolean rejectUnknownPathwayValues = true;
        private String careTeamOdsCode;
        private String careTeamName;
        private Set<String> carerRelationshipCodes = Set.of("CGV");
        private Set<String> riskObservationCodes = Set.of("RISK");
        private ZoneId localZone = ZoneId.of("Europe/London");
        private DischargePathway defaultDischargePathway;
        private boolean allowPatientsWithoutNhsNumber;

        private Builder() {}

        public Builder pathwayField(String locator) {
            this.pathwayField = FieldLocator.parse(locator);
            return this;
        }

        /** Replaces the value table; keys are compared trimmed and upper-cased. */
        public Builder pathwayValues(Map<String, DischargePathway> values) {
            pathwayValues.clear();
            values.forEach((k, v) -> pathwayValues.put(k.trim().toUpperCase(java.util.Locale.ROOT), v));
            return this;
        }

        public Builder followUpPathways(Set<DischargePathway> pathways) {
            this.followUpPathways = Set.copyOf(pathways);
            return this;
        }

        public Builder rejectUnknownPathwayValues(boolean reject) {
            this.rejectUnknownPathwayValues = reject;
            return this;
        }

        public Builder careTeam(String odsCode, String name) {
            this.careTeamOdsCode = odsCode;
            this.careTeamName = name;
            return this;
        }

        public Builder carerRelationshipCodes(Set<String> codes) {
            this.carerRelationshipCodes = Set.copyOf(codes);
            return this;
        }

        public Builder riskObservationCodes(Set<String> codes) {
            this.riskObservationCodes = Set.copyOf(codes);
            return this;
        }

        public Builder localZone(ZoneId zone) {
            this.localZone = zone;
            return this;
        }

        /** The pathway for a discharge that states none; null (the default): mapped without one, no follow-up. */
        public Builder defaultDischargePathway(DischargePathway pathway) {
            this.defaultDischargePathway = pathway;
            return this;
        }

        public Builder allowPatientsWithoutNhsNumber(boolean allow) {
            this.allowPatientsWithoutNhsNumber = allow;
            return this;
        }

        public AdtMappingConfig build() {
            return new AdtMappingConfig(this);
        }
    }
}
