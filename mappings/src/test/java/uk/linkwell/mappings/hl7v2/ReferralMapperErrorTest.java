package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each way a REF^I12 can be unmappable gives its HL7 error code and location, and never a value from it. */
class ReferralMapperErrorTest {

    private static final String GOLDEN = "ref-i12-v251-social-prescribing";

    private static MessageText golden() {
        return MessageText.ofText(ReferralFixtures.golden(GOLDEN));
    }

    static Stream<Arguments> badMessages() {
        return Stream.of(
                Arguments.of("no PID", golden().without("PID").text(), 100, "PID"),
                Arguments.of("no RF1", golden().without("RF1").text(), 100, "RF1"),
                Arguments.of(
                        "PID-3 without an NHS number",
                        golden().field("PID", 3, "H100201^^^Y01234^PI").text(),
                        101,
                        "PID-3.1"),
                Arguments.of("PID-3 empty", golden().field("PID", 3, "").text(), 101, "PID-3.1"),
                Arguments.of(
                        "NHS number with a bad check digit",
                        golden().replace("9990010005", "9990010006").text(),
                        102,
                        "PID-3.1"),
                Arguments.of(
                        "NHS number not ten digits",
                        golden().replace("9990010005", "999001000").text(),
                        102,
                        "PID-3.1"),
                Arguments.of(
                        "unknown event",
                        golden().field("MSH", 9, "REF^I13^REF_I12").text(),
                        201,
                        "MSH-9.2"),
                Arguments.of(
                        "not a referral",
                        golden().field("MSH", 9, "ADT^A01^ADT_A01").text(),
                        200,
                        "MSH-9.1"),
                Arguments.of("version 2.2", golden().field("MSH", 12, "2.2").text(), 203, "MSH-12"),
                Arguments.of("no control id", golden().field("MSH", 10, "").text(), 101, "MSH-10"),
                Arguments.of("no referral id", golden().field("RF1", 6, "").text(), 101, "RF1-6.1"),
                Arguments.of(
                        "priority outside table 0280",
                        golden().field("RF1", 2, "X^Whenever").text(),
                        103,
                        "RF1-2.1"),
                Arguments.of(
                        "no referral date at all",
                        golden().field("RF1", 7, "").field("MSH", 7, "").text(),
                        101,
                        "RF1-7.1"),
                Arguments.of(
                        "malformed referral date",
                        golden().field("RF1", 7, "2026-11-25").text(),
                        102,
                        "RF1-7.1"),
                Arguments.of(
                        "malformed birth date",
                        golden().field("PID", 7, "12/03/1948").text(),
                        102,
                        "PID-7.1"),
                Arguments.of("no patient name", golden().field("PID", 5, "").text(), 101, "PID-5.1"),
                Arguments.of(
                        "no referring provider",
                        golden().replace("PRD|RP^", "PRD|XX^").text(),
                        100,
                        "PRD"),
                Arguments.of(
                        "no receiving provider",
                        golden().replace("PRD|RT^", "PRD|XX^").text(),
                        100,
                        "PRD"),
                Arguments.of(
                        "receiving provider without ODS code",
                        golden().replace("X26SPL^ODS", "X26SPL^SL").text(),
                        101,
                        "PRD[2]-7.1"),
                Arguments.of("not HL7 at all", "hello", 100, "MSH"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badMessages")
    void isRejectedWithItsCodeAndLocation(String what, String message, int code, String location) {
        Hl7MappingException e =
                catchThrowableOfType(() -> ReferralFixtures.mapText(message), Hl7MappingException.class);
        assertThat(e).as(what).isNotNull();
        assertThat(e.errorCode().code()).as(what + ": " + e.getMessage()).isEqualTo(code);
        assertThat(e.location().toString()).as(what + ": " + e.getMessage()).isEqualTo(location);
        // Exception texts are logged: they must not carry the NHS number or the name.
        assertThat(e.getMessage()).doesNotContain("999001000", "FICTIONAL", "MARGARET");
    }

    @Test
    void aMissingNhsNumberSaysSoAndCarriesTheControlId() {
        Hl7MappingException e = catchThrowableOfType(
                () -> ReferralFixtures.mapText(
                        golden().field("PID", 3, "H100201^^^Y01234^PI").text()),
                Hl7MappingException.class);
        assertThat(e.getMessage()).contains("no NHS number");
        assertThat(e.controlId()).isEqualTo("REF000101");
        assertThat(e.location().toErl()).isEqualTo("PID^1^3^1^1");
    }

    @Test
    void inspectChecksTheHeaderWithoutMappingTheBody() throws Exception {
        ReferralMapper mapper = new ReferralMapper(ReferralFixtures.config());
        ReferralMessageHeader header = mapper.inspect(golden().without("PID").text());
        assertThat(header.controlId()).isEqualTo("REF000101");
        assertThat(header.sendingFacility()).isEqualTo("Y01234");
        assertThat(header.triggerEvent()).isEqualTo("I12");
        Hl7MappingException e = catchThrowableOfType(
                () -> mapper.inspect(golden().field("MSH", 9, "REF^I14").text()), Hl7MappingException.class);
        assertThat(e.errorCode()).isEqualTo(Hl7ErrorCode.UNSUPPORTED_EVENT_CODE);
    }
}
