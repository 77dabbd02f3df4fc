package uk.linkwell.mappings.socialcare.cld;

import java.util.List;

/**
 * A CLD file that cannot be read at all (empty, not CSV text, header without the required columns): refused
 * whole. {@code columns} names the columns at fault where there are any.
 */
public class CldFileException extends Exception {

    private final String problem;
    private final List<String> columns;

    public CldFileException(String problem, String detail, List<String> columns) {
        super(detail);
        this.problem = problem;
        this.columns = List.copyOf(columns);
    }

    /** A short stable code: {@code empty}, {@code not-csv}, {@code missing-columns}. */
    public String problem() {
        return problem;
    }

    public List<String> columns() {
        return columns;
    }
}
