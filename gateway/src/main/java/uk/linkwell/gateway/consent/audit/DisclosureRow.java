package uk.linkwell.gateway.consent.audit;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One row of the append-only disclosure trail: the disclosure as written, plus the columns it is searched by.
 * Mapped only so that the schema is created and upgraded with HAPI's tables; {@link DisclosureTrail} reads and
 * writes it with plain SQL.
 */
@Entity
@Table(
        name = "LW_DISCLOSURE",
        indexes = {
            @Index(name = "LW_DISCLOSURE_PATIENT", columnList = "PATIENT, RECORDED"),
            @Index(name = "LW_DISCLOSURE_RECORDED", columnList = "RECORDED"),
            @Index(name = "LW_DISCLOSURE_CLIENT", columnList = "CLIENT_ID, RECORDED"),
            @Index(name = "LW_DISCLOSURE_BREAK_GLASS", columnList = "BREAK_GLASS, RECORDED")
        })
public class DisclosureRow {

    /** The AuditEvent's id (a UUID). */
    @Id
    @Column(name = "ID", length = 64)
    private String id;

    @Column(name = "RECORDED", nullable = false)
    private Instant recorded;

    /** {@code Patient/<id>}, versionless; null when the disclosure concerned no one patient. */
    @Column(name = "PATIENT", length = 100)
    private String patient;

    /** {@code 0} disclosed, {@code 4} refused (AuditEvent.outcome). */
    @Column(name = "OUTCOME", nullable = false, length = 2)
    private String outcome;

    /** {@code fhir-read}, {@code fhir-search}, {@code fhir-operation}, {@code exchange}. */
    @Column(name = "CHANNEL", nullable = false, length = 32)
    private String channel;

    @Column(name = "CLIENT_ID", length = 200)
    private String clientId;

    /** {@code Practitioner/<id>} acting through a link worker's app, else null. */
    @Column(name = "PRACTITIONER", length = 100)
    private String practitioner;

    @Column(name = "BREAK_GLASS", nullable = false)
    private boolean breakGlass;

    @Column(name = "REQUEST_ID", length = 200)
    private String requestId;

    /** The disclosure as a {@link StoredDisclosure} (JSON, UTF-8); older rows hold the AuditEvent's JSON. */
    @JdbcTypeCode(SqlTypes.VARBINARY)
    @Column(name = "BODY", nullable = false, length = 100_000_000)
    private byte[] body;

    protected DisclosureRow() {}
}
