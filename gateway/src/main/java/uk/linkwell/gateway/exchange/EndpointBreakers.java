package uk.linkwell.gateway.exchange;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A circuit breaker per receiving Endpoint (resilience4j): after {@code failure-threshold} failed attempts in a row
 * (no connection, a timeout, a 5xx, an HL7 AE, a broker's nack) the Endpoint's breaker opens, and its due
 * deliveries are neither claimed nor attempted (no attempt counted) for {@code open-for}; then one delivery probes
 * it (half-open): accepted or refused (the receiver answered) closes the breaker, another failure opens it again.
 * Other Endpoints go on regardless.
 */
public class EndpointBreakers {

    private final boolean enabled;
    private final CircuitBreakerRegistry registry;

    public EndpointBreakers(ExchangeProperties.CircuitBreaker settings) {
        this.enabled = settings.enabled();
        int threshold = Math.max(1, settings.failureThreshold());
        // A count window as long as the threshold, opening at 100% failures: "N failures in a row".
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(threshold)
                .minimumNumberOfCalls(threshold)
                .failureRateThreshold(100)
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                // Half-open is reached when the sender next asks (no timer thread per breaker).
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build());
    }

    /** The breaker of {@code Endpoint/<id>}; null when breakers are off. */
    CircuitBreaker of(String endpoint) {
        return enabled ? registry.circuitBreaker(endpoint) : null;
    }

    /**
     * The Endpoints whose breaker is open and not yet due for its probe: their deliveries are left unclaimed. An
     * open breaker whose time is up turns half-open here, so its next delivery is claimed as the probe.
     */
    Set<String> holding() {
        Set<String> open = new LinkedHashSet<>();
        if (!enabled) {
            return open;
        }
        for (CircuitBreaker breaker : registry.getAllCircuitBreakers()) {
            if (breaker.getState() == CircuitBreaker.State.OPEN) {
                if (breaker.tryAcquirePermission()) {
                    // Now half-open; the permit is taken again when the probe is sent.
                    breaker.releasePermission();
                } else {
                    open.add(breaker.getName());
                }
            }
        }
        return open;
    }
}
