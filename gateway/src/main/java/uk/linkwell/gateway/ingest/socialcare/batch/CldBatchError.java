package uk.linkwell.gateway.ingest.socialcare.batch;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;

/**
 * One bad row of a CLD batch (table {@code LW_CLD_BATCH_ERROR}): line number, column and reason, never the
 * value. One per line: the unique key turns an accidental second settlement of a line into a rollback.
 */
@Entity
@Table(
        name = "LW_CLD_BATCH_ERROR",
        uniqueConstraints =
                @UniqueConstraint(
                        name = "LW_CLD_BATCH_ERR_LINE",
                        columnNames = {"BATCH_ID", "LINE_NUMBER"}))
public class CldBatchError {

    public static final int MAX_REASON_LENGTH = 1000;

    @Id
    @SequenceGenerator(name = "LW_CLD_BATCH_ERR_SEQ", sequenceName = "LW_CLD_BATCH_ERR_SEQ", allocationSize = 50)
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "LW_CLD_BATCH_ERR_SEQ")
    @Column(name = "ID")
    private Long id;

    @Column(name = "BATCH_ID", nullable = false)
    private long batchId;

    @Column(name = "LINE_NUMBER", nullable = false)
    private long lineNumber;

    @Column(name = "COLUMN_NAME", nullable = false, length = 64)
    private String column;

    @Column(name = "REASON", nullable = false, length = MAX_REASON_LENGTH)
    private String reason;

    protected CldBatchError() {}

    CldBatchError(long batchId, long lineNumber, String column, String reason) {
        this.batchId = batchId;
        this.lineNumber = lineNumber;
        this.column = column == null ? "" : column;
        this.reason = reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH);
    }

    public long getBatchId() {
        return batchId;
    }

    public long getLineNumber() {
        return lineNumber;
    }

    public String getColumn() {
        return column;
    }

    public String getReason() {
        return reason;
    }
}
