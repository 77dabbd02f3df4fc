package uk.linkwell.gateway.ingest.hospital;

import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.mllp.MllpInbound;
import uk.linkwell.mappings.hl7v2.AdtMapper;

/** The hospital ADT feed on the MLLP listener: ADT messages, checked with the ADT mapper, stored as {@value #SOURCE}. */
@Component
public class AdtReception extends MllpInbound {

    public static final String SOURCE = "hospital-mllp";

    public AdtReception(AdtMapper mapper) {
        super(
                "ADT",
                SOURCE,
                mapper::map,
                "MSH|^~\\&|WARM-UP|LINKWELL|LINKWELL|LINKWELL|20260101090000||ADT^A01^ADT_A01|WARM-UP|P|2.4|||AL|NE",
                "EVN|A01|20260101090000",
                "PID|1||9990000018^^^NHS^NH~W0000001^^^LINKWELL^MR||WARMUP^TEST^^^MX||19700101|U|||"
                        + "1 Test Street^^Leeds^^LS1 1AA^GBR^H",
                "PV1|1|I|WARD 1^B1^01^LINKWELL|||||||GEN|||||||||W0000001^^^LINKWELL^VN|||||||||||||||||||||||||"
                        + "20260101090000");
    }
}
