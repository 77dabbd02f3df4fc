package uk.linkwell.gateway.consent;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import uk.linkwell.gateway.fhir.WriteGeneration;

/**
 * A patient's active Consents, read from the FHIR store once and reused until any Consent is written (then at
 * once, so a revocation stops sharing with the next request) or the TTL passes (writes through another gateway
 * instance). Expiry by date is the engine's business, so a cached Consent that has just expired no longer counts.
 */
public class PatientConsents {

    private final Function<String, List<Consent>> store;
    private final long ttlMillis;
    private final Clock clock;
    private final WriteGeneration generation = new WriteGeneration(Set.of("Consent"));
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(List<Consent> consents, long generation, long expires) {}

    /** @param store a patient's ({@code Patient/<id>}) active Consents as the FHIR store holds them now */
    public PatientConsents(Function<String, List<Consent>> store, Duration ttl, Clock clock) {
        this.store = store;
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
    }

    public List<Consent> of(String patient) {
        if (patient == null) {
            return List.of();
        }
        long now = clock.millis();
        long current = generation.current();
        Cached cached = cache.get(patient);
        if (cached != null && cached.generation() == current && now < cached.expires()) {
            return cached.consents();
        }
        List<Consent> consents = store.apply(patient);
        if (cache.size() > 50_000) {
            cache.clear();
        }
        cache.put(patient, new Cached(consents, current, now + ttlMillis));
        return consents;
    }

    /** A Consent (or anything) was written: the next look-up reads the store again. */
    void changed(IBaseResource resource) {
        generation.written(resource);
    }
}
