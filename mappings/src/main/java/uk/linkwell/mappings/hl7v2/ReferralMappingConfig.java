package uk.linkwell.mappings.hl7v2;

import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.hl7.fhir.r4.model.Coding;

/**
 * How a REF^I12 becomes a Linkwell referral: which referrals are to social prescribing (by receiving
 * service, RF1-3 referral type or RF1-5 referral category), the zone of times without an offset, and the
 * assessment due dates. Immutable; build with {@link #builder()}.
 */
public final class ReferralMappingConfig {

    public static final String SNOMED = "http://snomed.info/sct";
    /** SNOMED CT 871731000000106, what NHS England's social prescribing guidance codes a referral as. */
    public static final Coding SOCIAL_PRESCRIBING =
            new Coding(SNOMED, "871731000000106", "Referral to social prescribing service");
    /** SNOMED CT 3457005, for every referral no rule names. */
    public static final Coding PATIENT_REFERRAL = new Coding(SNOMED, "3457005", "Patient referral");

    private final Map<String, Coding> receivingServiceCodes;
    private final Map<String, Coding> referralTypeCodes;
    private final Map<String, Coding> referralCategoryCodes;
    private final Coding defaultCode;
    private final ZoneId localZone;
    private final int routineDueDays;

    private ReferralMappingConfig(Builder b) {
        this.receivingServiceCodes = Map.copyOf(b.receivingServiceCodes);
        this.referralTypeCodes = Map.copyOf(b.referralTypeCodes);
        this.referralCategoryCodes = Map.copyOf(b.referralCategoryCodes);
        this.defaultCode = b.defaultCode;
        this.localZone = b.localZone;
        this.routineDueDays = b.routineDueDays;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The defaults: RF1-3 {@code SP} is social prescribing, everything else a patient referral. */
    public static ReferralMappingConfig defaults() {
        return builder().build();
    }

    /**
     * The ServiceRequest code: the receiving service's ODS code first (a link worker service receives only
     * social prescribing referrals), then RF1-3, then RF1-5, then the default.
     */
    Coding codeFor(String receivingOds, String referralType, String referralCategory) {
        Coding found = receivingServiceCodes.get(key(receivingOds));
        if (found == null) {
            found = referralTypeCodes.get(key(referralType));
        }
        if (found == null) {
            found = referralCategoryCodes.get(key(referralCategory));
        }
        return (found == null ? defaultCode : found).copy();
    }

    public ZoneId localZone() {
        return localZone;
    }

    /** Days from receipt to the initial assessment's due date for a routine referral (urgent: 0). */
    public int routineDueDays() {
        return routineDueDays;
    }

    private static String key(String value) {
        return value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
    }

    /** Builder; every rule is optional. */
    public static final class Builder {
        private final Map<String, Coding> receivingServiceCodes = new LinkedHashMap<>();
        private final Map<String, Coding> referralTypeCodes = new LinkedHashMap<>();
        private final Map<String, Coding> referralCategoryCodes = new LinkedHashMap<>();
        private Coding defaultCode = PATIENT_REFERRAL;
        private ZoneId localZone = ZoneId.of("Europe/London");
        private int routineDueDays = 3;

        private Builder() {
            referralTypeCodes.put("SP", SOCIAL_PRESCRIBING);
        }

        /** Referrals to this receiving service (PRD role RT, by ODS code) get this code. */
        public Builder receivingServiceCode(String odsCode, Coding code) {
            receivingServiceCodes.put(key(odsCode), Objects.requireNonNull(code));
            return this;
        }

        /** Referrals with this RF1-3 referral type (first component) get this code. */
        public Builder referralTypeCode(String rf1Type, Coding code) {
            referralTypeCodes.put(key(rf1Type), Objects.requireNonNull(code));
            return this;
        }

        /** Referrals with this RF1-5 referral category (first component) get this code. */
        public Builder referralCategoryCode(String rf1Category, Coding code) {
            referralCategoryCodes.put(key(rf1Category), Objects.requireNonNull(code));
            return this;
        }

        public Builder defaultCode(Coding code) {
            this.defaultCode = Objects.requireNonNull(code);
            return this;
        }

        public Builder localZone(ZoneId zone) {
            this.localZone = Objects.requireNonNull(zone);
            return this;
        }

        public Builder routineDueDays(int days) {
            if (days < 0) {
                throw new IllegalArgumentException("routineDueDays must not be negative");
            }
            this.routineDueDays = days;
            return this;
        }

        public ReferralMappingConfig build() {
            return new ReferralMappingConfig(this);
        }
    }
}
