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
}
