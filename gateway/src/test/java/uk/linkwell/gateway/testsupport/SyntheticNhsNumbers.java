package uk.linkwell.gateway.testsupport;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Hands out distinct synthetic NHS numbers from the 999 test range that pass the Modulus 11 check. */
public final class SyntheticNhsNumbers {

    private static final AtomicLong NEXT =
            new AtomicLong(ThreadLocalRandom.current().nextLong(0, 900_000));

    private SyntheticNhsNumbers() {}

    public static String next() {
        while (true) {
            String firstNine = "999" + String.format("%06d", NEXT.getAndIncrement() % 1_000_000);
            int check = checkDigit(firstNine);
            if (check >= 0) {
                return firstNine + check;
            }
        }
    }

    /** The Modulus 11 check digit of nine digits, or -1 where no valid number exists (remainder 10). */
    static int checkDigit(String firstNine) {
        int sum = 0;
        for (int i = 0; i < 9; i++) {
            sum += (firstNine.charAt(i) - '0') * (10 - i);
        }
        int check = 11 - (sum % 11);
        return check == 11 ? 0 : check == 10 ? -1 : check;
    }
}
