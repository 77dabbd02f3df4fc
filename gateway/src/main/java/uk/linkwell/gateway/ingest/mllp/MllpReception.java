package uk.linkwell.gateway.ingest.mllp;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.store.NewMessage;
import uk.linkwell.gateway.ingest.store.StoreReceipt;
import uk.linkwell.mappings.hl7v2.Hl7ErrorCode;
import uk.linkwell.mappings.hl7v2.Hl7ErrorLocation;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/**
 * Receives one message from the MLLP listener: reads MSH and the patient ordering key once ({@link ReceivedHl7}),
 * checks the sender against the allowlist, hands the message to its kind (by MSH-9.1: ADT, REF) for the check (the
 * one full mapping at reception), stores it with the header and key it read (accepted, or rejected with the reason)
 * and commits, and only then returns the ACK: AA, AR with ERR naming the segment and field, or AE when it could not
 * be stored (the sender should send it again).
 */
@Component
public class MllpReception {

    /** How much of a message over the size limit is kept in the store, for whoever looks into it. */
    public static final int OVERSIZE_KEPT_BYTES = 64 * 1024;
    /** ERR-8 of the refusal of a sender: says what is wrong without echoing the facility or the address. */
    static final String SENDER_NOT_ALLOWED = "sending facility not allowed from this address";

    /** Where messages of no known kind are kept: with the hospital feed's ({@code AdtReception.SOURCE}). */
    static final String UNKNOWN_KIND_SOURCE = "hospital-mllp";

    private static final Logger log = LoggerFactory.getLogger(MllpReception.class);

    private final Map<String, MllpInbound> kinds;
    private final MessageStore store;
    private final MllpSenders senders;
    private final MllpProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;

    public MllpReception(
            List<MllpInbound> kinds,
            MessageStore store,
            MllpSenders senders,
            MllpProperties properties,
            MeterRegistry meters,
            Clock clock) {
        this.kinds = kinds.stream()
                .collect(Collectors.toMap(k -> k.messageCode().toUpperCase(Locale.ROOT), Function.identity()));
        this.store = store;
        this.senders = senders;
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
    }

    /**
     * Runs the reception path once without storing anything, before the listener takes traffic: each kind's
     * built-in synthetic message is read, checked (the HL7 parser and the mapper load their classes) and
     * acknowledged, and the store answers the duplicate check (a JPA query on LW_INBOUND_MESSAGE). Without it the
     * first sender after a start waits for all of that. A failure here is logged and the listener starts anyway.
     */
    public void warmUp() {
        long start = System.nanoTime();
        Instant now = clock.instant();
        try {
            for (MllpInbound kind : kinds.values()) {
                byte[] sample = kind.warmUpMessage();
                MshFields msh = ReceivedHl7.read(sample).header();
                try {
                    kind.check(sample, now);
                } catch (Hl7MappingException e) {
                    // Local configuration may refuse the sample; the parser and the mapper ran all the same.
                    log.debug("MLLP warm-up message for {} refused: {}", kind.messageCode(), e.reason());
                }
                Hl7Acknowledgement.accept(msh, now);
                store.isStored(kind.source(), msh.sendingFacility(), msh.controlId());
            }
            log.info(
                    "MLLP reception ready for {} messages in {} ms",
                    String.join(" and ", kinds.keySet().stream().sorted().toList()),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (RuntimeException e) {
            log.warn("MLLP reception warm-up failed, the first message will be slower: {}", SafeErrorText.of(e));
        }
    }

    /**
     * The ACK for these bytes, after they are safely stored. {@code remote} is the connection's source address
     * (null when unknown, which an enforced sender list refuses). Never throws: every input gets an answer.
     */
    public byte[] receive(byte[] body, SocketAddress remote) {
        byte[] bytes = body == null ? new byte[0] : body;
        return receive(bytes, bytes.length, remote);
    }

    /**
     * The AR for a message the listener stopped reading once it passed the size limit: {@code head} is its first
     * bytes, kept in the store with the reason; {@code bytesRead} how many had arrived.
     */
    public byte[] receiveOversized(byte[] head, long bytesRead, SocketAddress remote) {
        return receive(head, bytesRead, remote);
    }

    private byte[] receive(byte[] bytes, long size, SocketAddress remote) {
        long start = System.nanoTime();
        Instant now = clock.instant();
        // Read once: the header and the ordering key are handed on from here (to the store, the ACK and the check).
        ReceivedHl7 received = ReceivedHl7.read(bytes);
        MshFields msh = received.header();
        MllpInbound kind = msh == null ? null : kinds.get(msh.component(9, 1).toUpperCase(Locale.ROOT));
        // Messages of no known kind are kept with the hospital feed's, the listener's first use.
        String source = kind == null ? UNKNOWN_KIND_SOURCE : kind.source();
        meters.counter("linkwell.ingest.received", "source", source).increment();
        byte[] ack;
        try {
            ack = acknowledge(bytes, size, received, kind, source, remote, now);
        } catch (RuntimeException e) {
            ack = notStored(source, msh, e, now);
        }
        Timer.builder("linkwell.ingest.ack.time")
                .tag("source", source)
                .description("From a message received to its ACK")
                .publishPercentiles(0.5, 0.99)
                .register(meters)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return ack;
    }

    /**
     * The AE ("send it again") for a message whose handling failed before it was stored, e.g. in the listener's
     * route: nothing was kept, so the sender must send it again.
     */
    public byte[] notStored(byte[] bytes, Throwable failure) {
        MshFields msh = ReceivedHl7.read(bytes).header();
        MllpInbound kind = msh == null ? null : kinds.get(msh.component(9, 1).toUpperCase(Locale.ROOT));
        return notStored(kind == null ? UNKNOWN_KIND_SOURCE : kind.source(), msh, failure, clock.instant());
    }

    private byte[] notStored(String source, MshFields msh, Throwable failure, Instant now) {
        log.error(
                "MLLP message (control id {}) not stored: {}",
                msh == null ? null : msh.controlId(),
                SafeErrorText.of(failure));
        return answer(
                source,
                msh,
                Hl7Acknowledgement.ERROR,
                new Hl7Acknowledgement.Refusal(
                        Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.code(),
                        Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.text(),
                        Hl7ErrorLocation.segment("MSH"),
                        "message not stored, send it again"),
                now);
    }

    private byte[] acknowledge(
            byte[] bytes,
            long size,
            ReceivedHl7 received,
            MllpInbound kind,
            String source,
            SocketAddress remote,
            Instant now) {
        MshFields msh = received.header();
        if (msh == null) {
            return reject(
                    source,
                    bytes,
                    null,
                    now,
                    new Hl7Acknowledgement.Refusal(
                            Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR.code(),
                            Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR.text(),
                            Hl7ErrorLocation.segment("MSH"),
                            bytes.length == 0 ? "empty message" : "message does not start with an MSH segment"),
                    "");
        }
        // Before anything beyond MSH is read: an unknown sender learns nothing about what we would make of it.
        InetAddress address = remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (!senders.allows(msh.sendingFacility(), address)) {
            meters.counter("linkwell.ingest.senders.refused", "source", source).increment();
            return reject(
                    source,
                    bytes,
                    msh,
                    now,
                    new Hl7Acknowledgement.Refusal(
                            // Table 0357 has no code for an unauthorised sender; 207 is its catch-all, and AR tells the
                            // sender not to send the message again unchanged.
                            Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.code(),
                            Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.text(),
                            Hl7ErrorLocation.field("MSH", 4),
                            SENDER_NOT_ALLOWED),
                    " (source address " + (address == null ? "unknown" : address.getHostAddress()) + ")");
        }
        int limit = properties.maxMessageBytes();
        if (size > limit) {
            return reject(
                    source,
                    bytes,
                    msh,
                    now,
                    new Hl7Acknowledgement.Refusal(
                            Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.code(),
                            "Message too large",
                            Hl7ErrorLocation.segment("MSH"),
                            "message over the limit of " + limit + " bytes (refused after " + size
                                    + " bytes, the rest not read); only the first " + OVERSIZE_KEPT_BYTES
                                    + " bytes are kept"),
                    "");
        }
        if (kind == null) {
            boolean missing = msh.component(9, 1).isEmpty();
            return reject(
                    source,
                    bytes,
                    msh,
                    now,
                    new Hl7Acknowledgement.Refusal(
                            missing
                                    ? Hl7ErrorCode.REQUIRED_FIELD_MISSING.code()
                                    : Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE.code(),
                            missing
                                    ? Hl7ErrorCode.REQUIRED_FIELD_MISSING.text()
                                    : Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE.text(),
                            Hl7ErrorLocation.component("MSH", 9, 1),
                            missing
                                    ? "message type missing"
                                    : "this listener takes "
                                            + String.join(
                                                    " and ",
                                                    kinds.keySet().stream()
                                                            .sorted()
                                                            .toList()) + " messages"),
                    "");
        }
        try {
            // Reception's one full mapping, and what decides AA or AR: a message acknowledged AA is one the worker
            // can apply. Its Bundle is not kept; the worker maps the stored bytes when it applies them.
            kind.check(bytes, now);
        } catch (Hl7MappingException e) {
            if (e.errorCode() != Hl7ErrorCode.APPLICATION_INTERNAL_ERROR) {
                return reject(source, bytes, msh, now, Hl7Acknowledgement.Refusal.of(e), "");
            }
            // A mapper bug is ours, not the sender's: accept and store it; the worker parks it as failed,
            // to be reprocessed once the mapper is fixed.
        }
        String sender = msh.sendingFacility();
        StoreReceipt receipt = store.store(new NewMessage(
                source,
                sender,
                msh.messageType(),
                msh.controlId(),
                received.orderingKey(),
                now,
                bytes,
                msh.charset(),
                null));
        if (receipt.duplicate()) {
            meters.counter("linkwell.ingest.duplicates", "source", source).increment();
            log.info(
                    "MLLP message {} (control id {}) is a redelivery: acknowledged, not processed again",
                    receipt.id(),
                    msh.controlId());
        }
        return answer(source, msh, Hl7Acknowledgement.ACCEPT, null, now);
    }

    /** Stores the refused bytes (the first 64 KiB of an oversized message) with the reason, then answers AR. */
    private byte[] reject(
            String source,
            byte[] bytes,
            MshFields msh,
            Instant now,
            Hl7Acknowledgement.Refusal refusal,
            String storedDetail) {
        byte[] kept = bytes.length > properties.maxMessageBytes() ? Arrays.copyOf(bytes, OVERSIZE_KEPT_BYTES) : bytes;
        String reason = refusal.code() + " " + refusal.codeText() + " at " + refusal.location() + ": "
                + refusal.reason() + storedDetail;
        // Header values cut to their columns: a refused message is stored whatever its sender put in MSH.
        StoreReceipt receipt = store.store(new NewMessage(
                source,
                msh == null ? "" : cut(msh.sendingFacility(), 200),
                msh == null ? null : cut(msh.messageType(), 64),
                msh == null ? null : cut(msh.controlId(), 200),
                null,
                now,
                kept,
                msh == null ? null : msh.charset(),
                reason));
        log.info(
                "MLLP message {} (control id {}) rejected: {}",
                receipt.id(),
                msh == null ? null : msh.controlId(),
                reason);
        return answer(source, msh, Hl7Acknowledgement.REJECT, refusal, now);
    }

    private static String cut(String value, int length) {
        return value.length() > length ? value.substring(0, length) : value;
    }

    private byte[] answer(String source, MshFields msh, String code, Hl7Acknowledgement.Refusal refusal, Instant now) {
        meters.counter("linkwell.ingest.acked", "source", source, "code", code).increment();
        return refusal == null
                ? Hl7Acknowledgement.accept(msh, now)
                : Hl7Acknowledgement.refuse(msh, code, refusal, now);
    }
}
