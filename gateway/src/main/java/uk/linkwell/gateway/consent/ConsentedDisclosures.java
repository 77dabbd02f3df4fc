package uk.linkwell.gateway.consent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import uk.linkwell.gateway.consent.audit.Disclosure;
import uk.linkwell.gateway.consent.audit.DisclosureAudit;

/**
 * Collects one request's (or one exchange's) decisions and, when it completes, hands every permitted disclosure to
 * the {@link DisclosureAudit} (one Disclosure per patient, decision and basis) and counts every decision in the
 * {@code linkwell.consent.decisions} metric (tags {@code decision} and {@code basis}; Consent bases are tagged
 * {@code consent} so the tag stays small).
 */
public final class ConsentedDisclosures {

    public static final String METRIC = "linkwell.consent.decisions";

    private final DisclosureAudit audit;
    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final List<DisclosureAudit> observers = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ConsentedDisclosures(DisclosureAudit audit, MeterRegistry meters) {
        this.audit = audit;
        this.meters = meters;
    }

    /** What one request disclosed so far; a batch's entries may be decided on several threads at once. */
    public final class Batch {
        private final AccessRequest who;
        private final String channel;
        private final String requestId;
        private final Map<List<Object>, Set<String>> permitted = new LinkedHashMap<>();

        private Batch(AccessRequest who, String channel, String requestId) {
            this.who = who;
            this.channel = channel;
            this.requestId = requestId;
        }

        /** Notes a resource that is leaving (permitted ones are audited at {@link #flush()}). */
        public void disclose(ResourceFacts what, ConsentDecision decision) {
            disclose(what, decision, what.reference());
        }

        /**
         * As {@link #disclose(ResourceFacts, ConsentDecision)}, naming the resource as it left: with its version
         * ({@code CarePlan/12/_history/3}) where the caller knows it, so the audit need not look it up.
         */
        public synchronized void disclose(ResourceFacts what, ConsentDecision decision, String disclosedAs) {
            if (decision.permitted() && what.patient() != null) {
                permitted
                        .computeIfAbsent(
                                List.of(
                                        what.patient(),
                                        decision.outcome().code(),
                                        decision.basis(),
                                        decision.breakGlass()),
                                k -> new LinkedHashSet<>())
                        .add(disclosedAs);
            }
        }

        /** Hands the permitted disclosures to the audit; safe to call more than once. */
        public synchronized void flush() {
            List<Disclosure> disclosures = new ArrayList<>();
            permitted.forEach((key, refs) -> {
                boolean glass = (Boolean) key.get(3);
                disclosures.add(new Disclosure(
                        Instant.now(),
                        who.clientId(),
                        who.role(),
                        who.organisation(),
                        who.practitioner(),
                        (String) key.get(0),
                        List.copyOf(refs),
                        glass ? AccessRequest.BREAK_GLASS_PURPOSE : who.purposeOfUse(),
                        (String) key.get(1),
                        (String) key.get(2),
                        glass,
                        glass ? who.breakGlassReason() : null,
                        channel,
                        requestId));
            });
            permitted.clear();
            for (Disclosure d : disclosures) {
                audit.record(d);
                observers.forEach(o -> o.record(d));
            }
        }
    }

    /** Also hands every disclosure to this one (diagnostics, tests); the audit writer stays the record. */
    public void alsoTo(DisclosureAudit observer) {
        observers.add(observer);
    }

    public void stopSending(DisclosureAudit observer) {
        observers.remove(observer);
    }

    public Batch start(AccessRequest who, String channel, String requestId) {
        return new Batch(who, channel, requestId);
    }

    /** Counts one decision in the metric (every decision, whether or not the resource leaves). */
    public void count(ConsentDecision decision) {
        String basis = decision.basis().startsWith("Consent/") ? "consent" : decision.basis();
        String decisionCode = decision.outcome().code();
        counters.computeIfAbsent(decisionCode + "|" + basis, k -> Counter.builder(METRIC)
                        .description("Consent engine decisions, by decision and basis")
                        .tag("decision", decisionCode)
                        .tag("basis", basis)
                        .register(meters))
                .increment();
    }
}
