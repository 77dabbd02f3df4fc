package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ca.uhn.hl7v2.HL7Exception;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Bad inputs: each must fail with the table 0357 code and the location the gateway puts in ERR. */
class AdtMapperErrorTest {

    private final AdtMapper mapper = new AdtMapper(AdtFixtures.config());

    private Hl7MappingException failure(String message) {
        Hl7MappingException e =
                catchThrowableOfType(() -> mapper.map(message, AdtFixtures.context("b")), Hl7MappingException.class);
        assertThat(e).as("a mapping exception").isNotNull();
        return e;
    }

    private Hl7MappingException failure(byte[] message) {
        Hl7MappingException e =
                catchThrowableOfType(() -> mapper.map(message, AdtFixtures.context("b")), Hl7MappingException.class);
        assertThat(e).as("a mapping exception").isNotNull();
        return e;
    }

    private static void assertError(Hl7MappingException e, Hl7ErrorCode code, String location) {
        assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
        assertThat(e.location().toString()).as(e.getMessage()).isEqualTo(location);
    }

    @Test
    void emptyMessageHasNoMsh() {
        assertError(failure(new byte[0]), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "MSH");
        assertError(failure("  \r\n"), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "MSH");
    }

    @Test
    void garbageHasNoMsh() {
        Hl7MappingException e = failure("this is not an HL7 message at all");
        assertError(e, Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "MSH");
        assertThat(e.controlId()).isNull();
    }

    @Test
    void messageThatDoesNotStartWithMsh() {
        String text = MessageText.of("adt-a01-v251-admit").without("MSH").text();
        assertError(failure(text), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "MSH");
    }

    @Test
    void alphanumericFieldSeparatorIsRejected() {
        String text = MessageText.of("adt-a01-v251-admit").text().replace("|", "X");
        assertError(failure(text), Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-1");
    }

    @Test
    void duplicatedEncodingCharactersAreRejected() {
        String text = MessageText.of("adt-a01-v251-admit")
                .replace("MSH|^~\\&|", "MSH|^^\\&|")
                .text();
        assertError(failure(text), Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-2");
    }

    @Test
    void segmentsUsingAnotherFieldSeparatorAreRejected() {
        // The header declares '|' but the PID was written with ','.
        MessageText message = MessageText.of("adt-a01-v251-admit");
        String text = message.text().replaceFirst("PID\\|1\\|\\|", "PID,1,,");
        Hl7MappingException e = failure(text);
        assertError(e, Hl7ErrorCode.DATA_TYPE_ERROR, "PID");
        assertThat(e.controlId()).isNull();
    }

    @Test
    void aLineThatIsNotASegmentIsRejected() {
        // A segment broken by a stray line feed leaves its tail as a "segment" of its own.
        String text = MessageText.of("adt-a01-v251-admit")
                .text()
                .replace("Confused at night; wandered", "Confused at night;\nwandered");
        assertError(failure(text), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "OBX");
    }

    @Test
    void truncatedInsideMshMissesTheMessageType() {
        String text = "MSH|^~\\&|PAS|RWELL|LINKWELL|LINK";
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-9.1");
    }

    @Test
    void truncatedInsidePidMissesThePatientIdentifier() {
        String full = MessageText.of("adt-a01-v251-admit").text();
        String text = full.substring(0, full.indexOf("PID|1|") + "PID|1|".length());
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-3.1");
    }

    @Test
    void unsupportedMessageType() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("MSH", 9, "ORU^R01^ORU_R01")
                .text();
        Hl7MappingException e = failure(text);
        assertError(e, Hl7ErrorCode.UNSUPPORTED_MESSAGE_TYPE, "MSH-9.1");
        assertThat(e.controlId()).isEqualTo("MSG-A01-0001");
    }

    @Test
    void unsupportedEvent() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("MSH", 9, "ADT^A04^ADT_A01")
                .text();
        assertError(failure(text), Hl7ErrorCode.UNSUPPORTED_EVENT_CODE, "MSH-9.2");
    }

    @Test
    void triggerEventFallsBackToEvn() throws Exception {
        String text =
                MessageText.of("adt-a01-v251-admit").field("MSH", 9, "ADT").text();
        assertThat(mapper.inspect(text).triggerEvent()).isEqualTo(AdtEvent.A01);
    }

    @Test
    void versionBefore23IsRejected() {
        String text =
                MessageText.of("adt-a01-v251-admit").field("MSH", 12, "2.2").text();
        assertError(failure(text), Hl7ErrorCode.UNSUPPORTED_VERSION_ID, "MSH-12");
    }

    @Test
    void missingControlId() {
        String text = MessageText.of("adt-a01-v251-admit").field("MSH", 10, "").text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-10");
    }

    @Test
    void missingSendingFacility() {
        String text = MessageText.of("adt-a01-v251-admit").field("MSH", 4, "").text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-4");
    }

    @Test
    void noPid() {
        String text = MessageText.of("adt-a01-v251-admit").without("PID").text();
        Hl7MappingException e = failure(text);
        assertError(e, Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "PID");
        assertThat(e.controlId()).isEqualTo("MSG-A01-0001");
    }

    @Test
    void noPatientIdentifier() {
        String text = MessageText.of("adt-a01-v251-admit").field("PID", 3, "").text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-3.1");
    }

    @Test
    void onlyForeignIdentifiersAreNoPatientIdentifier() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("PID", 3, "123456789^^^USSSA^SS")
                .text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-3.1");
    }

    @Test
    void nhsNumberWithBadCheckDigit() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("PID", 3, "9990000019^^^NHS^NH~H1000001^^^RWELL^MR")
                .text();
        Hl7MappingException e = failure(text);
        assertError(e, Hl7ErrorCode.DATA_TYPE_ERROR, "PID-3.1");
        assertThat(e.location().toErl()).isEqualTo("PID^1^3^1^1");
        // Logs carry the exception message: it must not carry the number or the name.
        assertThat(e.getMessage()).doesNotContain("9990000019").doesNotContain("SMITHSON");
    }

    @Test
    void nhsNumberWithBadCheckDigitInSecondRepetition() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("PID", 3, "H1000001^^^RWELL^MR~9990000019^^^NHS^NH")
                .text();
        Hl7MappingException e = failure(text);
        assertError(e, Hl7ErrorCode.DATA_TYPE_ERROR, "PID-3(2).1");
        assertThat(e.location().toErl()).isEqualTo("PID^1^3^2^1");
    }

    @Test
    void nhsNumberThatIsNotTenDigits() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("PID", 3, "99900000^^^NHS^NH")
                .text();
        assertError(failure(text), Hl7ErrorCode.DATA_TYPE_ERROR, "PID-3.1");
    }

    @Test
    void nonUtf8BytesWithoutDeclaredCharset() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("MSH", 18, "")
                .replace("MARGARET", "MARGAR\u00c9T")
                .text();
        Hl7MappingException e = failure(text.getBytes(StandardCharsets.ISO_8859_1));
        assertError(e, Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-18");
    }

    @Test
    void nonUtf8BytesWhenUtf8IsDeclared() {
        String text = MessageText.of("adt-a01-v251-admit")
                .replace("MARGARET", "MARGAR\u00c9T")
                .text();
        assertError(failure(text.getBytes(StandardCharsets.ISO_8859_1)), Hl7ErrorCode.DATA_TYPE_ERROR, "MSH-18");
    }

    @Test
    void unknownCharsetName() {
        String text =
                MessageText.of("adt-a01-v251-admit").field("MSH", 18, "EBCDIC").text();
        assertError(failure(text.getBytes(StandardCharsets.US_ASCII)), Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "MSH-18");
    }

    @Test
    void encounterEventWithoutPv1() {
        String text = MessageText.of("adt-a01-v251-admit").without("PV1").text();
        assertError(failure(text), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "PV1");
    }

    @Test
    void encounterEventWithoutVisitNumber() {
        String text =
                MessageText.of("adt-a03-v251-pathway1").field("PV1", 19, "").text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PV1-19.1");
    }

    @Test
    void mergeWithoutMrg() {
        String text = MessageText.of("adt-a40-v25-merge").without("MRG").text();
        assertError(failure(text), Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "MRG");
    }

    @Test
    void mergeWithoutPriorIdentifier() {
        String text = MessageText.of("adt-a40-v25-merge")
                .field("MRG", 1, "")
                .field("MRG", 7, "X")
                .text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MRG-1.1");
    }

    @Test
    void malformedAdmitTime() {
        String text = MessageText.of("adt-a01-v251-admit")
                .field("PV1", 44, "20261320")
                .text();
        assertError(failure(text), Hl7ErrorCode.DATA_TYPE_ERROR, "PV1-44.1");
    }

    @Test
    void unknownPatientClass() {
        String text = MessageText.of("adt-a01-v251-admit").field("PV1", 2, "X").text();
        assertError(failure(text), Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "PV1-2.1");
    }

    @Test
    void patientWithoutNhsNumberIsRejectedAtPid3() {
        Hl7MappingException e = failure(AdtFixtures.rejected("adt-a01-v23-no-nhs-number"));
        assertError(e, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-3.1");
        assertThat(e.getMessage())
                .contains("no NHS number")
                .doesNotContain("H5000005")
                .doesNotContain("UNKNOWN");
        assertThat(e.controlId()).isEqualTo("MSG-A01-0010");
    }

    @Test
    void patientWithoutName() {
        String text = MessageText.of("adt-a01-v251-admit").field("PID", 5, "").text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PID-5.1");
    }

    @Test
    void aDischargeBeforeTheAdmissionIsRefusedNamingPv1_45() {
        // Before even at the coarser precision (the minute): no period can hold it.
        String text = MessageText.of("adt-a03-v24-minute-discharge")
                .field("PV1", 45, "201302110959")
                .text();
        Hl7MappingException e = failure(text);
        assertError(e, Hl7ErrorCode.DATA_TYPE_ERROR, "PV1-45.1");
        assertThat(e.getMessage())
                .contains("discharge date/time (PV1-45) is before the admission date/time (PV1-44)")
                .doesNotContain("201302110959");
    }

    @Test
    void aDischargeEventBeforeTheAdmissionIsRefusedNamingTheFieldItCameFrom() {
        String text = MessageText.of("adt-a03-v24-minute-discharge")
                .field("PV1", 45, "")
                .field("EVN", 2, "20130210")
                .text();
        Hl7MappingException e = failure(text);
        assertError(e, Hl7ErrorCode.DATA_TYPE_ERROR, "EVN-2.1");
        assertThat(e.getMessage()).contains("discharge date/time (EVN-2) is before the admission date/time (PV1-44)");
    }

    @Test
    void transferWithoutAdmitTime() {
        String text =
                MessageText.of("adt-a02-v24-transfer").field("PV1", 44, "").text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "PV1-44.1");
    }

    @Test
    void dischargeReferralWithoutMessageTime() {
        String text =
                MessageText.of("adt-a03-v251-pathway1").field("MSH", 7, "").text();
        assertError(failure(text), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "MSH-7.1");
    }

    @Test
    void unknownPathwayValueIsRejectedByDefault() {
        String text =
                MessageText.of("adt-a03-v251-pathway1").field("ZDS", 1, "9").text();
        assertError(failure(text), Hl7ErrorCode.TABLE_VALUE_NOT_FOUND, "ZDS-1.1");
    }

    @Test
    void nonNumericValueInNumericObservation() {
        String text = MessageText.of("adt-a01-v251-admit")
                .append("OBX|2|NM|WT^Weight^LOCAL||heavy|kg|||||F")
                .text();
        assertError(failure(text), Hl7ErrorCode.DATA_TYPE_ERROR, "OBX[2]-5.1");
    }

    private static String withDocument(String ed) {
        return MessageText.of("adt-a03-v251-pathway1")
                .append("OBX|3|ED|18842-5^Discharge summary^LN||" + ed + "||||||F")
                .text();
    }

    @Test
    void anEmbeddedDocumentWithoutDataIsRefusedNotDropped() {
        Hl7MappingException e = failure(withDocument("RWELL-EPR^AP^PDF^Base64^"));
        assertError(e, Hl7ErrorCode.REQUIRED_FIELD_MISSING, "OBX[3]-5.5");
        assertThat(e.getMessage()).contains("embedded document");
        // ED-1 alone (what used to become an Observation of the source application) is no document either.
        assertError(failure(withDocument("RWELL-EPR")), Hl7ErrorCode.REQUIRED_FIELD_MISSING, "OBX[3]-5.5");
    }

    @Test
    void anEmbeddedDocumentThatCannotBeDecodedIsRefused() {
        assertError(
                failure(withDocument("RWELL-EPR^AP^PDF^Base64^JVBERi0x!!not base64")),
                Hl7ErrorCode.DATA_TYPE_ERROR,
                "OBX[3]-5.5");
        assertError(
                failure(withDocument("RWELL-EPR^TEXT^^Hex^48656C6C6G")), Hl7ErrorCode.DATA_TYPE_ERROR, "OBX[3]-5.5");
        assertError(failure(withDocument("RWELL-EPR^TEXT^^Hex^486")), Hl7ErrorCode.DATA_TYPE_ERROR, "OBX[3]-5.5");
        assertError(
                failure(withDocument("RWELL-EPR^AP^PDF^UUENCODE^begin 644 x")),
                Hl7ErrorCode.TABLE_VALUE_NOT_FOUND,
                "OBX[3]-5.4");
        assertError(
                failure(withDocument("RWELL-EPR^AP^PDF^^JVBERi0xLjQK")),
                Hl7ErrorCode.REQUIRED_FIELD_MISSING,
                "OBX[3]-5.4");
    }

    @Test
    void convertsToAHapiExceptionForTheAck() {
        String text = MessageText.of("adt-a01-v251-admit").field("PID", 3, "").text();
        HL7Exception hl7 = failure(text).toHl7Exception();
        assertThat(hl7.getErrorCode()).isEqualTo(101);
        assertThat(hl7.getLocation().getSegmentName()).isEqualTo("PID");
        assertThat(hl7.getLocation().getField()).isEqualTo(3);
        assertThat(hl7.getLocation().getComponent()).isEqualTo(1);
    }

    @Test
    void inspectRejectsWhatMapRejectsInTheHeader() {
        Hl7MappingException e = catchThrowableOfType(() -> mapper.inspect("garbage"), Hl7MappingException.class);
        assertError(e, Hl7ErrorCode.SEGMENT_SEQUENCE_ERROR, "MSH");
        String text =
                MessageText.of("adt-a01-v251-admit").field("MSH", 9, "ADT^A04").text();
        e = catchThrowableOfType(
                () -> mapper.inspect(text.getBytes(StandardCharsets.UTF_8)), Hl7MappingException.class);
        assertError(e, Hl7ErrorCode.UNSUPPORTED_EVENT_CODE, "MSH-9.2");
        assertThat(e.controlId()).isEqualTo("MSG-A01-0001");
    }

    @Test
    void internalErrorsKeepTheStackButNotTheMessageOfTheBug() {
        NumberFormatException bug = new NumberFormatException("For input string: \"9990000018\"");
        Hl7MappingException e = new Hl7MappingException(
                        Hl7ErrorCode.APPLICATION_INTERNAL_ERROR,
                        Hl7ErrorLocation.segment("MSH"),
                        "unexpected NumberFormatException while mapping",
                        "C1")
                .withStackOf(bug);
        assertThat(e.getCause().getMessage()).doesNotContain("9990000018").contains("NumberFormatException");
        assertThat(e.getCause().getStackTrace()).isEqualTo(bug.getStackTrace());
        assertThat(e.toHl7Exception().getErrorCode()).isEqualTo(207);
    }
}
