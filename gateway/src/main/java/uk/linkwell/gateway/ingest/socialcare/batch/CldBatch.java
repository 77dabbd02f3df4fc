package uk.linkwell.gateway.ingest.socialcare.batch;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * The progress of one CLD batch file (table {@code LW_CLD_BATCH}); its id is the id of the inbound message
 * that holds the file. {@code rowsProcessed} counts the file's entries (rows and unreadable lines) settled in
 * file order, each in the same database transaction as what it wrote, so a restart resumes after it.
 */
@Entity
@Table(name = "LW_CLD_BATCH")
public class CldBatch {

    @Id
    @Column(name = "ID")
    private Long id;

    @Column(name = "LOCAL_AUTHORITY", nullable = false, length = 64)
    private String localAuthority;

    @Column(name = "CLIENT_ID", length = 200)
    private String clientId;

    @Column(name = "ROWS_TOTAL")
    private Long rowsTotal;

    @Column(name = "ROWS_PROCESSED", nullable = false)
    private long rowsProcessed;

    @Column(name = "ROWS_LANDED", nullable = false)
    private long rowsLanded;

    @Column(name = "ROWS_BAD", nullable = false)
    private long rowsBad;

    @Column(name = "STARTED_AT")
    private Instant startedAt;

    @Column(name = "FINISHED_AT")
    private Instant finishedAt;

    @Column(name = "UPDATED_AT", nullable = false)
    private Instant updatedAt;

    protected CldBatch() {}

    CldBatch(long id, String localAuthority, String clientId, Instant now) {
        this.id = id;
        this.localAuthority = localAuthority;
        this.clientId = clientId;
        this.updatedAt = now;
    }

    public Long getId() {
        return id;
    }

    public String getLocalAuthority() {
        return localAuthority;
    }

    public String getClientId() {
        return clientId;
    }

    public Long getRowsTotal() {
        return rowsTotal;
    }

    public long getRowsProcessed() {
        return rowsProcessed;
    }

    public long getRowsLanded() {
        return rowsLanded;
    }

    public long getRowsBad() {
        return rowsBad;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public Instant getFinishedAt() {
        return finishedAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    void start(long total, Instant now) {
        rowsTotal = total;
        if (startedAt == null) {
            startedAt = now;
        }
        updatedAt = now;
    }

    void settle(long processed, long landed, long bad, Instant now) {
        rowsProcessed += processed;
        rowsLanded += landed;
        rowsBad += bad;
        updatedAt = now;
    }

    void finish(Instant now) {
        finishedAt = now;
        updatedAt = now;
    }
}
