package uk.linkwell.mappings.socialcare.cld;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One test per reason a row is refused: the error names the line and the column and never echoes the value,
 * and the good row after it still maps.
 */
class CldRowErrorTest {

    static final String GOOD = "LAP-1,9990010005,Service User,,Request,REQ-1,,2026-11-02,,,,,,,,,";

    private static CldRowError onlyError(String badRow) throws Exception {
        CldFixtures.Mapped mapped = CldFixtures.map(CldFixtures.file(badRow, GOOD));
        assertThat(mapped.goodRows()).as("the good row still maps").isEqualTo(1);
        assertThat(mapped.errors()).hasSize(1);
        CldRowError error = mapped.errors().get(0);
        assertThat(error.lineNumber()).isEqualTo(2);
        return error;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
      NHS_Number                  | must be ten digits                                  | LAP-2,99900100,,,Request,REQ-2,,2026-11-02,,,,,,,,,
      NHS_Number                  | fails the Modulus 11 check                          | LAP-2,9990010006,,,Request,REQ-2,,2026-11-02,,,,,,,,,
      NHS_Number                  | is required                                         | LAP-2,,,,Request,REQ-2,,2026-11-02,,,,,,,,,
      Event_Type                  | must be one of Request, Assessment, Service, Review | LAP-2,9990020000,,,Referral,REQ-2,,2026-11-02,,,,,,,,,
      Event_Type                  | is required                                         | LAP-2,9990020000,,,,REQ-2,,2026-11-02,,,,,,,,,
      Event_Reference             | is required                                         | LAP-2,9990020000,,,Request,,,2026-11-02,,,,,,,,,
      Event_Reference             | must be 1-64 of A-Z a-z 0-9 . _ -                    | LAP-2,9990020000,,,Request,REQ 2,,2026-11-02,,,,,,,,,
      LA_Person_Unique_Identifier | must be 1-64 of A-Z a-z 0-9 . _ -                    | LAP/2,9990020000,,,Request,REQ-2,,2026-11-02,,,,,,,,,
      Case_Reference              | must be 1-64 of A-Z a-z 0-9 . _ -                    | LAP-2,9990020000,,,Assessment,A-2,CASE#1,2026-11-02,,,,,,,,,
      Event_Start_Date            | is required                                         | LAP-2,9990020000,,,Request,REQ-2,,,,,,,,,,,
      Event_Start_Date            | must be a date as YYYY-MM-DD or DD/MM/YYYY          | LAP-2,9990020000,,,Request,REQ-2,,2026-02-30,,,,,,,,,
      Event_End_Date              | must be a date as YYYY-MM-DD or DD/MM/YYYY          | LAP-2,9990020000,,,Request,REQ-2,,2026-11-02,31/13/2026,,,,,,,,
      Event_End_Date              | must not be before Event_Start_Date                 | LAP-2,9990020000,,,Request,REQ-2,,2026-11-02,2026-11-01,,,,,,,,
      Eligible_Needs_Identified   | must be Yes or No                                   | LAP-2,9990020000,,,Assessment,A-2,,2026-11-02,,,,,Maybe,,,,
      Service_Type                | is required for this Event_Type                     | LAP-2,9990020000,,,Service,S-2,,2026-11-02,,,,,,,,,
      Review_Reason               | is required for this Event_Type                     | LAP-2,9990020000,,,Review,R-2,,2026-11-02,,,,,,,,,
      Review_Reason               | must be Planned or Unplanned                        | LAP-2,9990020000,,,Review,R-2,,2026-11-02,,,,,,,,,Annual
      """)
    void refusesTheRowNamingTheColumn(String column, String reason, String row) throws Exception {
        CldRowError error = onlyError(row.strip());
        assertThat(error.column()).isEqualTo(column);
        assertThat(error.reason()).isEqualTo(reason);
        for (String cell : row.split(",")) {
            if (cell.length() > 3) {
                assertThat(error.reason()).doesNotContain(cell);
            }
        }
    }

    @Test
    void refusesATextLongerThanItsLimit() throws Exception {
        CldRowError error =
                onlyError("LAP-2,9990020000,,\"" + "x".repeat(501) + "\",Request,REQ-2,,2026-11-02,,,,,,,,,");
        assertThat(error.column()).isEqualTo("Primary_Support_Reason");
        assertThat(error.reason()).isEqualTo("is longer than 500 characters");
    }

    @Test
    void refusesARowWithTheWrongNumberOfFields() throws Exception {
        CldRowError error = onlyError("LAP-2,9990020000,,,Request,REQ-2,,2026-11-02");
        assertThat(error.column()).isEmpty();
        assertThat(error.reason()).isEqualTo("has 8 fields where the header has 17");
    }

    @Test
    void refusesAPersonGivenWithAnotherNhsNumberThanBefore() throws Exception {
        CldFixtures.Mapped mapped = CldFixtures.map(CldFixtures.file(
                GOOD,
                "LAP-1,9990020000,,,Request,REQ-3,,2026-11-02,,,,,,,,,",
                "LAP-9,9990010005,,,Request,REQ-4,,2026-11-02,,,,,,,,,"));
        assertThat(mapped.goodRows()).isEqualTo(1);
        assertThat(mapped.errors())
                .containsExactly(
                        new CldRowError(
                                3,
                                "NHS_Number",
                                "differs from the one given with the same LA_Person_Unique_Identifier on line 2"),
                        new CldRowError(
                                4,
                                "LA_Person_Unique_Identifier",
                                "differs from the one given with the same NHS_Number on line 2"));
    }

    @Test
    void aBadRowDoesNotClaimItsPersonForLaterRows() throws Exception {
        // The first row is refused (bad date) before its person is remembered, so the second may pair them anew.
        CldFixtures.Mapped mapped =
                CldFixtures.map(CldFixtures.file("LAP-1,9990020000,,,Request,REQ-3,,2026-13-02,,,,,,,,,", GOOD));
        assertThat(mapped.errors()).extracting(CldRowError::column).containsExactly("Event_Start_Date");
        assertThat(mapped.goodRows()).isEqualTo(1);
    }

    @Test
    void everyRowErrorOfAMixedFileIsReportedWithItsLine() throws Exception {
        CldFixtures.Mapped mapped = CldFixtures.map(CldFixtures.file(
                GOOD,
                "LAP-2,9990010006,,,Request,REQ-2,,2026-11-02,,,,,,,,,",
                "LAP-3,9990030006,,,Request,REQ-3,,2026-11-02,,,,,,,,,",
                "LAP-4,9990020000,,,Review,R-2,,2026-11-02,,,,,,,,,"));
        assertThat(mapped.goodRows()).isEqualTo(2);
        assertThat(mapped.errors()).extracting(CldRowError::lineNumber).isEqualTo(List.of(3L, 5L));
    }
}
