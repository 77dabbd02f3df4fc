package uk.linkwell.gateway.ingest.gp;

import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.mllp.Hl7v2Translator;
import uk.linkwell.mappings.hl7v2.FieldOrigins;
import uk.linkwell.mappings.hl7v2.ReferralMapper;

/** Translates stored GP referrals (REF^I12) with the referral mapper, for the ingest worker. */
@Component
public class ReferralTranslator extends Hl7v2Translator {

    public ReferralTranslator(ReferralMapper mapper) {
        super(ReferralReception.SOURCE, mapper::map, FieldOrigins::referral);
    }
}
