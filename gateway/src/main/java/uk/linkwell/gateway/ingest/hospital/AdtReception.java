package uk.linkwell.gateway.ingest.hospital;

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
}
