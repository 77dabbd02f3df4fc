package uk.linkwell.gateway.exchange;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The records a delivery carries along that were written in the current database transaction (letters, that is
 * Communications, and discharge referrals), by the record each is about, so that a trigger that records a delivery
 * in that transaction sends them with it. Either may come first: a decline
 * letter is written before its Task is stored, while a case-closed event writes the finished EpisodeOfCare before
 * its closure letter; a delivery recorded first waits here for its letter until the transaction ends. A second
 * instance keeps the discharge referrals an A03 writes beside its finished Encounter, for the practice's notice.
 */
class RecordsInTransaction {

    private record State(Map<String, String> letters, Map<String, List<Delivery>> waiting) {}

    private final Outbox outbox;

    RecordsInTransaction(Outbox outbox) {
        this.outbox = outbox;
    }

    /** A letter about {@code about} was written: it joins the deliveries waiting for it, or waits for them. */
    void written(String about, String letter) {
        State state = state();
        if (state == null) {
            return;
        }
        List<Delivery> waiting = state.waiting().remove(about);
        if (waiting == null) {
            state.letters().put(about, letter);
            return;
        }
        waiting.forEach(delivery -> outbox.addFocus(delivery, letter));
    }

    /**
     * Adds the letter about the record to these deliveries' focus now, or when it is written in this transaction. A
     * record is named by each of {@code names}: its {@code Type/<id>}, and {@code Type?identifier=<system>|<value>}
     * for a letter that names it by identifier (a case event's letter names its episode so).
     */
    void attach(List<String> names, List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return;
        }
        State state = state();
        if (state == null) {
            return;
        }
        Optional<String> letter = names.stream()
                .map(state.letters()::get)
                .filter(java.util.Objects::nonNull)
                .findFirst();
        if (letter.isPresent()) {
            deliveries.forEach(delivery -> outbox.addFocus(delivery, letter.get()));
            return;
        }
        names.forEach(name ->
                state.waiting().computeIfAbsent(name, k -> new ArrayList<>()).addAll(deliveries));
    }

    /** This transaction's notes, bound to it and dropped when it ends; none outside a transaction. */
    private State state() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        State state = (State) TransactionSynchronizationManager.getResource(this);
        if (state == null) {
            State bound = new State(new HashMap<>(), new HashMap<>());
            Object key = this;
            TransactionSynchronizationManager.bindResource(key, bound);
            // Unbound while a nested REQUIRES_NEW transaction runs, so its writes keep notes of their own.
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void suspend() {
                    TransactionSynchronizationManager.unbindResourceIfPossible(key);
                }

                @Override
                public void resume() {
                    TransactionSynchronizationManager.bindResource(key, bound);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(key);
                }
            });
            state = bound;
        }
        return state;
    }
}
