package uk.linkwell.mappings.hl7v2;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.ParserConfiguration;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One ADT message parsed by HAPI into the v2.5.1 model, whatever version it declares, and flattened
 * into its segments in message order so the mapping reads it the same way for every event structure.
 */
final class AdtMessage {

    private final AdtMessageHeader header;
    private final List<SegmentView> segments;

    private AdtMessage(AdtMessageHeader header, List<SegmentView> segments) {
        this.header = header;
        this.segments = segments;
    }

    /** A parser that maps v2.3 to v2.5.1 (and later, best effort) onto the v2.5.1 model without HAPI's validation. */
    static PipeParser newParser() {
        ParserConfiguration configuration = new ParserConfiguration();
        configuration.setValidating(false);
        configuration.setAllowUnknownVersions(true);
        // Our own checks decide what is an error; HAPI's default rules reject real-world messages for trivia.
        HapiContext context = new DefaultHapiContext(
                configuration, ValidationContextFactory.noValidation(), new CachingModelClassFactory("2.5.1"));
        return context.getPipeParser();
    }

    /**
     * The canonical v2.5.1 class factory, remembering every answer, found or not. HAPI asks the class loader
     * again for every Z-segment (and other classes it does not have) in every message, and the JVM never
     * caches a failed lookup, so without this a message with a ZDS segment spends much of its time
     * searching jars.
     */
    static final class CachingModelClassFactory extends CanonicalModelClassFactory {
        private static final long serialVersionUID = 1L;

        private final transient Map<String, Optional<Class<? extends Segment>>> segmentClasses =
                new ConcurrentHashMap<>();
        private final transient Map<String, Optional<Class<? extends Group>>> groupClasses = new ConcurrentHashMap<>();
        private final transient Map<String, Optional<Class<? extends Type>>> typeClasses = new ConcurrentHashMap<>();
        private final transient Map<String, Optional<Class<? extends Message>>> messageClasses =
                new ConcurrentHashMap<>();

        CachingModelClassFactory(String version) {
            super(version);
        }

        @Override
        public Class<? extends Segment> getSegmentClass(String name, String version) throws HL7Exception {
            String key = name + '|' + version;
            Optional<Class<? extends Segment>> found = segmentClasses.get(key);
            if (found == null) {
                found = Optional.ofNullable(super.getSegmentClass(name, version));
                segmentClasses.put(key, found);
            }
            return found.orElse(null);
        }

        @Override
        public Class<? extends Group> getGroupClass(String name, String version) throws HL7Exception {
            String key = name + '|' + version;
            Optional<Class<? extends Group>> found = groupClasses.get(key);
            if (found == null) {
                found = Optional.ofNullable(super.getGroupClass(name, version));
                groupClasses.put(key, found);
            }
            return found.orElse(null);
        }

        @Override
        public Class<? extends Type> getTypeClass(String name, String version) throws HL7Exception {
            String key = name + '|' + version;
            Optional<Class<? extends Type>> found = typeClasses.get(key);
            if (found == null) {
                found = Optional.ofNullable(super.getTypeClass(name, version));
                typeClasses.put(key, found);
            }
            return found.orElse(null);
        }

        @Override
        public Class<? extends Message> getMessageClass(String name, String version, boolean isExplicit)
                throws HL7Exception {
            String key = name + '|' + version + '|' + isExplicit;
            Optional<Class<? extends Message>> found = messageClasses.get(key);
            if (found == null) {
                found = Optional.ofNullable(super.getMessageClass(name, version, isExplicit));
                messageClasses.put(key, found);
            }
            return found.orElse(null);
        }
    }

    static AdtMessage parse(PipeParser parser, String text, AdtMessageHeader header) throws Hl7MappingException {
        return new AdtMessage(header, parseSegments(parser, text, header.controlId()));
    }

    /**
     * Parses any message with the v2.5.1 model and flattens it into its segments in message order (shared
     * with the referral mapper). HAPI's text can quote field values, so only its location travels on.
     */
    static List<SegmentView> parseSegments(PipeParser parser, String text, String controlId)
            throws Hl7MappingException {
        Message message;
        try {
            message = parser.parse(text);
        } catch (HL7Exception e) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.DATA_TYPE_ERROR,
                    locationOf(e),
                    "the HL7 parser could not read the message",
                    controlId);
        } catch (RuntimeException e) {
            throw new Hl7MappingException(
                            Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
                            Hl7ErrorLocation.segment("MSH"),
                            "the HL7 parser failed (" + e.getClass().getSimpleName() + ")",
                            controlId)
                    .withStackOf(e);
        }
        List<SegmentView> segments = new ArrayList<>();
        collect(message, segments, new HashMap<>());
        return segments;
    }

    private static void collect(Group group, List<SegmentView> into, Map<String, Integer> counts) {
        for (String name : group.getNames()) {
            Structure[] reps;
            try {
                reps = group.getAll(name);
            } catch (HL7Exception e) {
                continue;
            }
            for (Structure structure : reps) {
                if (structure instanceof Group child) {
                    collect(child, into, counts);
                } else if (structure instanceof Segment segment && !isEmpty(segment)) {
                    into.add(new SegmentView(segment, counts.merge(segment.getName(), 1, Integer::sum)));
                }
            }
        }
    }

    private static boolean isEmpty(Segment segment) {
        try {
            return segment.isEmpty();
        } catch (HL7Exception e) {
            return true;
        }
    }

    private static Hl7ErrorLocation locationOf(HL7Exception e) {
        ca.uhn.hl7v2.Location l = e.getLocation();
        if (l == null || l.getSegmentName() == null) {
            return Hl7ErrorLocation.segment("MSH");
        }
        return new Hl7ErrorLocation(
                l.getSegmentName(),
                Math.max(1, l.getSegmentRepetition()),
                Math.max(0, l.getField()),
                Math.max(0, l.getFieldRepetition()),
                Math.max(0, l.getComponent()),
                Math.max(0, l.getSubcomponent()));
    }

    AdtMessageHeader header() {
        return header;
    }

    String controlId() {
        return header.controlId();
    }

    Optional<SegmentView> first(String id) {
        return segments.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    List<SegmentView> all(String id) {
        return segments.stream().filter(s -> s.id().equals(id)).toList();
    }

    /** All segments in message order, for segments that annotate the one before them (NTE after OBX). */
    List<SegmentView> segments() {
        return segments;
    }

    SegmentView require(String id) throws Hl7MappingException {
        return first(id)
                .orElseThrow(() -> new Hl7MappingException(
                        Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR,
                        Hl7ErrorLocation.segment(id),
                        id + " segment missing for ADT^" + header.triggerEvent(),
                        controlId()));
    }

    String requireValue(SegmentView segment, int field, String what) throws Hl7MappingException {
        String value = segment.get(field);
        if (value.isEmpty()) {
            throw new Hl7MappingException(
                    Hl7ErrorCode.REQUIRED_FIELD_MISSING, segment.at(field, 1, 1), what + " missing", controlId());
        }
        return value;
    }
}
