package uk.linkwell.gateway.ingest.hospital;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.springframework.stereotype.Component;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.AdtMapper;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/** The hospital ADT feed on the MLLP listener: ADT messages, checked with the ADT mapper, stored as {@value #SOURCE}. */
@Component
public class AdtReception implements MllpInbound {

    public static final String SOURCE = "hospital-mllp";

    private final AdtMapper mapper;

    public AdtReception(AdtMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String messageCode() {
        return "ADT";
    }

    @Override
    public String source() {
        return SOURCE;
    }

    @Override
    public void check(byte[] body, Instant receivedAt) throws Hl7MappingException {
        mapper.map(body, new MappingContext("reception-check", receivedAt));
    }

    @Override
    public byte[] warmUpMessage() {
        return String.join(
                        "\r",
                        "MSH|^~\\&|WARM-UP|LINKWELL|LINKWELL|LINKWELL|20260101090000||ADT^A01^ADT_A01|WARM-UP|P|2.4|||AL|NE",
                        "EVN|A01|20260101090000",
                        "PID|1||9990000018^^^NHS^NH~W0000001^^^LINKWELL^MR||WARMUP^TEST^^^MX||19700101|U|||"
                                + "1 Test Street^^Leeds^^LS1 1AA^GBR^H",
                        "PV1|1|I|WARD 1^B1^01^LINKWELL|||||||GEN|||||||||W0000001^^^LINKWELL^VN|||||||||||||||||||||||||"
                                + "20260101090000",
                        "")
                .getBytes(StandardCharsets.US_ASCII);
    }
}
