package uk.linkwell.gateway.exchange;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.linkwell.gateway.consent.OutboundConsentFilter;
import uk.linkwell.gateway.consent.OutboundConsentFilter.Recipient;
import uk.linkwell.gateway.consent.OutboundConsentFilter.Screened;
import uk.linkwell.gateway.ingest.SafeErrorText;

/**
 * Sends what is due in the outbox, one delivery at a time: reads its resources as they are now, passes them
 * through the consent engine for the recipient (at send time, so a Consent withdrawn since the trigger is
 * honoured), and POSTs what may leave over the Endpoint's channel with Camel's HTTP component. A 2xx answer
 * delivers; a connection failure, timeout or 5xx is retried with exponential backoff until {@code max-attempts};
 * any other 4xx is a permanent refusal (dead at once); nothing permitted is {@code withheld} and nothing is sent.
 */
public class OutboxSender {

    private static final Logger log = LoggerFactory.getLogger(OutboxSender.class);

    static final String SIGNATURE_HEADER = "X-Linkwell-Signature";
    /** The bean that configures the sender's HTTP client (see {@code ExchangeConfig}). */
    static final String HTTP_CLIENT_CONFIGURER = "linkwellExchangeHttpClient";

    private static final String FHIR_JSON = "application/fhir+json";
    private static final String CLOUD_EVENTS_JSON = "application/cloudevents+json";

    private final Outbox outbox;
    private final DeliveryPayloads payloads;
    private final OutboundConsentFilter consent;
    private final ProducerTemplate http;
    private final ExchangeProperties properties;
    private final FhirContext fhirContext;
    private final MeterRegistry meters;
    private final Clock clock;
    private final String httpEndpoint;
    private final AtomicBoolean ownClaimsReleased = new AtomicBoolean();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public OutboxSender(
            Outbox outbox,
            DeliveryPayloads payloads,
            OutboundConsentFilter consent,
            ProducerTemplate http,
            ExchangeProperties properties,
            FhirContext fhirContext,
            MeterRegistry meters,
            Clock clock) {
        this.outbox = outbox;
        this.payloads = payloads;
        this.consent = consent;
        this.http = http;
        this.properties = properties;
        this.fhirContext = fhirContext;
        this.meters = meters;
        this.clock = clock;
        // One Camel endpoint for every receiver (the target is the CamelHttpUri header); its timeouts bound how long
        // one hanging receiver can hold the sender. Answers of any status come back as answers, not exceptions.
        this.httpEndpoint = "http://linkwell-exchange?throwExceptionOnFailure=false&followRedirects=false"
                + "&httpClientConfigurer=#" + HTTP_CLIENT_CONFIGURER
                + "&connectTimeout=" + properties.connectTimeout().toMillis()
                + "&connectionRequestTimeout=" + properties.connectTimeout().toMillis()
                + "&responseTimeout=" + properties.responseTimeout().toMillis()
                + "&soTimeout=" + properties.responseTimeout().toMillis();
    }

    /** Claims what is due and sends it; returns how many deliveries it settled. */
    public int sendDue() {
        if (ownClaimsReleased.compareAndSet(false, true)) {
            int released = outbox.releaseOwnClaims();
            if (released > 0) {
                log.info("Took back {} deliveries this instance had claimed before a restart", released);
            }
        }
        List<Delivery> due = outbox.claim(properties.claimBatchSize(), properties.claimLease());
        for (Delivery delivery : due) {
            try {
                send(delivery);
            } catch (RuntimeException e) {
                // Anything unforeseen (the store, the audit queue): the delivery is tried again later.
                failed(delivery, null, SafeErrorText.of(e));
            }
        }
        return due.size();
    }

    private void send(Delivery delivery) {
        String endpointId =
                delivery.getEndpoint().substring(delivery.getEndpoint().indexOf('/') + 1);
        String secret = null;
        if (Channels.WEBHOOK.equals(delivery.getChannel())) {
            secret = properties.webhookSecret(endpointId).orElse(null);
            if (secret == null) {
                dead(
                        delivery,
                        null,
                        "no webhook secret configured for " + delivery.getEndpoint()
                                + " (linkwell.exchange.webhook-secrets." + endpointId + ")");
                return;
            }
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
                "endpoint:" + endpointId, delivery.getRecipientRole(), delivery.getRecipientOrganisation(), null, null);
        // The focus first: without any of it there is nothing to tell, and the person's record is not disclosed.
        Screened screened = consent.screen(focus, recipient, delivery.getIdempotencyKey());
        if (!screened.anyPermitted()) {
            Set<String> bases = new LinkedHashSet<>();
            screened.withheld().forEach(w -> bases.add(w.basis()));
            outbox.withheld(delivery, String.join(", ", bases));
            count("withheld", delivery);
            log.info("Delivery {} to {} withheld by consent ({})", delivery.getId(), delivery.getEndpoint(), bases);
            return;
        }
        Bundle permitted = screened.bundle();
        if (delivery.getPatient() != null) {
            Bundle person = payloads.current(List.of(delivery.getPatient()));
            if (!person.getEntry().isEmpty()) {
                consent.screen(person, recipient, delivery.getIdempotencyKey())
                        .bundle()
                        .getEntry()
                        .forEach(permitted::addEntry);
            }
        }
        Instant now = clock.instant();
        Exchange answer;
        if (Channels.WEBHOOK.equals(delivery.getChannel())) {
            byte[] body = payloads.cloudEvent(delivery, permitted, now);
            answer = post(delivery.getAddress(), CLOUD_EVENTS_JSON, body, "sha256=" + hmac(secret, body));
        } else {
            byte[] body = payloads.fhirJson(payloads.message(delivery, permitted, now));
            answer = post(processMessageUrl(delivery.getAddress()), FHIR_JSON, body, null);
        }
        settle(delivery, answer);
    }

    static String processMessageUrl(String address) {
        return address.replaceAll("/+$", "") + "/$process-message";
    }

    private Exchange post(String url, String contentType, byte[] body, String signature) {
        return http.send(httpEndpoint, exchange -> {
            var message = exchange.getIn();
            message.setHeader(Exchange.HTTP_URI, url);
            message.setHeader(Exchange.HTTP_METHOD, "POST");
            message.setHeader(Exchange.CONTENT_TYPE, contentType);
            message.setHeader("Accept", FHIR_JSON + ", application/json;q=0.9, */*;q=0.1");
            if (signature != null) {
                message.setHeader(SIGNATURE_HEADER, signature);
            }
            message.setBody(body);
        });
    }

    private void settle(Delivery delivery, Exchange answer) {
        if (answer.getException() != null) {
            failed(delivery, null, SafeErrorText.of(answer.getException()));
            return;
        }
        Integer status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status == null) {
            failed(delivery, null, "no HTTP status in the answer");
            return;
        }
        if (status >= 200 && status < 300) {
            String refusal = Channels.FHIR_MESSAGE.equals(delivery.getChannel())
                    ? operationOutcomeError(answer.getMessage().getBody(String.class))
                    : null;
            if (refusal != null) {
                // The receiver took the message and refused its content: sending it again would change nothing.
                dead(delivery, status, "HTTP " + status + " with an OperationOutcome error: " + refusal);
                return;
            }
            outbox.delivered(delivery, status, "HTTP " + status);
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
        } else if (status >= 500 || status == 408 || status == 429) {
            failed(delivery, status, "HTTP " + status);
        } else {
            dead(delivery, status, "HTTP " + status + ": refused by the receiver");
        }
    }

    /** The codes of a FHIR OperationOutcome's error or fatal issues, or null when the body holds none. */
    private String operationOutcomeError(String body) {
        if (body == null || body.isBlank() || !body.contains("OperationOutcome")) {
            return null;
        }
        try {
            IBaseResource parsed = fhirContext.newJsonParser().parseResource(body);
            if (parsed instanceof OperationOutcome outcome) {
                List<String> codes = outcome.getIssue().stream()
                        .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR
                                || i.getSeverity() == OperationOutcome.IssueSeverity.FATAL)
                        .map(i -> i.getCode() == null ? "error" : i.getCode().toCode())
                        .toList();
                return codes.isEmpty() ? null : String.join(", ", codes);
            }
            return null;
        } catch (RuntimeException e) {
            // Not FHIR JSON: the status code alone decides.
            return null;
        }
    }

    /** A transient failure: again after the backoff, or dead once the attempts are spent. */
    private void failed(Delivery delivery, Integer status, String why) {
        count("failed-attempts", delivery);
        if (delivery.getAttempts() >= properties.maxAttempts()) {
            dead(
                    delivery,
                    status,
                    why + " (attempt " + delivery.getAttempts() + " of " + properties.maxAttempts() + ")");
            return;
        }
        Instant next = clock.instant().plus(properties.backoffAfter(delivery.getAttempts()));
        outbox.retryAt(delivery, next, status, why);
        log.info(
                "Delivery {} to {} failed on attempt {} ({}); next attempt at {}",
                delivery.getId(),
                delivery.getEndpoint(),
                delivery.getAttempts(),
                status == null ? "no answer" : "HTTP " + status,
                next);
    }

    private void dead(Delivery delivery, Integer status, String why) {
        outbox.dead(delivery, status, why);
        count("dead", delivery);
        log.warn("Delivery {} to {} is dead: {}", delivery.getId(), delivery.getEndpoint(), why);
    }

    private void count(String outcome, Delivery delivery) {
        counters.computeIfAbsent(
                        outcome + "|" + delivery.getChannel(), k -> Counter.builder("linkwell.exchange." + outcome)
                                .description("Outbound deliveries: " + outcome + ", by channel")
                                .tag("channel", delivery.getChannel())
                                .register(meters))
                .increment();
    }

    /** Lower-case hex HMAC-SHA256 of the exact bytes sent. */
    static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
