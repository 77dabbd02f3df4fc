package uk.linkwell.mappings;

/** Checks NHS numbers: ten digits whose last digit is the Modulus 11 check digit of the first nine. */
public final class NhsNumber {

    /** FHIR identifier system for the NHS number. */
    public static final String SYSTEM = "https://fhir.nhs.uk/Id/nhs-number";

    private NhsNumber() {}

    /**
     * True when {@code candidate} is exactly ten digits (spaces allowed as in "943 476 5919") and the
     * check digit is right. A computed check digit of 10 means no valid number exists with those nine digits.
     */
    public static boolean isValid(String candidate) {
        String digits = normalise(candidate);
        if (digits == null) {
            return false;
        }
        int expected = checkDigit(digits.substring(0, 9));
        return expected >= 0 && expected == digits.charAt(9) - '0';
    }

    /**
     * The number as ten digits without spaces, or null when it is not ten digits. Does not check the
     * check digit.
     */
    public static String normalise(String candidate) {
        if (candidate == null) {
            return null;
        }
        String digits = candidate.replace(" ", "").trim();
        if (digits.length() != 10) {
            return null;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return null;
            }
        }
        return digits;
    }

    /** The Modulus 11 check digit for nine digits, or -1 when the remainder makes it 10 (no valid number). */
    public static int checkDigit(String nineDigits) {
        if (nineDigits == null || nineDigits.length() != 9) {
            throw new IllegalArgumentException("nine digits expected");
        }
        int sum = 0;
        for (int i = 0; i < 9; i++) {
            char c = nineDigits.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("nine digits expected");
            }
            sum += (c - '0') * (10 - i);
        }
        int check = 11 - (sum % 11);
        if (check == 11) {
            return 0;
        }
        return check == 10 ? -1 : check;
    }
}
