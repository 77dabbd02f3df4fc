package uk.linkwell.gateway.ingest.hospital;

import io.netty.channel.ChannelHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.camel.component.hl7.HL7MLLPNettyEncoderFactory;
import org.apache.camel.component.netty.ChannelHandlerFactory;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
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

    /**
     * MLLP de-framing that hands the route the exact bytes (no decoding, no LF to CR rewriting) and holds the size
     * limit while it reads.
     */
    @Bean
    public ChannelHandlerFactory hospitalMllpDecoder(HospitalProperties properties) {
        return new MllpFrameDecoder.Factory(properties.mllp().maxMessageBytes());
    }

    /** Signals a connection with nothing sent or received for {@code idle-timeout}; the decoder closes it. */
    @Bean
    public ChannelHandlerFactory hospitalMllpIdleTimeout(HospitalProperties properties) {
        long millis = properties.mllp().idleTimeout().toMillis();
        return new DefaultChannelHandlerFactory() {
            @Override
            public ChannelHandler newChannelHandler() {
                return new IdleStateHandler(0, 0, millis, TimeUnit.MILLISECONDS);
            }
        };
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
