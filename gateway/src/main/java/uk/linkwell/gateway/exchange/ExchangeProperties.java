package uk.linkwell.gateway.exchange;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of outbound exchanges, under {@code linkwell.exchange}: which triggers record deliveries, how the outbox
 * is polled and retried, the HTTP timeouts, and the per-endpoint webhook secrets (never logged).
 *
 * @param enabled        whether triggers record deliveries and the outbox is sent at all
 * @param senderEnabled  whether this instance sends from the outbox (false: it only records)
 * @param discharge      the discharge → registered practice trigger
 * @param dischargeFollowUp the discharge referral → care management team (and its council's case system) trigger
 * @param referralDecided the referral accepted/declined → referrer trigger
 * @param caseClosed     the case closed → registered practice trigger (with the closure letter)
 * @param carePlan       the care plan created or its status changed → registered practice trigger
 * @param admission      the admission of a person with an open case → the team managing it trigger
 * @param pollInterval   how often the sender looks for due deliveries
 * @param startDelay     how long after start the sender first looks
 * @param claimBatchSize most deliveries claimed in one go
 * @param claimLease     how long a claim holds before another instance may take the delivery (a crashed sender)
 * @param maxAttempts    attempts before a delivery that keeps failing transiently is dead
 * @param retryBaseDelay delay before the first retry, doubled for each further one up to {@code retryMaxDelay}
 * @param connectTimeout how long to wait for a receiver's connection
 * @param responseTimeout how long to wait for a receiver's answer once connected
 * @param source         this gateway's name as a sender: MessageHeader.source.endpoint, CloudEvents {@code source}
 * @param fullUrlBase    base of the entries' fullUrl in what is sent (the FHIR base receivers know the gateway by);
 *                       empty: {@code urn:uuid:} names derived from the references
 * @param webhookSecrets HMAC-SHA256 key per Endpoint id, for the webhook channel
 * @param amqpCredentials RabbitMQ user name and password per Endpoint id, for the amqp channel
 * @param tlsBundles     the Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) per Endpoint id that its
 *                       {@code https} or {@code amqps} address is called with: the bundle's trust store, and its key store as the
 *                       client certificate (mutual TLS)
 * @param tlsDefaultBundle the SSL bundle for Endpoints without their own; empty: the JVM's default trust store and
 *                       no client certificate
 * @param senderThreads  how many Endpoints are sent to at once, so a receiver that hangs holds up only its own
 *                       deliveries
 * @param inFlightPerEndpoint how many of one Endpoint's deliveries are sent at once (about different people: a
 *                       claimed batch holds at most one per person and Endpoint, so each person's order is kept)
 * @param circuitBreaker the per-Endpoint circuit breaker
 */
@ConfigurationProperties(prefix = "linkwell.exchange")
public record ExchangeProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("true") boolean senderEnabled,
        @DefaultValue Discharge discharge,
        @DefaultValue DischargeFollowUp dischargeFollowUp,
        @DefaultValue ReferralDecided referralDecided,
        @DefaultValue Trigger caseClosed,
        @DefaultValue Trigger carePlan,
        @DefaultValue Admission admission,
        @DefaultValue("250ms") Duration pollInterval,
        @DefaultValue("1s") Duration startDelay,
        @DefaultValue("20") int claimBatchSize,
        @DefaultValue("2m") Duration claimLease,
        @DefaultValue("8") int maxAttempts,
        @DefaultValue("5s") Duration retryBaseDelay,
        @DefaultValue("1h") Duration retryMaxDelay,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration responseTimeout,
        @DefaultValue("urn:linkwell:gateway") String source,
        @DefaultValue("") String fullUrlBase,
        Map<String, String> webhookSecrets,
        Map<String, AmqpCredentials> amqpCredentials,
        Map<String, String> tlsBundles,
        @DefaultValue("") String tlsDefaultBundle,
        @DefaultValue("4") int senderThreads,
        @DefaultValue("4") int inFlightPerEndpoint,
        @DefaultValue CircuitBreaker circuitBreaker) {

    public ExchangeProperties {
        webhookSecrets = webhookSecrets == null ? Map.of() : Map.copyOf(webhookSecrets);
        amqpCredentials = amqpCredentials == null ? Map.of() : Map.copyOf(amqpCredentials);
        tlsBundles = tlsBundles == null ? Map.of() : Map.copyOf(tlsBundles);
        tlsDefaultBundle = tlsDefaultBundle == null ? "" : tlsDefaultBundle.trim();
        fullUrlBase = fullUrlBase == null ? "" : fullUrlBase.replaceAll("/+$", "");
    }

    /**
     * The hospital discharge trigger: an Encounter that becomes finished is told to the person's registered GP
     * practice.
     */
    public record Discharge(@DefaultValue("true") boolean enabled) {}

    /**
     * The discharge follow-up trigger: a discharge referral (pathway 1-3) is told to the organisations it is addressed
     * to.
     *
     * @param recipientRole the client role the consent engine judges the team's systems as
     */
    public record DischargeFollowUp(
            @DefaultValue("true") boolean enabled, @DefaultValue("social-care-system") String recipientRole) {}

    /** A trigger that is on or off (its event, recipients and payload are what the trigger is). */
    public record Trigger(@DefaultValue("true") boolean enabled) {}

    /**
     * The referral-decided trigger: an accepted or declined referral is told to the referrer.
     *
     * @param recipientRole the client role the consent engine judges the referrer's system as (referrers are GP
     *                      practices in this service)
     */
    public record ReferralDecided(
            @DefaultValue("true") boolean enabled, @DefaultValue("gp-system") String recipientRole) {}

    /**
     * The admission trigger: an inpatient admission of a person with an open case is told to the team managing it.
     *
     * @param recipientRole the client role the consent engine judges the team's system as
     */
    public record Admission(
            @DefaultValue("true") boolean enabled, @DefaultValue("social-care-system") String recipientRole) {}

    /**
     * The RabbitMQ user an {@code amqp} Endpoint is published to as.
     *
     * @param username the broker user
     * @param password its password (never logged)
     */
    public record AmqpCredentials(String username, String password) {

        /** Without the password. */
        @Override
        public String toString() {
            return "AmqpCredentials[username=" + username + ", password hidden]";
        }
    }

    /** The AMQP credentials of {@code Endpoint/<id>}, if configured with both a user name and a password. */
    public Optional<AmqpCredentials> amqpCredentials(String endpointId) {
        return Optional.ofNullable(amqpCredentials.get(endpointId))
                .filter(c -> c.username() != null && !c.username().isBlank() && c.password() != null);
    }

    /**
     * The circuit breaker each receiving Endpoint has: after {@code failureThreshold} failed attempts in a row, its
     * deliveries wait {@code openFor} without being attempted; then one probes it.
     *
     * @param enabled          whether Endpoints have breakers at all
     * @param failureThreshold failed attempts in a row (to one Endpoint, any of its deliveries) that open it
     * @param openFor          how long an open breaker holds the Endpoint's deliveries before the probe
     */
    public record CircuitBreaker(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("5") int failureThreshold,
            @DefaultValue("30s") Duration openFor) {}

    /** The webhook secret of {@code Endpoint/<id>}, if configured. */
    public Optional<String> webhookSecret(String endpointId) {
        return Optional.ofNullable(webhookSecrets.get(endpointId)).filter(s -> !s.isBlank());
    }

    /** Delay before the next attempt after {@code attempts} attempts: base, 2 x base, 4 x base ... */
    public Duration backoffAfter(int attempts) {
        int doublings = Math.min(Math.max(attempts - 1, 0), 20);
        Duration delay = retryBaseDelay.multipliedBy(1L << doublings);
        return delay.compareTo(retryMaxDelay) > 0 ? retryMaxDelay : delay;
    }

    /** Without the secrets, which must never reach a log. */
    @Override
    public String toString() {
        return "ExchangeProperties[enabled=" + enabled + ", senderEnabled=" + senderEnabled + ", discharge="
                + discharge + ", dischargeFollowUp=" + dischargeFollowUp + ", referralDecided=" + referralDecided
                + ", caseClosed=" + caseClosed + ", carePlan="
                + carePlan + ", admission=" + admission + ", pollInterval=" + pollInterval + ", maxAttempts="
                + maxAttempts + ", senderThreads=" + senderThreads + ", inFlightPerEndpoint=" + inFlightPerEndpoint
                + ", circuitBreaker=" + circuitBreaker
                + ", webhookSecrets=" + webhookSecrets.keySet() + " (values hidden), amqpCredentials="
                + amqpCredentials.keySet() + " (values hidden), tlsBundles=" + tlsBundles + ", tlsDefaultBundle="
                + tlsDefaultBundle + "]";
    }
}
