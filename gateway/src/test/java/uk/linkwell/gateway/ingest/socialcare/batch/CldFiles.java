package uk.linkwell.gateway.ingest.socialcare.batch;

import java.util.ArrayList;
import java.util.List;
import uk.linkwell.gateway.testsupport.SyntheticNhsNumbers;

/** Builds synthetic CLD files for the batch tests and the benchmark (999-range NHS numbers only). */
final class CldFiles {

    static final String HEADER = "LA_Person_Unique_Identifier,NHS_Number,Client_Type,Primary_Support_Reason,"
            + "Event_Type,Event_Reference,Case_Reference,Event_Start_Date,Event_End_Date,Event_Outcome,"
            + "Request_Route_of_Access,Assessment_Type,Eligible_Needs_Identified,Service_Type,Service_Component,"
            + "Delivery_Mechanism,Review_Reason";

    private CldFiles() {}

    /** A person of a test file: LA person id and a fresh synthetic NHS number. */
    record Person(String id, String nhsNumber) {
        static Person fresh(String prefix, int n) {
            return new Person(prefix + "-P" + n, SyntheticNhsNumbers.next());
        }
    }

    static String request(Person p, String ref) {
        return p.id() + "," + p.nhsNumber() + ",Service User,Physical Support: Personal care support,Request," + ref
                + ",,2026-11-02,2026-11-03,Progress to Assessment,Community / Other route,,,,,,";
    }

    static String assessment(Person p, String ref, String caseRef) {
        return p.id() + "," + p.nhsNumber() + ",Service User,Physical Support: Personal care support,Assessment," + ref
                + "," + caseRef + ",2026-11-04,05/11/2026,Progress to Support Planning / Services,,"
                + "Long Term Support Needs Assessment,Yes,,,,";
    }

    static String service(Person p, String ref, String caseRef) {
        return p.id() + "," + p.nhsNumber() + ",Service User,,Service," + ref + "," + caseRef
                + ",2026-11-10,,,,,,Long Term Support: Community,Home Support,CASSR Managed Personal Budget,";
    }

    static String review(Person p, String ref, String caseRef) {
        return p.id() + "," + p.nhsNumber() + ",Carer,,Review," + ref + "," + caseRef
                + ",2027-11-01,2027-11-02,No change in package,,,,,,,Planned";
    }

    static String file(List<String> rows) {
        return HEADER + "\n" + String.join("\n", rows) + "\n";
    }

    /**
     * A file of {@code rows} rows, one bad in every {@code badEvery} (a wrong NHS check digit, a missing
     * start date, an unknown event type, by turns): the rest cycle through the four event types of one person
     * per four rows. Returns the file and the line numbers of the bad rows.
     */
    static Generated generate(String prefix, int rows, int badEvery) {
        List<String> lines = new ArrayList<>(rows);
        List<Long> bad = new ArrayList<>();
        Person person = null;
        for (int i = 0; i < rows; i++) {
            if (i % 4 == 0) {
                person = Person.fresh(prefix, i);
            }
            String caseRef = prefix + "-C" + (i / 4);
            String ref = prefix + "-E" + i;
            if (badEvery > 0 && i % badEvery == badEvery - 1) {
                bad.add(i + 2L);
                lines.add(
                        switch ((i / badEvery) % 3) {
                            case 0 -> person.id() + "," + wrongCheckDigit(person.nhsNumber()) + ",,,Request," + ref
                                    + ",,2026-11-02,,,,,,,,,";
                            case 1 -> person.id() + "," + person.nhsNumber() + ",,,Request," + ref + ",,,,,,,,,,,";
                            default -> person.id() + "," + person.nhsNumber() + ",,,Referral," + ref
                                    + ",,2026-11-02,,,,,,,,,";
                        });
                continue;
            }
            lines.add(
                    switch (i % 4) {
                        case 0 -> request(person, caseRef);
                        case 1 -> assessment(person, ref, caseRef);
                        case 2 -> service(person, ref, caseRef);
                        default -> review(person, ref, caseRef);
                    });
        }
        return new Generated(file(lines), bad);
    }

    record Generated(String csv, List<Long> badLines) {}

    static String wrongCheckDigit(String nhsNumber) {
        char last = nhsNumber.charAt(9);
        return nhsNumber.substring(0, 9) + (char) (last == '9' ? '0' : last + 1);
    }
}
