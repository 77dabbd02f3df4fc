package uk.linkwell.gateway.exchange;

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
import java.util.Arrays;
import java.util.List;

/**
 * One outbound delivery in the outbox (table {@code LW_DELIVERY}): what happened ({@code event}), to whom (the
 * recipient's FHIR Endpoint, channel and address, organisation and role), about whom and which resources, and how
 * its sending stands. Recorded in the transaction of the write that triggered it, with references only; sent later
 * by {@link OutboxSender}: what leaves is read and consent-filtered at send time, and the last payload sent is kept
 * on the row for the admin view.
 */
@Entity
@Table(
        name = "LW_DELIVERY",
        uniqueConstraints = @UniqueConstraint(name = "LW_DELIVERY_IDEMPOTENCY", columnNames = "IDEMPOTENCY_KEY"),
        indexes = {
            // The sender's claim: status + due time.
            @Index(name = "LW_DELIVERY_CLAIM", columnList = "STATUS, NEXT_ATTEMPT_AT"),
            // In order per recipient and patient.
            @Index(name = "LW_DELIVERY_ORDER", columnList = "ENDPOINT, PATIENT, STATUS"),
            // Operations: listing newest first.
            @Index(name = "LW_DELIVERY_CREATED", columnList = "CREATED_AT")
        })
public class Delivery {

    public static final int MAX_ANSWER_LENGTH = 500;

    /** The most of a payload kept as sent (bytes of UTF-8 text); longer ones are kept cut, with their full size. */
    public static final int MAX_PAYLOAD_BYTES = 256 * 1024;

    @Id
    @SequenceGenerator(name = "LW_DELIVERY_SEQ", sequenceName = "LW_DELIVERY_SEQ", allocationSize = 1)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "LW_DELIVERY_SEQ")
    @Column(name = "ID")
    private Long id;

    /** What is being told, e.g. {@code discharge}. */
    @Column(name = "EVENT", nullable = false, length = 64)
    private String event;

    /** The recipient's {@code Endpoint/<id>}. */
    @Column(name = "ENDPOINT", nullable = false, length = 100)
    private String endpoint;

    /**
     * Endpoint.connectionType code: {@code hl7-fhir-msg}, {@code hl7-fhir-rest}, {@code hl7v2-mllp}, {@code webhook},
     * {@code amqp}.
     */
    @Column(name = "CHANNEL", nullable = false, length = 32)
    private String channel;

    /** Endpoint.address when the delivery was recorded. */
    @Column(name = "ADDRESS", nullable = false, length = 1000)
    private String address;

    /** ODS code of the receiving organisation. */
    @Column(name = "RECIPIENT_ORGANISATION", length = 40)
    private String recipientOrganisation;

    /** Client role the consent engine judges the recipient as, e.g. {@code gp-system}. */
    @Column(name = "RECIPIENT_ROLE", nullable = false, length = 40)
    private String recipientRole;

    /** {@code Patient/<id>}. */
    @Column(name = "PATIENT", length = 100)
    private String patient;

    /** Versionless references of the resources the event is about, comma-separated (e.g. {@code Encounter/12}). */
    @Column(name = "FOCUS", nullable = false, length = 2000)
    private String focus;

    /** A UUID, the same on every attempt: MessageHeader.id, CloudEvents id, MSH-10, AMQP message-id. */
    @Column(name = "IDEMPOTENCY_KEY", nullable = false, length = 64)
    private String idempotencyKey;

    @Convert(converter = DeliveryStatus.Column.class)
    @Column(name = "STATUS", nullable = false, length = 16)
    private DeliveryStatus status;

    @Column(name = "ATTEMPTS", nullable = false)
    private int attempts;

    /** When the sender may next take it; while sending, when its claim lapses (a crashed instance). */
    @Column(name = "NEXT_ATTEMPT_AT")
    private Instant nextAttemptAt;

    /** The instance whose claim (with {@link #attempts}, the claim's number) the delivery is under while sending. */
    @Column(name = "CLAIMED_BY", length = 100)
    private String claimedBy;

    /** The receiver's last HTTP status, if it answered. */
    @Column(name = "LAST_STATUS_CODE")
    private Integer lastStatusCode;

    /** A short account of the last attempt (never a body that could carry personal data). */
    @Column(name = "LAST_ANSWER", length = MAX_ANSWER_LENGTH)
    private String lastAnswer;

    /** Why nothing was sent: the consent engine's bases for what it withheld. */
    @Column(name = "WITHHELD_BASIS", length = MAX_ANSWER_LENGTH)
    private String withheldBasis;

    /**
     * The last attempt's payload as sent (UTF-8 text: FHIR JSON, a CloudEvent, an HL7 v2 message), cut at {@link
     * #MAX_PAYLOAD_BYTES}; shown to admins only.
     */
    @Column(name = "SENT_PAYLOAD", length = MAX_PAYLOAD_BYTES)
    private String sentPayload;

    /** The full size in bytes of the payload as sent. */
    @Column(name = "SENT_BYTES")
    private Integer sentBytes;

    /** What the sender has just sent, kept with the attempt's outcome when it is settled (not a column). */
    @jakarta.persistence.Transient
    private byte[] justSent;

    @Column(name = "CREATED_AT", nullable = false)
    private Instant createdAt;

    @Column(name = "UPDATED_AT", nullable = false)
    private Instant updatedAt;

    @Column(name = "DELIVERED_AT")
    private Instant deliveredAt;

    protected Delivery() {}

    public Delivery(
            String event,
            String endpoint,
            String channel,
            String address,
            String recipientOrganisation,
            String recipientRole,
            String patient,
            List<String> focus,
            String idempotencyKey,
            Instant now) {
        this.event = event;
        this.endpoint = endpoint;
        this.channel = channel;
        this.address = address;
        this.recipientOrganisation = recipientOrganisation;
        this.recipientRole = recipientRole;
        this.patient = patient;
        this.focus = String.join(",", focus);
        this.idempotencyKey = idempotencyKey;
        this.status = DeliveryStatus.PENDING;
        this.nextAttemptAt = now;
        this.createdAt = now;
        this.updatedAt = now;
    }

    public Long getId() {
        return id;
    }

    public String getEvent() {
        return event;
    }

    public String getEndpoint() {
        return endpoint;
    }

    /** The id part of the recipient's {@code Endpoint/<id>} (the key of its per-endpoint configuration). */
    public String endpointId() {
        return endpoint.substring(endpoint.indexOf('/') + 1);
    }

    public String getChannel() {
        return channel;
    }

    public String getAddress() {
        return address;
    }

    public String getRecipientOrganisation() {
        return recipientOrganisation;
    }

    public String getRecipientRole() {
        return recipientRole;
    }

    public String getPatient() {
        return patient;
    }

    public List<String> getFocus() {
        return focus == null || focus.isBlank() ? List.of() : Arrays.asList(focus.split(","));
    }

    public String getIdempotencyKey() {
        return idempotencyKey;
    }

    public DeliveryStatus getStatus() {
        return status;
    }

    public int getAttempts() {
        return attempts;
    }

    public Instant getNextAttemptAt() {
        return nextAttemptAt;
    }

    public String getClaimedBy() {
        return claimedBy;
    }

    public Integer getLastStatusCode() {
        return lastStatusCode;
    }

    public String getLastAnswer() {
        return lastAnswer;
    }

    public String getWithheldBasis() {
        return withheldBasis;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    public Instant getDeliveredAt() {
        return deliveredAt;
    }

    public String getSentPayload() {
        return sentPayload;
    }

    public Integer getSentBytes() {
        return sentBytes;
    }

    /** Notes, on a claimed delivery, the payload this attempt sent (kept when the attempt is settled). */
    void justSent(byte[] payload) {
        this.justSent = payload;
    }

    byte[] getJustSent() {
        return justSent;
    }

    /** Keeps a payload as sent, cut at {@link #MAX_PAYLOAD_BYTES}. */
    void keepSent(byte[] payload) {
        this.sentBytes = payload.length;
        int kept = Math.min(payload.length, MAX_PAYLOAD_BYTES);
        this.sentPayload = new String(payload, 0, kept, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Adds a resource to what the delivery is about (a letter written later in the triggering transaction). */
    void addFocus(String reference) {
        List<String> current = new java.util.ArrayList<>(getFocus());
        if (!current.contains(reference)) {
            current.add(reference);
            this.focus = String.join(",", current);
        }
    }

    void claim(String instance, Instant leaseEnd, Instant now) {
        this.claimedBy = instance;
        this.status = DeliveryStatus.SENDING;
        this.attempts++;
        this.nextAttemptAt = leaseEnd;
        this.updatedAt = now;
    }

    void unclaim(Instant when, Instant now) {
        this.status = DeliveryStatus.PENDING;
        this.attempts = Math.max(0, attempts - 1);
        this.nextAttemptAt = when;
        this.updatedAt = now;
    }

    void delivered(Integer statusCode, String answer, Instant now) {
        this.status = DeliveryStatus.DELIVERED;
        this.nextAttemptAt = null;
        this.lastStatusCode = statusCode;
        this.lastAnswer = shortened(answer);
        this.deliveredAt = now;
        this.updatedAt = now;
    }

    void withheld(String basis, Instant now) {
        this.status = DeliveryStatus.WITHHELD;
        this.nextAttemptAt = null;
        this.withheldBasis = shortened(basis);
        this.lastAnswer = "nothing sent: the consent engine withheld every resource";
        this.updatedAt = now;
    }

    void retryAt(Instant when, Integer statusCode, String answer, Instant now) {
        this.status = DeliveryStatus.PENDING;
        this.nextAttemptAt = when;
        this.lastStatusCode = statusCode;
        this.lastAnswer = shortened(answer);
        this.updatedAt = now;
    }

    void dead(Integer statusCode, String answer, Instant now) {
        this.status = DeliveryStatus.DEAD;
        this.nextAttemptAt = null;
        this.lastStatusCode = statusCode;
        this.lastAnswer = shortened(answer);
        this.updatedAt = now;
    }

    void requeue(Instant now) {
        this.status = DeliveryStatus.PENDING;
        this.attempts = 0;
        this.nextAttemptAt = now;
        this.updatedAt = now;
    }

    private static String shortened(String text) {
        return text == null || text.length() <= MAX_ANSWER_LENGTH ? text : text.substring(0, MAX_ANSWER_LENGTH);
    }
}
