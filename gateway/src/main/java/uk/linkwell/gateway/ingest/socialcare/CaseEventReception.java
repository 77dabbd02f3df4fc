package uk.linkwell.gateway.ingest.socialcare;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.socialcare.EventResult.Disposition;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.store.NewMessage;
import uk.linkwell.gateway.ingest.store.StoreReceipt;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.Requester;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.socialcare.CaseEventException;
import uk.linkwell.mappings.socialcare.CaseEventMapper;
import uk.linkwell.mappings.socialcare.CaseEventType;

/**
 * Receives the body of one {@code POST /socialcare/events}: splits an array into its events (each kept as its
 * exact bytes), judges each on its own (the mapper's checks, the client's council), and stores every one in the
 * message store, accepted or rejected with the reason, each in its own committed transaction, before the answer
 * goes back. Who the person is plays no part in the answer: an event about someone the gateway does not know, or
 * with whom the council has no relationship, is accepted like any other and set aside by the worker (see {@link
 * CaseEventTranslator}), so the door tells no one whether the gateway holds a person.
 */
@Component
public class CaseEventReception {

    public static final String SOURCE = "socialcare-events";
    /** How much of a body over the size limit is kept in the store, for whoever looks into it. */
    static final int OVERSIZE_KEPT_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(CaseEventReception.class);
    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern ODS = Pattern.compile("[A-Z0-9]{3,10}");

    private final CaseEventMapper mapper;
    private final MessageStore store;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public CaseEventReception(CaseEventMapper mapper, MessageStore store, MeterRegistry meters, Clock clock) {
        this.mapper = mapper;
        this.store = store;
        this.meters = meters;
        this.clock = clock;
    }

    /** The fate of every event in the body (a single event object or an array of them). */
    public ReceptionOutcome receive(byte[] body, Requester requester) {
        Instant now = clock.instant();
        meters.counter("linkwell.ingest.received", "source", SOURCE).increment();
        List<byte[]> events = new ArrayList<>();
        boolean array;
        try (JsonParser parser = JSON_FACTORY.createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return refuseWhole(
                        body,
                        requester,
                        now,
                        400,
                        "malformed-request",
                        "Malformed request",
                        "the body is empty; send one event object or an array of events");
            }
            array = first == JsonToken.START_ARRAY;
            if (first == JsonToken.START_OBJECT) {
                parser.skipChildren();
                events.add(body);
            } else if (array) {
                for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                    int start = (int) parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                    int end = (int) parser.currentLocation().getByteOffset();
                    events.add(Arrays.copyOfRange(body, start, end));
                }
            } else {
                return refuseWhole(
                        body,
                        requester,
                        now,
                        400,
                        "malformed-request",
                        "Malformed request",
                        "the body must be one event object or an array of event objects");
            }
            if (parser.nextToken() != null) {
                return refuseWhole(
                        body,
                        requester,
                        now,
                        400,
                        "malformed-request",
                        "Malformed request",
                        "malformed JSON (line " + parser.currentLocation().getLineNr()
                                + "): content after the end of the " + (array ? "array" : "event"));
            }
        } catch (IOException e) {
            // Jackson's message quotes the input: only the position goes back.
            long line = e instanceof com.fasterxml.jackson.core.JsonProcessingException p && p.getLocation() != null
                    ? p.getLocation().getLineNr()
                    : 0;
            return refuseWhole(
                    body,
                    requester,
                    now,
                    400,
                    "malformed-request",
                    "Malformed request",
                    "malformed JSON (line " + line + ")");
        }
        if (array && events.isEmpty()) {
            return refuseWhole(
                    body, requester, now, 400, "malformed-request", "Malformed request", "the array holds no events");
        }
        List<EventResult> results = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            results.add(receiveOne(i, events.get(i), requester, now));
        }
        return new ReceptionOutcome(array, results, null);
    }

    /** Refuses a request as a whole (too large, wrong media type, not JSON), keeping what it sent as rejected. */
    public ReceptionOutcome refuseWhole(
            byte[] kept, Requester requester, Instant now, int status, String type, String title, String reason) {
        Long id = null;
        try {
            StoreReceipt receipt = store.store(new NewMessage(
                    SOURCE,
                    clientSender(requester),
                    null,
                    null,
                    null,
                    now,
                    kept,
                    StandardCharsets.UTF_8.name(),
                    status + ": " + reason));
            id = receipt.id();
            log.info("Social-care request stored as rejected message {}: {}", id, reason);
        } catch (RuntimeException e) {
            log.error("Refused social-care request not stored: {}", SafeErrorText.of(e));
        }
        meters.counter("linkwell.ingest.rejected", "source", SOURCE).increment();
        return ReceptionOutcome.refused(new ReceptionOutcome.Refusal(status, type, title, reason, id));
    }

    /** The first bytes of an over-size body, as kept in the store. */
    public static byte[] oversizeKept(byte[] head) {
        return head.length <= OVERSIZE_KEPT_BYTES ? head : Arrays.copyOf(head, OVERSIZE_KEPT_BYTES);
    }

    private EventResult receiveOne(int index, byte[] bytes, Requester requester, Instant now) {
        JsonNode event = null;
        try {
            try {
                // The full mapping is the check: an event answered 202 is one the worker can apply.
                mapper.map(bytes, new MappingContext("reception-check", now));
            } catch (CaseEventException e) {
                return reject(index, bytes, readable(bytes), requester, now, 422, e.pointer(), e.reason());
            } catch (RuntimeException e) {
                // A mapper bug is ours, not the sender's: store it; the worker parks it until the mapper is fixed.
                log.error("Case event mapper failed on event {} of a request: {}", index, SafeErrorText.of(e));
            }
            event = readable(bytes);
            if (event == null) {
                return reject(index, bytes, null, requester, now, 422, "", "an event must be a JSON object");
            }
            CaseEventKeys keys = CaseEventKeys.of(event);
            if (!mayWriteFor(requester, keys.localAuthority())) {
                return reject(
                        index,
                        bytes,
                        event,
                        requester,
                        now,
                        403,
                        "/localAuthority",
                        "is not the organisation of the client's access token; a case system sends only its own "
                                + "council's events");
            }
            String eventId = eventId(event);
            StoreReceipt receipt = store.store(new NewMessage(
                    SOURCE,
                    keys.localAuthority(),
                    keys.eventType(),
                    eventId,
                    keys.orderingKey(),
                    now,
                    bytes,
                    StandardCharsets.UTF_8.name(),
                    null));
            if (receipt.duplicate()) {
                meters.counter("linkwell.ingest.duplicates", "source", SOURCE).increment();
                log.info(
                        "Social-care event {} is a replay of message {}: acknowledged, not processed again",
                        eventId,
                        receipt.id());
            }
            return new EventResult(
                    index,
                    eventId,
                    keys.eventType(),
                    receipt.id(),
                    receipt.duplicate() ? Disposition.DUPLICATE : Disposition.ACCEPTED,
                    202,
                    null,
                    null);
        } catch (RuntimeException e) {
            log.error("Social-care event {} of a request not stored: {}", index, SafeErrorText.of(e));
            return new EventResult(
                    index,
                    event == null ? null : eventId(event),
                    event == null ? null : eventType(event),
                    null,
                    Disposition.NOT_STORED,
                    503,
                    null,
                    "not stored (the gateway could not reach its database); send it again");
        }
    }

    /** Social-care systems send their own council's events only; admins may send any council's. */
    private static boolean mayWriteFor(Requester requester, String localAuthority) {
        if (requester.role() == ClientRole.ADMIN) {
            return true;
        }
        return requester.role() == ClientRole.SOCIAL_CARE_SYSTEM && localAuthority.equals(requester.organisation());
    }

    private EventResult reject(
            int index,
            byte[] bytes,
            JsonNode event,
            Requester requester,
            Instant now,
            int status,
            String pointer,
            String reason) {
        String eventId = event == null ? null : eventId(event);
        String type = event == null ? null : eventType(event);
        String la = event == null ? null : localAuthority(event);
        String where = pointer.isEmpty() ? "(event)" : pointer;
        StoreReceipt receipt = store.store(new NewMessage(
                SOURCE,
                status == 403 || la == null ? clientSender(requester) : la,
                type,
                eventId,
                null,
                now,
                bytes,
                StandardCharsets.UTF_8.name(),
                status + " at " + where + ": " + reason));
        meters.counter("linkwell.ingest.rejected", "source", SOURCE).increment();
        log.info(
                "Social-care event {} (event id {}) stored as rejected message {}: {} at {}: {}",
                index,
                eventId,
                receipt.id(),
                status,
                where,
                reason);
        return new EventResult(index, eventId, type, receipt.id(), Disposition.REJECTED, status, pointer, reason);
    }

    private JsonNode readable(byte[] bytes) {
        try {
            JsonNode node = json.readTree(bytes);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The event id in the mapper's canonical (lower-case) form, so a replay in capitals is still a replay; null
     * unless it is a UUID, since whatever else a refused event holds there could be personal data bound for logs.
     */
    private static String eventId(JsonNode event) {
        String id = textOrNull(event, "eventId");
        return id == null || !UUID.matcher(id).matches() ? null : id.toLowerCase(java.util.Locale.ROOT);
    }

    /** The event type when it is one of the format's, else null (the body keeps whatever was sent). */
    private static String eventType(JsonNode event) {
        return CaseEventType.of(textOrNull(event, "eventType"))
                .map(CaseEventType::wireName)
                .orElse(null);
    }

    /** The council's ODS code when it looks like one, else null. */
    private static String localAuthority(JsonNode event) {
        String la = textOrNull(event, "localAuthority");
        return la != null && ODS.matcher(la).matches() ? la : null;
    }

    private static String textOrNull(JsonNode event, String field) {
        JsonNode node = event.get(field);
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }

    /** Who sent a request that names no council of its own: the client's organisation, else its id. */
    private static String clientSender(Requester requester) {
        if (requester == null) {
            return "";
        }
        String org = requester.organisation();
        return org != null && !org.isBlank() ? org : requester.clientId() == null ? "" : requester.clientId();
    }
}
