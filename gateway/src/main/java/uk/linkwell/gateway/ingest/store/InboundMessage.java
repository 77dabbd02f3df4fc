package uk.linkwell.gateway.ingest.store;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One inbound message as received, kept before it is acknowledged: the durable record every inbound source
 * (hospital MLLP, GP referrals, social-care events) writes to and the worker applies from.
 */
@Entity
@Table(
        name = "LW_INBOUND_MESSAGE",
        // Dedup: dedup_key is the control id of an accepted message (null for rejected ones, so a corrected
        // resend with the same control id is still taken); NULLs never collide.
        uniqueConstraints =
                @UniqueConstraint(
                        name = "LW_INBOUND_MSG_DEDUP",
                        columnNames = {"SOURCE", "SENDER", "DEDUP_KEY"}),
        indexes = {
            // The worker's claim: status + due time.
            @Index(name = "LW_INBOUND_MSG_CLAIM", columnList = "STATUS, NEXT_ATTEMPT_AT"),
            // Per-key ordering check inside the claim.
            @Index(name = "LW_INBOUND_MSG_ORDER", columnList = "ORDERING_KEY, STATUS"),
            // Operations: listing by status and time.
            @Index(name = "LW_INBOUND_MSG_LIST", columnList = "STATUS, RECEIVED_AT"),
            @Index(name = "LW_INBOUND_MSG_RECEIVED", columnList = "RECEIVED_AT")
        })
public class InboundMessage {

    public static final int MAX_ERROR_LENGTH = 2000;
    public static final int MAX_NOTES_LENGTH = 2000;

    @Id
    @SequenceGenerator(name = "LW_INBOUND_MSG_SEQ", sequenceName = "LW_INBOUND_MSG_SEQ", allocationSize = 1)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "LW_INBOUND_MSG_SEQ")
    @Column(name = "ID")
    private Long id;

    @Column(name = "SOURCE", nullable = false, length = 64)
    private String source;

    @Column(name = "SENDER", nullable = false, length = 200)
    private String sender;

    @Column(name = "MESSAGE_TYPE", length = 64)
    private String messageType;

    @Column(name = "CONTROL_ID", length = 200)
    private String controlId;

    @Column(name = "DEDUP_KEY", length = 200)
    private String dedupKey;

    /** Messages with the same key are applied in the order received (e.g. one patient's admit before discharge). */
    @Column(name = "ORDERING_KEY", length = 100)
    private String orderingKey;

    @Column(name = "RECEIVED_AT", nullable = false)
    private Instant receivedAt;

    // bytea on PostgreSQL, varbinary on H2: the exact bytes, whatever their charset.
    @JdbcTypeCode(SqlTypes.VARBINARY)
    @Column(name = "BODY", nullable = false, length = 1_000_000_000)
    private byte[] body;

    @Column(name = "CHARSET", length = 40)
    private String charset;

    @Convert(converter = MessageStatusConverter.class)
    @Column(name = "STATUS", nullable = false, length = 16)
    private MessageStatus status;

    @Column(name = "ATTEMPTS", nullable = false)
    private int attempts;

    /** When the worker may next take it; while processing, when its claim lapses (a crashed instance). */
    @Column(name = "NEXT_ATTEMPT_AT")
    private Instant nextAttemptAt;

    @Column(name = "LAST_ERROR", length = MAX_ERROR_LENGTH)
    private String lastError;

    /** Resources produced, one versioned reference per line (e.g. Patient/12/_history/2). */
    @Column(name = "RESOURCE_IDS", length = 1_000_000)
    private String resourceIds;

    @Column(name = "PROVENANCE_ID", length = 100)
    private String provenanceId;

    @Column(name = "UPDATED_AT")
    private Instant updatedAt;

    /** The instance whose claim (with {@link #attempts}, the claim's number) the message is under while processing. */
    @Column(name = "CLAIMED_BY", length = 100)
    private String claimedBy;
    /**
     * What the mapper noted about an applied message, one per line (e.g. a discharge without a pathway): not
     * errors, but what an operator should know the message lacked. Null when there is nothing to say.
     */
    @Column(name = "NOTES", length = MAX_NOTES_LENGTH)
    private String notes;

    protected InboundMessage() {}

    public InboundMessage(
            String source,
            String sender,
            String messageType,
            String controlId,
            Instant receivedAt,
            byte[] body,
            String charset,
            MessageStatus status) {
        this.source = source;
        this.sender = sender == null ? "" : sender;
        this.messageType = messageType;
        this.controlId = controlId;
        this.receivedAt = receivedAt;
        this.body = body;
        this.charset = charset;
        this.status = status;
        this.updatedAt = receivedAt;
        this.nextAttemptAt = status == MessageStatus.RECEIVED ? receivedAt : null;
        this.dedupKey = status == MessageStatus.REJECTED ? null : controlId;
    }

    public Long getId() {
        return id;
    }

    public String getSource() {
        return source;
    }

    public String getSender() {
        return sender;
    }

    public String getMessageType() {
        return messageType;
    }

    public String getControlId() {
        return controlId;
    }

    public String getOrderingKey() {
        return orderingKey;
    }

    public Instant getReceivedAt() {
        return receivedAt;
    }

    public byte[] getBody() {
        return body;
    }

    public String getCharset() {
        return charset;
    }

    public MessageStatus getStatus() {
        return status;
    }

    public int getAttempts() {
        return attempts;
    }

    public Instant getNextAttemptAt() {
        return nextAttemptAt;
    }

    public String getLastError() {
        return lastError;
    }

    public String getResourceIds() {
        return resourceIds;
    }

    public String getProvenanceId() {
        return provenanceId;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    public String getClaimedBy() {
        return claimedBy;
    }

    /** The notes of the last successful application, one per line, or null. */
    public String getNotes() {
        return notes;
    }

    void setOrderingKey(String orderingKey) {
        this.orderingKey = orderingKey;
    }

    void setLastError(String lastError) {
        this.lastError = lastError == null || lastError.length() <= MAX_ERROR_LENGTH
                ? lastError
                : lastError.substring(0, MAX_ERROR_LENGTH);
    }

    /** Taken by a worker of {@code instance}: one more attempt, held until {@code leaseEnd}. */
    void claim(String instance, Instant leaseEnd, Instant now) {
        this.claimedBy = instance;
        this.status = MessageStatus.PROCESSING;
        this.attempts++;
        this.nextAttemptAt = leaseEnd;
        this.updatedAt = now;
    }

    void retryAt(Instant when, String error, Instant now) {
        this.status = MessageStatus.RECEIVED;
        this.nextAttemptAt = when;
        setLastError(error);
        this.updatedAt = now;
    }

    void fail(String error, Instant now) {
        this.status = MessageStatus.FAILED;
        this.nextAttemptAt = null;
        setLastError(error);
        this.updatedAt = now;
    }

    void setAside(String reason, Instant now) {
        this.status = MessageStatus.UNMATCHED;
        this.nextAttemptAt = null;
        setLastError(reason);
        this.updatedAt = now;
    }

    void requeue(Instant now) {
        this.status = MessageStatus.RECEIVED;
        this.attempts = 0;
        this.nextAttemptAt = now;
        this.updatedAt = now;
    }
}
