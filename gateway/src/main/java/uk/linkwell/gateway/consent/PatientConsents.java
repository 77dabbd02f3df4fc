package uk.linkwell.gateway.consent;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Consent;
import uk.linkwell.gateway.fhir.WriteGeneration;

/**
 * A patient's active Consents, read from the FHIR store once and reused until any Consent is written (then at
 * once, so a revocation stops sharing with the next request) or the TTL passes (writes through another gateway
 * instance). Expiry by date is the engine's business, so a cached Consent that has just expired no longer counts.
 */
@Interceptor
public class PatientConsents {

    private final DaoRegistry daos;
    private final long ttlMillis;
    private final Clock clock;
    private final WriteGeneration generation = new WriteGeneration(Set.of("Consent"));
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(List<Consent> consents, long generation, long expires) {}

    public PatientConsents(DaoRegistry daos, Duration ttl, Clock clock) {
        this.daos = daos;
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
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Consent.SP_PATIENT, new ReferenceParam(patient))
                .add(Consent.SP_STATUS, new TokenParam("active"));
        List<Consent> consents = daos.getResourceDao("Consent").searchForResources(map, new SystemRequestDetails())
                .stream().map(Consent.class::cast).toList();
        if (cache.size() > 50_000) {
            cache.clear();
        }
        cache.put(patient, new Cached(consents, current, now + ttlMillis));
        return consents;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        changed(resource);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource newResource) {
        changed(newResource);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
    public void deleted(IBaseResource resource) {
        changed(resource);
    }

    private void changed(IBaseResource resource) {
        generation.written(resource);
    }
}
