package uk.linkwell.gateway.ingest.gp;

import java.time.Instant;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.hospital.MllpInbound;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;
import uk.linkwell.mappings.hl7v2.ReferralMapper;

/**
 * GP referrals on the MLLP listener: REF messages (I12 is mapped, other events are refused), checked with the
 * referral mapper and stored as {@value #SOURCE}, under the same store-then-ACK rules as the hospital feed.
 */
@Component
public class ReferralReception implements MllpInbound {

    public static final String SOURCE = "gp-referral-mllp";

    private final ReferralMapper mapper;

    public ReferralReception(ReferralMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String messageCode() {
        return "REF";
    }

    @Override
    public String source() {
        return SOURCE;
    }

    @Override
    public void check(byte[] body, Instant receivedAt) throws Hl7MappingException {
        mapper.map(body, new MappingContext("reception-check", receivedAt));
    }
}
