package uk.linkwell.mappings.socialcare.cld;

import java.util.Arrays;
import java.util.Optional;

/**
 * The columns of a CLD batch file that Linkwell reads, named as in the CLD return's header. Other columns a
 * return carries (Gender, Ethnicity, costs, ...) are ignored.
 */
public enum CldColumn {
    LA_PERSON_UNIQUE_IDENTIFIER("LA_Person_Unique_Identifier", true),
    NHS_NUMBER("NHS_Number", true),
    CLIENT_TYPE("Client_Type", false),
    PRIMARY_SUPPORT_REASON("Primary_Support_Reason", false),
    EVENT_TYPE("Event_Type", true),
    EVENT_REFERENCE("Event_Reference", true),
    EVENT_START_DATE("Event_Start_Date", true),
    EVENT_END_DATE("Event_End_Date", false),
    EVENT_OUTCOME("Event_Outcome", false),
    REQUEST_ROUTE_OF_ACCESS("Request_Route_of_Access", false),
    ASSESSMENT_TYPE("Assessment_Type", false),
    ELIGIBLE_NEEDS_IDENTIFIED("Eligible_Needs_Identified", false),
    SERVICE_TYPE("Service_Type", false),
    SERVICE_COMPONENT("Service_Component", false),
    DELIVERY_MECHANISM("Delivery_Mechanism", false),
    REVIEW_REASON("Review_Reason", false),
    /** Not in the CLD return: Linkwell's own, the case system's case reference, so rows meet live case events. */
    CASE_REFERENCE("Case_Reference", false);

    private final String header;
    private final boolean requiredInHeader;

    CldColumn(String header, boolean requiredInHeader) {
        this.header = header;
        this.requiredInHeader = requiredInHeader;
    }

    /** The name in the file's header row (matched ignoring case and surrounding spaces). */
    public String header() {
        return header;
    }

    /** Whether a file without this column is refused as a whole. */
    public boolean requiredInHeader() {
        return requiredInHeader;
    }

    public static Optional<CldColumn> ofHeader(String name) {
        String wanted = name == null ? "" : name.strip();
        return Arrays.stream(values())
                .filter(c -> c.header.equalsIgnoreCase(wanted))
                .findFirst();
    }
}
