package uk.linkwell.gateway.ingest.store;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Keeps statuses in the table as their lower-case codes, so SQL written by hand reads the same as the API. */
@Converter
public class MessageStatusConverter implements AttributeConverter<MessageStatus, String> {

    @Override
    public String convertToDatabaseColumn(MessageStatus status) {
        return status == null ? null : status.code();
    }

    @Override
    public MessageStatus convertToEntityAttribute(String code) {
        return code == null ? null : MessageStatus.ofCode(code);
    }
}
