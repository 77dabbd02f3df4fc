package uk.linkwell.gateway.ingest.gp;

import java.time.ZoneId;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import uk.linkwell.mappings.hl7v2.ReferralMapper;
import uk.linkwell.mappings.hl7v2.ReferralMappingConfig;

/** The REF^I12 referral mapper as configured under {@code linkwell.referral}. */
@Configuration
public class GpReferralFeedConfig {

    @Bean
    public ReferralMapper referralMapper(GpReferralProperties properties) {
        return new ReferralMapper(mappingConfig(properties));
    }

    static ReferralMappingConfig mappingConfig(GpReferralProperties properties) {
        ReferralMappingConfig.Builder builder = ReferralMappingConfig.builder()
                .routineDueDays(properties.routineDueDays())
                .localZone(ZoneId.of(properties.localZone()));
        properties
                .socialPrescribingServices()
                .forEach(ods -> builder.receivingServiceCode(ods, ReferralMappingConfig.SOCIAL_PRESCRIBING));
        properties
                .socialPrescribingReferralTypes()
                .forEach(type -> builder.referralTypeCode(type, ReferralMappingConfig.SOCIAL_PRESCRIBING));
        properties
                .socialPrescribingReferralCategories()
                .forEach(category -> builder.referralCategoryCode(category, ReferralMappingConfig.SOCIAL_PRESCRIBING));
        return builder.build();
    }
}
