package uk.linkwell.mappings.socialcare.cld;

/** A row that cannot be applied: the column at fault (empty for the whole row) and why, never the value. */
public class CldRowException extends Exception {

    private final String column;
    private final String reason;

    public CldRowException(CldColumn column, String reason) {
        this(column == null ? "" : column.header(), reason);
    }

    public CldRowException(String column, String reason) {
        super((column.isEmpty() ? "row" : column) + ": " + reason);
        this.column = column;
        this.reason = reason;
    }

    public String column() {
        return column;
    }

    public String reason() {
        return reason;
    }

    public CldRowError at(long lineNumber) {
        return new CldRowError(lineNumber, column, reason);
    }
}
