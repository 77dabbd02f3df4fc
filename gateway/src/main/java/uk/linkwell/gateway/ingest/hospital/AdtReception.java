package uk.linkwell.gateway.ingest.hospital;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.SafeErrorText;
import uk.linkwell.gateway.ingest.store.MessageStore;
import uk.linkwell.gateway.ingest.store.NewMessage;
import uk.linkwell.gateway.ingest.store.StoreReceipt;
import uk.linkwell.mappings.MappingContext;
import uk.linkwell.mappings.hl7v2.AdtMapper;
import uk.linkwell.mappings.hl7v2.Hl7ErrorCode;
import uk.linkwell.mappings.hl7v2.Hl7ErrorLocation;
import uk.linkwell.mappings.hl7v2.Hl7MappingException;

/**
 * Receives one ADT message from the hospital listener: checks it with the mapper, stores it (accepted, or
 * rejected with the reason) and commits, and only then returns the ACK: AA, AR with ERR naming the segment and
 * field, or AE when it could not be stored (the sender should send it again).
 */
@Component
public class AdtReception {

    public static final String SOURCE = "hospital-mllp";
    /** How much of a message over the size limit is kept in the store, for whoever looks into it. */
    static final int OVERSIZE_KEPT_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(AdtReception.class);

    private final AdtMapper mapper;
    private final MessageStore store;
    private final HospitalProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Timer ackTime;

    public AdtReception(AdtMapper mapper, MessageStore store, HospitalProperties properties, MeterRegistry meters,
            Clock clock) {
        this.mapper = mapper;
        this.store = store;
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.ackTime = Timer.builder("linkwell.ingest.ack.time").tag("source", SOURCE)
                .description("From a message received to its ACK").publishPercentiles(0.5, 0.99).register(meters);
    }

    /** The ACK for these bytes, after they are safely stored. Never throws: every input gets an answer. */
    public byte[] receive(byte[] body) {
        long start = System.nanoTime();
        Instant now = clock.instant();
        byte[] bytes = body == null ? new byte[0] : body;
        meters.counter("linkwell.ingest.received", "source", SOURCE).increment();
        MshFields msh = MshFields.read(bytes);
        byte[] ack;
        try {
            ack = acknowledge(bytes, msh, now);
        } catch (RuntimeException e) {
            log.error("Hospital message (control id {}) not stored: {}", msh == null ? null : msh.controlId(),
                    SafeErrorText.of(e));
            ack = answer(msh, AdtAcknowledgement.ERROR, new AdtAcknowledgement.Refusal(
                    Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.code(), Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.text(),
                    Hl7ErrorLocation.segment("MSH"), "message not stored, send it again"), now);
        }
        ackTime.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        return ack;
    }

    private byte[] acknowledge(byte[] bytes, MshFields msh, Instant now) {
        int limit = properties.mllp().maxMessageBytes();
        if (bytes.length > limit) {
            return reject(Arrays.copyOf(bytes, OVERSIZE_KEPT_BYTES), msh, now, new AdtAcknowledgement.Refusal(
                    Hl7ErrorCode.APPLICATION_INTERNAL_ERROR.code(), "Message too large",
                    Hl7ErrorLocation.segment("MSH"), "message of " + bytes.length + " bytes is over the limit of "
                            + limit + " bytes; only the first " + OVERSIZE_KEPT_BYTES + " bytes are kept"));
        }
        try {
            // The full mapping is the validation: a message acknowledged AA is one the worker can apply.
            mapper.map(bytes, new MappingContext("reception-check", now));
        } catch (Hl7MappingException e) {
            if (e.errorCode() != Hl7ErrorCode.APPLICATION_INTERNAL_ERROR) {
                return reject(bytes, msh, now, AdtAcknowledgement.Refusal.of(e));
            }
            // A mapper bug is ours, not the sender's: accept and store it; the worker parks it as failed,
            // to be reprocessed once the mapper is fixed.
        }
        if (msh == null) {
            return reject(bytes, null, now, new AdtAcknowledgement.Refusal(
                    Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR.code(), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR.text(),
                    Hl7ErrorLocation.segment("MSH"), "message does not start with an MSH segment"));
        }
        String sender = msh.sendingFacility();
        StoreReceipt receipt = store.store(new NewMessage(SOURCE, sender, msh.messageType(), msh.controlId(),
                AdtOrderingKey.of(bytes, sender), now, bytes, msh.charset(), null));
        if (receipt.duplicate()) {
            meters.counter("linkwell.ingest.duplicates", "source", SOURCE).increment();
            log.info("Hospital message {} (control id {}) is a redelivery: acknowledged, not processed again",
                    receipt.id(), msh.controlId());
        }
        return answer(msh, AdtAcknowledgement.ACCEPT, null, now);
    }

    private byte[] reject(byte[] kept, MshFields msh, Instant now, AdtAcknowledgement.Refusal refusal) {
        String reason = refusal.code() + " " + refusal.codeText() + " at " + refusal.location() + ": "
                + refusal.reason();
        StoreReceipt receipt = store.store(new NewMessage(SOURCE, msh == null ? "" : msh.sendingFacility(),
                msh == null ? null : msh.messageType(), msh == null ? null : msh.controlId(), null, now, kept,
                msh == null ? null : msh.charset(), reason));
        log.info("Hospital message {} (control id {}) rejected: {}", receipt.id(),
                msh == null ? null : msh.controlId(), reason);
        return answer(msh, AdtAcknowledgement.REJECT, refusal, now);
    }

    private byte[] answer(MshFields msh, String code, AdtAcknowledgement.Refusal refusal, Instant now) {
        meters.counter("linkwell.ingest.acked", "source", SOURCE, "code", code).increment();
        return refusal == null ? AdtAcknowledgement.accept(msh, now) : AdtAcknowledgement.refuse(msh, code, refusal, now);
    }
}
