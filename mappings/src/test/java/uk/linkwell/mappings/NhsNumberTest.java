package uk.linkwell.mappings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NhsNumberTest {

    @Test
    void acceptsTheNhsDigitalExampleNumber() {
        assertThat(NhsNumber.isValid("9434765919")).isTrue();
        assertThat(NhsNumber.isValid("943 476 5919")).isTrue();
    }

    @Test
    void rejectsAWrongCheckDigit() {
        assertThat(NhsNumber.isValid("9434765918")).isFalse();
    }

    /** Synthetic 999-range numbers used in the golden files; check digits computed by hand below. */
    @ParameterizedTest
    @ValueSource(strings = {"9990000018", "9990000026", "9990000034", "9990000042", "9990000050", "9990000069"})
    void acceptsSynthetic999RangeNumbers(String number) {
        assertThat(NhsNumber.isValid(number)).isTrue();
    }

    @Test
    void computesTheCheckDigit() {
        // 9*10 + 9*9 + 9*8 + 0 ... + 1*2 = 245; 245 mod 11 = 3; 11 - 3 = 8.
        assertThat(NhsNumber.checkDigit("999000001")).isEqualTo(8);
        // 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 mod 11 = 2; 11 - 2 = 9.
        assertThat(NhsNumber.checkDigit("943476591")).isEqualTo(9);
    }

    @Test
    void aRemainderGivingTenMeansNoValidNumber() {
        // 9*10 + 9*9 + 9*8 = 243; 243 mod 11 = 1; 11 - 1 = 10, which is not a digit.
        assertThat(NhsNumber.checkDigit("999000000")).isEqualTo(-1);
        for (int digit = 0; digit <= 9; digit++) {
            assertThat(NhsNumber.isValid("999000000" + digit)).isFalse();
        }
    }

    @Test
    void aRemainderOfZeroGivesCheckDigitZero() {
        assertThat(NhsNumber.checkDigit("999000005")).isZero();
        assertThat(NhsNumber.isValid("9990000050")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "999000001", "99900000181", "999000001X", "99900-0018"})
    void rejectsAnythingButTenDigits(String candidate) {
        assertThat(NhsNumber.isValid(candidate)).isFalse();
    }

    @Test
    void nullIsNotValid() {
        assertThat(NhsNumber.isValid(null)).isFalse();
        assertThat(NhsNumber.normalise(null)).isNull();
    }

    @Test
    void checkDigitNeedsNineDigits() {
        assertThatThrownBy(() -> NhsNumber.checkDigit("12345678")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NhsNumber.checkDigit("12345678X")).isInstanceOf(IllegalArgumentException.class);
    }
}
