package uk.linkwell.gateway.ingest.hospital;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Settings of the hospital ADT feed, under {@code linkwell.hospital}. */
@ConfigurationProperties(prefix = "linkwell.hospital")
public record HospitalProperties(
        Discharge discharge,
        List<String> carerRelationshipCodes,
        List<String> riskObservationCodes,
        String localZone,
        Boolean allowPatientsWithoutNhsNumber) {

    public HospitalProperties {
        discharge = discharge == null ? new Discharge(null, null, null, null, null, null, null) : discharge;
        carerRelationshipCodes = carerRelationshipCodes == null ? List.of("CGV") : carerRelationshipCodes;
        riskObservationCodes = riskObservationCodes == null ? List.of("RISK") : riskObservationCodes;
        localZone = localZone == null ? "Europe/London" : localZone;
        allowPatientsWithoutNhsNumber = allowPatientsWithoutNhsNumber != null && allowPatientsWithoutNhsNumber;
    }

    /** Discharge to assess: where the pathway is carried and which discharges go to the care management team. */
    public record Discharge(
            String careTeamOdsCode,
            String careTeamName,
            String pathwayField,
            Map<String, String> pathwayValues,
            List<String> followUpPathways,
            Boolean rejectUnknownPathwayValues,
            String defaultPathway) {
        public Discharge {
            careTeamOdsCode = careTeamOdsCode == null ? "X26CMT" : careTeamOdsCode;
            pathwayField = pathwayField == null ? "ZDS-1" : pathwayField;
            pathwayValues = pathwayValues == null ? Map.of() : pathwayValues;
            followUpPathways = followUpPathways == null ? List.of("1", "2", "3") : followUpPathways;
            rejectUnknownPathwayValues = rejectUnknownPathwayValues == null || rejectUnknownPathwayValues;
            defaultPathway = defaultPathway == null || defaultPathway.isBlank() ? null : defaultPathway;
        }
    }
}
