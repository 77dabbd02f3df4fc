package uk.linkwell.gateway.exchange;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/**
 * Where an outbound delivery is in its life: waiting (due now or after a backoff), being sent under a claim,
 * delivered, withheld by the consent engine (nothing sent), or dead (refused by the receiver, or out of attempts).
 */
public enum DeliveryStatus {
    PENDING("pending"),
    SENDING("sending"),
    DELIVERED("delivered"),
    WITHHELD("withheld"),
    DEAD("dead");

    private final String code;

    DeliveryStatus(String code) {
        this.code = code;
    }

    /** The lower-case value kept in the table and shown over HTTP. */
    public String code() {
        return code;
    }

    public static DeliveryStatus ofCode(String code) {
        for (DeliveryStatus s : values()) {
            if (s.code.equalsIgnoreCase(code)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown delivery status " + code);
    }

    /** Keeps statuses as their codes, so SQL written by hand (the claim) reads the same as the API. */
    @Converter
    public static class Column implements AttributeConverter<DeliveryStatus, String> {

        @Override
        public String convertToDatabaseColumn(DeliveryStatus status) {
            return status == null ? null : status.code();
        }

        @Override
        public DeliveryStatus convertToEntityAttribute(String code) {
            return code == null ? null : DeliveryStatus.ofCode(code);
        }
    }
}
