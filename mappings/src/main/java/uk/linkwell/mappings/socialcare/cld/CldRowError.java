package uk.linkwell.mappings.socialcare.cld;

/**
 * Why one row of a CLD file was not applied: its line number, the column at fault (header name, empty when
 * the row as a whole is at fault) and the reason. Never carries the value itself.
 */
public record CldRowError(long lineNumber, String column, String reason) {}
