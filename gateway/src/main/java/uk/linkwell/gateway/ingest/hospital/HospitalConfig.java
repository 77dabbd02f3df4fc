package uk.linkwell.gateway.ingest.hospital;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.component.hl7.HL7MLLPNettyDecoderFactory;
import org.apache.camel.component.hl7.HL7MLLPNettyEncoderFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.mappings.hl7v2.AdtMapper;
import uk.linkwell.mappings.hl7v2.AdtMappingConfig;
import uk.linkwell.mappings.hl7v2.DischargePathway;

/** The ADT mapper as configured under {@code linkwell.hospital}, and the MLLP framing for the listener. */
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

    /** MLLP de-framing that hands the route the exact bytes (no decoding, no LF to CR rewriting). */
    @Bean
    public HL7MLLPNettyDecoderFactory hospitalMllpDecoder() {
        HL7MLLPNettyDecoderFactory decoder = new HL7MLLPNettyDecoderFactory();
        decoder.setProduceString(false);
        decoder.setConvertLFtoCR(false);
        decoder.setCharset(StandardCharsets.ISO_8859_1);
        return decoder;
    }

    /** MLLP framing of the ACKs, which the route builds as bytes. */
    @Bean
    public HL7MLLPNettyEncoderFactory hospitalMllpEncoder() {
        HL7MLLPNettyEncoderFactory encoder = new HL7MLLPNettyEncoderFactory();
        encoder.setConvertLFtoCR(false);
        encoder.setCharset(StandardCharsets.UTF_8);
        return encoder;
    }
}
