package uk.linkwell.mappings.hl7v2;

import java.util.List;
import java.util.Optional;

/** One REF^I12 message flattened into its segments in message order, with its checked header. */
final class ReferralMessage {

    final Hl7Header header;
    final String facilitySlug;
    private final List<SegmentView> segments;

    ReferralMessage(Hl7Header header, List<SegmentView> segments) {
        this.header = header;
        this.segments = segments;
        this.facilitySlug = LinkwellSystems.facilitySlug(header.sendingFacility());
    }

    Optional<SegmentView> first(String id) {
        return segments.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    List<SegmentView> all(String id) {
        return segments.stream().filter(s -> s.id().equals(id)).toList();
    }

    List<SegmentView> segments() {
        return segments;
    }

    SegmentView require(String id, String why) throws Hl7MappingException {
        return first(id)
                .orElseThrow(() -> error(
                        Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                        Hl7ErrorLocation.segment(id),
                        id + " segment missing: " + why));
    }

    String requireValue(SegmentView segment, int field, int component, String what) throws Hl7MappingException {
        String value = segment.get(field, component);
        if (value.isEmpty()) {
            throw error(Hl7ErrorCode.REQUIRED_FIELD_MISSING, segment.at(field, 1, component), what + " missing");
        }
        return value;
    }

    Hl7MappingException error(Hl7ErrorCode code, Hl7ErrorLocation location, String reason) {
        return new Hl7MappingException(code, location, reason, header.controlId());
    }
}
