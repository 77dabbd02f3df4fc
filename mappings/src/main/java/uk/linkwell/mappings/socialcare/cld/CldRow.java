package uk.linkwell.mappings.socialcare.cld;

import java.util.Map;

/**
 * One data row of a CLD file as read: its line number in the file (1 is the header) and the values of the
 * columns Linkwell reads, trimmed, absent when empty.
 */
public record CldRow(long lineNumber, Map<CldColumn, String> values) {

    public CldRow {
        values = Map.copyOf(values);
    }

    /** The trimmed value, or null when the cell is empty or the column absent. */
    public String get(CldColumn column) {
        return values.get(column);
    }
}
