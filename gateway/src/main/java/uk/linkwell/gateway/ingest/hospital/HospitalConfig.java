package uk.linkwell.gateway.ingest.hospital;

import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.mappings.hl7v2.AdtMapper;
import uk.linkwell.mappings.hl7v2.AdtMappingConfig;
import uk.linkwell.mappings.hl7v2.DischargePathway;

/** The ADT mapper as configured under {@code linkwell.hospital}. */
@Configuration
public class HospitalConfig {

    @Bean
    public AdtMapper adtMapper(HospitalProperties properties) {
        return new AdtMapper(mappingConfig(properties));
    }

    static AdtMappingConfig mappingConfig(HospitalProperties properties) {
        HospitalProperties.Discharge discharge = properties.discharge();
        AdtMappingConfig.Builder builder = AdtMappingConfig.builder()
                .careTeam(discharge.careTeamOdsCode(), discharge.careTeamName())
                .pathwayField(discharge.pathwayField())
                .followUpPathways(discharge.followUpPathways().stream()
                        .map(DischargePathway::ofCode)
                        .collect(Collectors.toSet()))
                .rejectUnknownPathwayValues(discharge.rejectUnknownPathwayValues())
                .carerRelationshipCodes(Set.copyOf(properties.carerRelationshipCodes()))
                .riskObservationCodes(Set.copyOf(properties.riskObservationCodes()))
                .localZone(ZoneId.of(properties.localZone()))
                .allowPatientsWithoutNhsNumber(properties.allowPatientsWithoutNhsNumber());
        if (!discharge.pathwayValues().isEmpty()) {
            Map<String, DischargePathway> values = new LinkedHashMap<>();
            discharge.pathwayValues().forEach((value, pathway) -> values.put(value, DischargePathway.ofCode(pathway)));
            builder.pathwayValues(values);
        }
        if (discharge.defaultPathway() != null) {
            builder.defaultDischargePathway(DischargePathway.ofCode(discharge.defaultPathway()));
        }
        return builder.build();
    }
}
