package uk.linkwell.mappings.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class Hl7TimeTest {

    private static final ZoneId LONDON = ZoneId.of("Europe/London");

    @Test
    void localTimesFollowBritishSummerTime() {
        assertThat(Hl7Time.dateTime("20261120083000", LONDON)).isEqualTo("2026-11-20T08:30:00+00:00");
        assertThat(Hl7Time.dateTime("20260715083000", LONDON)).isEqualTo("2026-07-15T08:30:00+01:00");
    }

    @Test
    void anExplicitOffsetWins() {
        assertThat(Hl7Time.dateTime("20260715083000-0500", LONDON)).isEqualTo("2026-07-15T08:30:00-05:00");
    }

    @Test
    void precisionIsKept() {
        assertThat(Hl7Time.dateTime("2026", LONDON)).isEqualTo("2026");
        assertThat(Hl7Time.dateTime("202611", LONDON)).isEqualTo("2026-11");
        assertThat(Hl7Time.dateTime("20261120", LONDON)).isEqualTo("2026-11-20");
        assertThat(Hl7Time.dateTime("202611200830", LONDON)).isEqualTo("2026-11-20T08:30:00+00:00");
        assertThat(Hl7Time.dateTime("20261120083000.12", LONDON)).isEqualTo("2026-11-20T08:30:00.12+00:00");
    }

    @Test
    void datesDropTheTime() {
        assertThat(Hl7Time.date("198808181126+0215")).isEqualTo("1988-08-18");
    }

    @Test
    void emptyIsNull() {
        assertThat(Hl7Time.dateTime("", LONDON)).isNull();
        assertThat(Hl7Time.date(" ")).isNull();
    }

    @Test
    void malformedValuesAreRejected() {
        assertThatThrownBy(() -> Hl7Time.dateTime("20261320", LONDON)).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> Hl7Time.dateTime("2026-11-20", LONDON)).isInstanceOf(RuntimeException.class);
        assertThatThrownBy(() -> Hl7Time.dateTime("20261120256000", LONDON)).isInstanceOf(RuntimeException.class);
    }

    private static Hl7Time.Stamp at(String hl7) {
        return Hl7Time.stamp(hl7, LONDON);
    }

    private static String period(String start, String end) {
        return Hl7Time.span(at(start), at(end))
                .map(span -> span.start().fhir() + " to " + span.end().fhir())
                .orElse("end before start");
    }

    @Test
    void theSendersPrecisionIsKnown() {
        assertThat(at("2026").precision()).isEqualTo(Hl7Time.Precision.YEAR);
        assertThat(at("20261120").precision()).isEqualTo(Hl7Time.Precision.DAY);
        assertThat(at("2026112008").precision()).isEqualTo(Hl7Time.Precision.HOUR);
        assertThat(at("202611200830").precision()).isEqualTo(Hl7Time.Precision.MINUTE);
        assertThat(at("20261120083000").precision()).isEqualTo(Hl7Time.Precision.SECOND);
        assertThat(at("20261120083000.5+0100").precision()).isEqualTo(Hl7Time.Precision.FRACTION);
    }

    @Test
    void aTimeIsSaidAtACoarserPrecisionWithZerosBelowIt() {
        assertThat(at("20130211100052").truncatedTo(Hl7Time.Precision.MINUTE).fhir())
                .isEqualTo("2013-02-11T10:00:00+00:00");
        assertThat(at("20260715100052.25").truncatedTo(Hl7Time.Precision.HOUR).fhir())
                .isEqualTo("2026-07-15T10:00:00+01:00");
        assertThat(at("20260715100052-0500")
                        .truncatedTo(Hl7Time.Precision.SECOND)
                        .fhir())
                .isEqualTo("2026-07-15T10:00:52-05:00");
        assertThat(at("20260715100052").truncatedTo(Hl7Time.Precision.DAY).fhir())
                .isEqualTo("2026-07-15");
        // Never finer than given.
        assertThat(at("202607151000").truncatedTo(Hl7Time.Precision.SECOND).precision())
                .isEqualTo(Hl7Time.Precision.MINUTE);
    }

    @Test
    void periodTimesEqualAtTheCoarserPrecisionAreBothSaidAtIt() {
        // Issue 22: admitted to the second, discharged to the minute, within that same minute.
        assertThat(period("20130211100052", "201302111000"))
                .isEqualTo("2013-02-11T10:00:00+00:00 to 2013-02-11T10:00:00+00:00");
        assertThat(period("201302111000", "20130211100052"))
                .isEqualTo("2013-02-11T10:00:00+00:00 to 2013-02-11T10:00:00+00:00");
        assertThat(period("20130211100052", "20130211")).isEqualTo("2013-02-11 to 2013-02-11");
        assertThat(period("20130211100052.75", "20130211100052"))
                .isEqualTo("2013-02-11T10:00:52+00:00 to 2013-02-11T10:00:52+00:00");
    }

    @Test
    void periodTimesThatDifferAtTheCoarserPrecisionAreKeptAsGiven() {
        assertThat(period("20130211095952", "201302111000"))
                .isEqualTo("2013-02-11T09:59:52+00:00 to 2013-02-11T10:00:00+00:00");
        assertThat(period("20130210235952", "20130211")).isEqualTo("2013-02-10T23:59:52+00:00 to 2013-02-11");
        // The same instant written in two offsets is the same time.
        assertThat(period("20260715110000+0100", "20260715100000+0000"))
                .isEqualTo("2026-07-15T11:00:00+01:00 to 2026-07-15T10:00:00+00:00");
    }

    @Test
    void anEndBeforeTheStartAtTheCoarserPrecisionIsNoPeriod() {
        assertThat(period("20130211100052", "201302110959")).isEqualTo("end before start");
        assertThat(period("20130211100052", "20130210")).isEqualTo("end before start");
        assertThat(period("20260715100001+0000", "20260715100000+0000")).isEqualTo("end before start");
    }
}
