package uk.linkwell.gateway.ingest.gp;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** How GP referrals (HL7 v2 REF^I12 over MLLP) become Linkwell referrals, under {@code linkwell.referral}. */
@ConfigurationProperties(prefix = "linkwell.referral")
public record GpReferralProperties(
        List<String> socialPrescribingServices,
        List<String> socialPrescribingReferralTypes,
        List<String> socialPrescribingReferralCategories,
        Integer routineDueDays,
        String localZone) {

    public GpReferralProperties {
        socialPrescribingServices = socialPrescribingServices == null ? List.of() : socialPrescribingServices;
        socialPrescribingReferralTypes =
                socialPrescribingReferralTypes == null ? List.of() : socialPrescribingReferralTypes;
        socialPrescribingReferralCategories =
                socialPrescribingReferralCategories == null ? List.of() : socialPrescribingReferralCategories;
        routineDueDays = routineDueDays == null ? 3 : routineDueDays;
        localZone = localZone == null || localZone.isBlank() ? "Europe/London" : localZone;
    }
}
