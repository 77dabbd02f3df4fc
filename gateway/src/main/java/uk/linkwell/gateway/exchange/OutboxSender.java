package uk.linkwell.gateway.exchange;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.consent.OutboundConsentFilter;
import uk.linkwell.gateway.consent.OutboundConsentFilter.Recipient;
import uk.linkwell.gateway.consent.OutboundConsentFilter.Screened;
import uk.linkwell.gateway.ingest.SafeErrorText;

/**
 * Sends what is due in the outbox, each Endpoint's deliveries in order on one of {@code sender-threads} threads, so
 * a receiver that hangs holds up only its own; an Endpoint whose circuit breaker is open is left alone
 * ({@link EndpointBreakers}). For each delivery it reads the resources as they are now, passes them through the
 * consent engine for the recipient (at send time, so a Consent withdrawn since the trigger is honoured), hands what
 * may leave to the Endpoint's {@link ChannelSender}, and settles the row from the receiver's answer: accepted is
 * delivered; worth another try is retried with exponential backoff until {@code max-attempts}; refused is dead at
 * once; nothing permitted is {@code withheld} and nothing is sent. The one place for consent, settling and counting,
 * whatever the channel.
 */
public class OutboxSender {

    private static final Logger log = LoggerFactory.getLogger(OutboxSender.class);

    private static final String RECEIVER_REFUSED = "refused by the receiver (its answer is on the delivery)";

    /**
     * Sends one Endpoint's claimed batch, up to {@code in-flight-per-endpoint} at once, and waits for all: a claimed
     * batch holds at most one delivery per person for an Endpoint (the claim's order rule), so sending them together
     * keeps each person's order. False when the gateway is stopping (what was not sent lapses back to pending).
     */
    private boolean sendAll(List<Delivery> batch) {
        if (inFlight == 1 || batch.size() == 1) {
            batch.forEach(this::sendOne);
            return true;
        }
        Semaphore slots = new Semaphore(inFlight);
        List<Future<?>> sending = new ArrayList<>();
        for (Delivery delivery : batch) {
            slots.acquireUninterruptibly();
            try {
                sending.add(sendPool.submit(() -> {
                    try {
                        sendOne(delivery);
                    } finally {
                        slots.release();
                    }
                }));
            } catch (RejectedExecutionException e) {
                slots.release();
                return false;
            }
        }
        for (Future<?> sent : sending) {
            try {
                sent.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException e) {
                // sendOne settles its own failures; nothing else to do here.
                log.warn("Sending a delivery stopped short: {}", SafeErrorText.of(e.getCause()));
            }
        }
        return true;
    }

    /** Most batches one thread sends to one Endpoint before handing the thread back (fairness under a backlog). */
    static final int DRAIN_BATCHES = 20;

    private final Outbox outbox;
    private final DeliveryPayloads payloads;
    private final OutboundConsentFilter consent;
    private final Map<String, ChannelSender> channels;
    private final ExchangeProperties properties;
    private final MeterRegistry meters;
    private final Clock clock;
    private final EndpointBreakers breakers;
    private final int threads;
    private final ExecutorService pool;
    private final int inFlight;
    private final ExecutorService sendPool;
    /** Endpoints whose claimed deliveries are being sent now: not claimed for again until they are done. */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean ownClaimsReleased = new AtomicBoolean();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public OutboxSender(
            Outbox outbox,
            DeliveryPayloads payloads,
            OutboundConsentFilter consent,
            List<ChannelSender> channels,
            EndpointBreakers breakers,
            ExchangeProperties properties,
            MeterRegistry meters,
            Clock clock) {
        this.outbox = outbox;
        this.payloads = payloads;
        this.consent = consent;
        this.channels = channels.stream().collect(Collectors.toMap(ChannelSender::channel, Function.identity()));
        this.properties = properties;
        this.meters = meters;
        this.clock = clock;
        this.breakers = breakers;
        this.threads = Math.max(1, properties.senderThreads());
        AtomicInteger number = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "exchange-sender-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.inFlight = Math.max(1, properties.inFlightPerEndpoint());
        AtomicInteger sends = new AtomicInteger();
        // Enough for every sender thread's Endpoint to have its in-flight sends at once: none waits for another's.
        this.sendPool = Executors.newFixedThreadPool(threads * inFlight, task -> {
            Thread thread = new Thread(task, "exchange-send-" + sends.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Claims what is due, leaving out the Endpoints being sent to already and those whose breaker is open, and hands
     * each Endpoint's deliveries to a sender thread (in claim order: per Endpoint and person, oldest first). Returns
     * at once with how many it claimed; the threads settle them.
     */
    public int sendDue() {
        if (ownClaimsReleased.compareAndSet(false, true)) {
            int released = outbox.releaseOwnClaims();
            if (released > 0) {
                log.info("Took back {} deliveries this instance had claimed before a restart", released);
            }
        }
        if (busy.size() >= threads) {
            return 0;
        }
        Set<String> excluded = new HashSet<>(busy);
        excluded.addAll(breakers.holding());
        List<Delivery> due = outbox.claim(properties.claimBatchSize(), properties.claimLease(), excluded);
        Map<String, List<Delivery>> byEndpoint = new LinkedHashMap<>();
        due.forEach(d -> byEndpoint
                .computeIfAbsent(d.getEndpoint(), e -> new ArrayList<>())
                .add(d));
        byEndpoint.forEach((endpoint, deliveries) -> {
            busy.add(endpoint);
            try {
                pool.execute(() -> {
                    try {
                        drain(endpoint, deliveries);
                    } finally {
                        busy.remove(endpoint);
                    }
                });
            } catch (RejectedExecutionException e) {
                // Shutting down: the claims lapse back to pending, or this instance takes them back at its restart.
                busy.remove(endpoint);
            }
        });
        return due.size();
    }

    /**
     * Sends an Endpoint's claimed deliveries, then goes on claiming and sending its next ones without waiting for the
     * next tick, while there are any, its breaker lets them go, and at most {@link #DRAIN_BATCHES} batches, so that
     * under a backlog every thread stays busy and other Endpoints still get a thread in turn.
     */
    private void drain(String endpoint, List<Delivery> first) {
        List<Delivery> batch = first;
        for (int batches = 1; !batch.isEmpty(); batches++) {
            if (!sendAll(batch)) {
                return;
            }
            if (batches >= DRAIN_BATCHES
                    || pool.isShutdown()
                    || breakers.holding().contains(endpoint)) {
                return;
            }
            batch = outbox.claimFor(endpoint, properties.claimBatchSize(), properties.claimLease());
        }
    }

    /** Stops the sender threads (at shutdown); what they had claimed and not settled is taken back at restart. */
    public void close() {
        pool.shutdownNow();
        sendPool.shutdownNow();
    }

    /** Sends one claimed delivery and settles it; nothing escapes (an unforeseen failure is tried again later). */
    void sendOne(Delivery delivery) {
        // While the claim's lease has longer to run than one send can take, no other instance can have taken it;
        // only a claim that has waited that long here is renewed (or found taken) in the database first.
        Instant safe =
                delivery.getNextAttemptAt().minus(properties.connectTimeout()).minus(properties.responseTimeout());
        if (!clock.instant().isBefore(safe) && !outbox.holdClaim(delivery, properties.claimLease())) {
            log.info(
                    "Delivery {} is no longer this instance's to send (its claim lapsed and was taken)",
                    delivery.getId());
            return;
        }
        CircuitBreaker breaker = breakers.of(delivery.getEndpoint());
        if (breaker != null && !breaker.tryAcquirePermission()) {
            // Opened since the claim (an earlier delivery of this batch failed), or half-open with its probe out.
            outbox.putBack(delivery, clock.instant().plus(properties.pollInterval()));
            return;
        }
        Attempt attempt = new Attempt(breaker);
        try {
            send(delivery, attempt);
        } catch (Exception e) {
            // Anything unforeseen (the store, the audit queue, the channel's client): tried again later. A channel's
            // failure has told the breaker already; the gateway's own (before sending) is not the Endpoint's.
            failed(delivery, null, ExchangeTls.failureText(e));
        } finally {
            attempt.unused();
        }
    }

    /** One use of an Endpoint's breaker permission: told how the receiver answered, or given back unused. */
    private static final class Attempt {
        private final CircuitBreaker breaker;
        private final long started = System.nanoTime();
        private boolean told;

        Attempt(CircuitBreaker breaker) {
            this.breaker = breaker;
        }

        void answered(ReceiverAnswer answer) {
            if (breaker != null && !told) {
                told = true;
                long took = System.nanoTime() - started;
                if (answer.verdict() == ReceiverAnswer.Verdict.TRY_AGAIN) {
                    breaker.onError(took, TimeUnit.NANOSECONDS, new IllegalStateException(answer.text()));
                } else {
                    // Accepted or refused: either way the receiver is there and answering.
                    breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                }
            }
        }

        void failed(Exception e) {
            if (breaker != null && !told) {
                told = true;
                breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, e);
            }
        }

        /** Nothing was sent (withheld, dead before sending): the permission goes back. */
        void unused() {
            if (breaker != null && !told) {
                told = true;
                breaker.releasePermission();
            }
        }
    }

    private void send(Delivery delivery, Attempt attempt) throws Exception {
        ChannelSender channel = channels.get(delivery.getChannel());
        if (channel == null) {
            dead(delivery, null, "no sender for channel " + delivery.getChannel());
            return;
        }
        Optional<String> cannot = channel.cannotSend(delivery);
        if (cannot.isPresent()) {
            dead(delivery, null, cannot.get());
            return;
        }
        Bundle focus = payloads.current(delivery.getFocus());
        if (focus.getEntry().isEmpty()) {
            dead(
                    delivery,
                    null,
                    "the resources to send (" + String.join(", ", delivery.getFocus())
                            + ") are no longer in the store");
            return;
        }
        Recipient recipient = new Recipient(
                "endpoint:" + delivery.endpointId(),
                delivery.getRecipientRole(),
                delivery.getRecipientOrganisation(),
                null,
                null);
        // The focus first: without any of it there is nothing to tell, and the person's record is not disclosed.
        Screened screened = consent.screen(focus, recipient, delivery.getIdempotencyKey());
        // Records about no one (an Organization, a Practitioner) are always permitted; sent alone they would still tell
        // the recipient that the event happened to the person when the record it is about was withheld.
        if (!screened.aboutThePerson()) {
            Set<String> bases = new LinkedHashSet<>();
            screened.withheld().forEach(w -> bases.add(w.basis()));
            if (bases.isEmpty()) {
                bases.add("nothing about the person may go");
            }
            outbox.withheld(delivery, String.join(", ", bases));
            count("withheld", delivery);
            log.info("Delivery {} to {} withheld by consent ({})", delivery.getId(), delivery.getEndpoint(), bases);
            return;
        }
        Bundle permitted = payloads.withoutUnsentDiagnoses(screened.bundle());
        if (delivery.getPatient() != null) {
            Bundle person = payloads.current(List.of(delivery.getPatient()));
            if (!person.getEntry().isEmpty()) {
                consent.screen(person, recipient, delivery.getIdempotencyKey())
                        .bundle()
                        .getEntry()
                        .forEach(permitted::addEntry);
            }
        }
        ReceiverAnswer answer;
        try {
            answer = channel.send(delivery, permitted, clock.instant());
        } catch (Exception e) {
            attempt.failed(e);
            throw e;
        }
        attempt.answered(answer);
        if (answer.sent() != null) {
            delivery.justSent(answer.sent());
        }
        settle(delivery, answer);
    }

    private void settle(Delivery delivery, ReceiverAnswer answer) {
        switch (answer.verdict()) {
            case ACCEPTED -> delivered(delivery, answer);
            case TRY_AGAIN -> failed(delivery, answer.statusCode(), answer.text());
            case REFUSED -> dead(delivery, answer.statusCode(), answer.text(), RECEIVER_REFUSED);
        }
    }

    private void delivered(Delivery delivery, ReceiverAnswer answer) {
        outbox.delivered(delivery, answer.statusCode(), answer.text());
        count("delivered", delivery);
        Timer.builder("linkwell.exchange.latency")
                .description("From the triggering write to the receiver's acceptance")
                .tag("channel", delivery.getChannel())
                .publishPercentiles(0.5, 0.99)
                .register(meters)
                .record(Duration.between(delivery.getCreatedAt(), clock.instant()));
        log.info(
                "Delivery {} ({}) delivered to {} on attempt {}",
                delivery.getId(),
                delivery.getEvent(),
                delivery.getEndpoint(),
                delivery.getAttempts());
    }

    /** A transient failure: again after the backoff, or dead once the attempts are spent. */
    private void failed(Delivery delivery, Integer status, String why) {
        count("failed-attempts", delivery);
        if (delivery.getAttempts() >= properties.maxAttempts()) {
            String attempts = " (attempt " + delivery.getAttempts() + " of " + properties.maxAttempts() + ")";
            dead(delivery, status, why + attempts, "attempts spent, the last one failing" + attempts);
            return;
        }
        Instant next = clock.instant().plus(properties.backoffAfter(delivery.getAttempts()));
        outbox.retryAt(delivery, next, status, why);
        log.info(
                "Delivery {} to {} failed on attempt {} ({}); next attempt at {}",
                delivery.getId(),
                delivery.getEndpoint(),
                delivery.getAttempts(),
                status == null ? "see its last answer" : "HTTP " + status,
                next);
    }

    private void dead(Delivery delivery, Integer status, String why) {
        dead(delivery, status, why, why);
    }

    /** Dead; {@code logged} is what the log says (a receiver's own text may echo what it was sent: not logged). */
    private void dead(Delivery delivery, Integer status, String why, String logged) {
        outbox.dead(delivery, status, why);
        count("dead", delivery);
        log.warn(
                "Delivery {} to {} is dead: {}{}",
                delivery.getId(),
                delivery.getEndpoint(),
                logged,
                status == null ? "" : " (HTTP " + status + ")");
    }

    private void count(String outcome, Delivery delivery) {
        counters.computeIfAbsent(
                        outcome + "|" + delivery.getChannel(), k -> Counter.builder("linkwell.exchange." + outcome)
                                .description("Outbound deliveries: " + outcome + ", by channel")
                                .tag("channel", delivery.getChannel())
                                .register(meters))
                .increment();
    }
}
