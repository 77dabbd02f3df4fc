package uk.linkwell.mappings.socialcare.cld;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** File-level refusals and line numbering of the CLD reader. */
class CldReaderTest {

    @Test
    void refusesAnEmptyFile() {
        assertThatThrownBy(() -> CldReader.open(new byte[0]))
                .isInstanceOfSatisfying(
                        CldFileException.class, e -> assertThat(e.problem()).isEqualTo("empty"));
        assertThatThrownBy(() -> CldReader.open("\n\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        CldFileException.class, e -> assertThat(e.problem()).isEqualTo("empty"));
    }

    @Test
    void refusesBinaryAndNonUtf8Bytes() {
        assertThatThrownBy(() -> CldReader.open(new byte[] {0x50, 0x4b, 0x03, 0x04, 0x00, 0x00}))
                .isInstanceOfSatisfying(
                        CldFileException.class, e -> assertThat(e.problem()).isEqualTo("not-csv"));
        assertThatThrownBy(() -> CldReader.open(new byte[] {'a', ',', (byte) 0xC3, '\n'}))
                .isInstanceOfSatisfying(
                        CldFileException.class, e -> assertThat(e.problem()).isEqualTo("not-csv"));
    }

    @Test
    void refusesAHeaderWithoutTheRequiredColumnsNamingThem() {
        byte[] file = "LA_Person_Unique_Identifier,NHS_Number,Event_Type\nA,9990010005,Request\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CldReader.open(file)).isInstanceOfSatisfying(CldFileException.class, e -> {
            assertThat(e.problem()).isEqualTo("missing-columns");
            assertThat(e.columns()).containsExactly("Event_Reference", "Event_Start_Date");
        });
        assertThatThrownBy(() -> CldReader.open("{\"resourceType\":\"Bundle\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        CldFileException.class, e -> assertThat(e.problem()).isEqualTo("missing-columns"));
    }

    @Test
    void refusesAColumnNamedTwice() {
        byte[] file = (CldFixtures.HEADER + ",nhs_number\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CldReader.open(file)).isInstanceOfSatisfying(CldFileException.class, e -> {
            assertThat(e.problem()).isEqualTo("duplicate-columns");
            assertThat(e.columns()).containsExactly("NHS_Number");
        });
    }

    @Test
    void numbersPhysicalLinesAcrossBlankLinesQuotedNewlinesAndCrLf() throws Exception {
        String file = "\uFEFF" + CldFixtures.HEADER + "\r\n"
                + "LAP-1,9990010005,,\"two\r\nlines\",Request,REQ-1,,2026-11-02,,,,,,,,,\r\n"
                + "\r\n"
                + "LAP-1,9990010005,,,Request,REQ-2,,2026-11-02,,,,,,,,,\r\n";
        CldReader reader = CldReader.open(file.getBytes(StandardCharsets.UTF_8));
        List<Long> lines = new ArrayList<>();
        reader.forEachRemaining(e -> lines.add(e.lineNumber()));
        assertThat(lines).containsExactly(2L, 5L);
    }

    @Test
    void anUnclosedQuoteIsOneErrorAndStopsTheFile() throws Exception {
        String file = CldFixtures.file(
                CldRowErrorTest.GOOD, "LAP-2,\"9990020000,,,Request,REQ-2,,2026-11-02,,,,,,,,,", CldRowErrorTest.GOOD);
        CldFixtures.Mapped mapped = CldFixtures.map(file);
        assertThat(mapped.goodRows()).isEqualTo(1);
        assertThat(mapped.errors()).hasSize(1);
        assertThat(mapped.errors().get(0).lineNumber()).isEqualTo(3);
        assertThat(mapped.errors().get(0).reason()).contains("unclosed quote");
    }
}
