package uk.linkwell.gateway.consent;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Resource;

/**
 * The consent engine applied to an outbound exchange: given a Bundle and its recipient, returns the Bundle the
 * recipient may receive (entries the engine denies removed, redactions applied) with the bases of what it withheld,
 * and audits what left with the channel {@code exchange}. Plain Java, so any route calls it as it is (the outbox
 * sender, {@code exchange.OutboxSender}, does).
 */
public class OutboundConsentFilter {

    private final ConsentPolicy policy;
    private final ResourceFactsReader facts;
    private final Function<String, List<Consent>> consents;
    private final ActorDirectory directory;
    private final ConsentedDisclosures disclosures;
    private final Redaction redaction;
    private final Clock clock;
    private final boolean checking;

    public OutboundConsentFilter(
            ConsentPolicy policy,
            ResourceFactsReader facts,
            Function<String, List<Consent>> consents,
            ActorDirectory directory,
            ConsentedDisclosures disclosures,
            Redaction redaction,
            Clock clock) {
        this(policy, facts, consents, directory, disclosures, redaction, clock, true);
    }

    private OutboundConsentFilter(
            ConsentPolicy policy,
            ResourceFactsReader facts,
            Function<String, List<Consent>> consents,
            ActorDirectory directory,
            ConsentedDisclosures disclosures,
            Redaction redaction,
            Clock clock,
            boolean checking) {
        this.checking = checking;
        this.policy = policy;
        this.facts = facts;
        this.consents = consents;
        this.directory = directory;
        this.disclosures = disclosures;
        this.redaction = redaction;
        this.clock = clock;
    }

    /**
     * A filter that lets everything through and audits nothing: what {@code linkwell.consent.enabled=false} (with
     * {@code allow-disabled}) gives, for benchmarks that measure the engine's cost. Never with real data.
     */
    public static OutboundConsentFilter off() {
        return new OutboundConsentFilter(null, null, null, null, null, null, Clock.systemUTC(), false);
    }

    /**
     * Who an exchange goes to.
     *
     * @param role         client role code of the receiving system ({@code gp-system}, ...)
     * @param organisation its ODS code
     * @param purposeOfUse v3-ActReason, null for {@code TREAT}
     */
    public record Recipient(
            String clientId, String role, String organisation, String practitioner, String purposeOfUse) {}

    /** One resource the engine withheld from the recipient, and why ({@link ConsentDecision#basis()}). */
    public record Withheld(String reference, String basis) {}

    /**
     * What may leave, and what may not.
     *
     * @param bundle          a new Bundle holding what the recipient may receive
     * @param withheld        the resources removed, each with the basis of its refusal
     * @param aboutThePerson whether anything permitted is about a person (has a patient in the engine's facts), not
     *                        only records about no one (an Organization, a Practitioner)
     */
    public record Screened(Bundle bundle, List<Withheld> withheld, boolean aboutThePerson) {

        public Screened {
            withheld = List.copyOf(withheld);
        }

        /** Whether any resource is left to send. */
        public boolean anyPermitted() {
            return bundle.getEntry().stream().anyMatch(Bundle.BundleEntryComponent::hasResource);
        }
    }

    /**
     * Whether the recipient may know of the resource at all (permitted, perhaps redacted), by the same policy, with
     * nothing sent or recorded: for what the gateway writes about a record into someone else's (a case review
     * opened by an event).
     */
    public boolean permits(Resource resource, Recipient recipient) {
        if (!checking) {
            return true;
        }
        AccessRequest who = new AccessRequest(
                recipient.clientId(),
                recipient.role(),
                recipient.organisation(),
                recipient.practitioner(),
                recipient.purposeOfUse(),
                null,
                clock.instant(),
                null);
        ResourceFacts what = facts.read(resource, directory);
        return policy.decide(who, what, consents.apply(what.patient()), directory)
                .permitted();
    }

    /** A new Bundle holding what the recipient may receive; the given one is not changed. */
    public Bundle filter(Bundle payload, Recipient recipient, String exchangeId) {
        return screen(payload, recipient, exchangeId).bundle();
    }

    /**
     * As {@link #filter}, also naming what was withheld and on what basis (an outbox records the bases of a
     * delivery it could not send at all).
     */
    public Screened screen(Bundle payload, Recipient recipient, String exchangeId) {
        if (!checking) {
            Bundle all = payload.copy();
            return new Screened(
                    all, List.of(), all.getEntry().stream().anyMatch(Bundle.BundleEntryComponent::hasResource));
        }
        AccessRequest who = new AccessRequest(
                recipient.clientId(),
                recipient.role(),
                recipient.organisation(),
                recipient.practitioner(),
                recipient.purposeOfUse(),
                null,
                clock.instant(),
                null);
        ConsentedDisclosures.Batch batch = disclosures.start(who, "exchange", exchangeId);
        Bundle out = payload.copy();
        List<Bundle.BundleEntryComponent> kept = new ArrayList<>();
        List<Withheld> withheld = new ArrayList<>();
        boolean aboutThePerson = false;
        for (Bundle.BundleEntryComponent entry : out.getEntry()) {
            if (!entry.hasResource()) {
                kept.add(entry);
                continue;
            }
            Resource resource = entry.getResource();
            ResourceFacts what = facts.read(resource, directory);
            ConsentDecision decision = policy.decide(who, what, consents.apply(what.patient()), directory);
            disclosures.count(decision);
            if (!decision.permitted()) {
                withheld.add(new Withheld(what.reference(), decision.basis()));
                continue;
            }
            batch.disclose(what, decision);
            aboutThePerson |= what.patient() != null;
            if (decision.outcome() == ConsentDecision.Outcome.PERMIT_REDACTED) {
                entry.setResource((Resource) redaction.apply(resource, decision.redactions()));
            }
            kept.add(entry);
        }
        out.setEntry(kept);
        if (out.hasTotal()) {
            out.setTotal(kept.size());
        }
        batch.flush();
        return new Screened(out, withheld, aboutThePerson);
    }
}
