package uk.linkwell.gateway.ingest.gp;

import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.mllp.MllpInbound;
import uk.linkwell.mappings.hl7v2.ReferralMapper;

/**
 * GP referrals on the MLLP listener: REF messages (I12 is mapped, other events are refused), checked with the
 * referral mapper and stored as {@value #SOURCE}, under the same store-then-ACK rules as the hospital feed.
 */
@Component
public class ReferralReception extends MllpInbound {

    public static final String SOURCE = "gp-referral-mllp";

    public ReferralReception(ReferralMapper mapper) {
        super(
                "REF",
                SOURCE,
                mapper::map,
                "MSH|^~\\&|WARM-UP|LINKWELL|LINKWELL|LINKWELL|20260101090000||REF^I12^REF_I12|WARM-UP|P|2.5.1"
                        + "|||AL|NE||UNICODE UTF-8",
                "RF1|P^Pending^HL70283|R^^HL70280|SP^Social prescribing|||WARM-UP|20260101090000||20260101"
                        + "|^Warm-up|",
                "PRD|RP^Referring Provider^HL70286|WARMUP^TEST^^^DR|1 Test Street^^Leeds^^LS1 1AA|"
                        + "^^^Warm-up Surgery|||LINKWELL^ODS|",
                "PRD|RT^Referred to Provider^HL70286||1 Test Street^^Leeds^^LS1 1AA|^^^Warm-up Service|||"
                        + "LINKWELL^ODS|",
                "PID|1||9990000018^^^NHS^NH||WARMUP^TEST^^^MX^^L||19700101|U|||"
                        + "1 Test Street^^Leeds^^LS1 1AA^GBR^H|");
    }
}
