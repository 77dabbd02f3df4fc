package uk.linkwell.gateway.ingest.socialcare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import uk.linkwell.gateway.ingest.store.InboundMessage;
import uk.linkwell.gateway.ingest.store.MessageStatus;

/**
 * Reads the message store for the case events already applied of one person, to find whether a newer event
 * owning the same resources has been applied (then an older one must not overwrite it).
 */
@Component
public class CaseEventHistory {

    @PersistenceContext
    private EntityManager entityManager;

    private final TransactionTemplate readOnly;
    private final ObjectMapper json = new ObjectMapper();

    public CaseEventHistory(PlatformTransactionManager transactionManager) {
        this.readOnly = new TransactionTemplate(transactionManager);
        this.readOnly.setReadOnly(true);
    }

    /**
     * The id of a done message that owns the same resources as {@code keys} and happened later, if any. Events of
     * one person share an ordering key, so the store applies them one at a time and this answer cannot go stale
     * before the event it is asked for has been applied or skipped.
     */
    Optional<Long> newerApplied(long messageId, CaseEventKeys keys) {
        if (keys.occurredAt() == null) {
            return Optional.empty();
        }
        List<InboundMessage> applied = readOnly.execute(tx -> entityManager
                .createQuery(
                        """
                        SELECT m FROM InboundMessage m
                        WHERE m.source = :source AND m.orderingKey = :key AND m.status = :done
                          AND m.messageType IN :types AND m.id <> :id""",
                        InboundMessage.class)
                .setParameter("source", CaseEventReception.SOURCE)
                .setParameter("key", keys.orderingKey())
                .setParameter("done", MessageStatus.DONE)
                .setParameter("types", keys.sameOwnerTypes())
                .setParameter("id", messageId)
                .getResultList());
        for (InboundMessage other : applied) {
            CaseEventKeys otherKeys = keysOf(other.getBody());
            if (otherKeys != null
                    && otherKeys.ownershipKey().equals(keys.ownershipKey())
                    && otherKeys.occurredAt() != null
                    && otherKeys.occurredAt().isAfter(keys.occurredAt())) {
                return Optional.of(other.getId());
            }
        }
        return Optional.empty();
    }

    CaseEventKeys keysOf(byte[] body) {
        try {
            JsonNode event = json.readTree(body);
            return event == null || !event.isObject() ? null : CaseEventKeys.of(event);
        } catch (IOException e) {
            return null;
        }
    }
}
