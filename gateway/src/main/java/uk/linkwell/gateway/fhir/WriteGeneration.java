package uk.linkwell.gateway.fhir;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A counter that moves on whenever a resource of the watched types is written, for caches of what the FHIR store
 * says: an entry remembers the generation it was read in and is reused only while that is still current. It
 * moves now and again once the writing transaction completes, so nothing read in between (still seeing the old
 * data) is reused.
 */
public final class WriteGeneration {

    private final Set<String> types;
    private final AtomicLong generation = new AtomicLong();

    public WriteGeneration(Set<String> types) {
        this.types = Set.copyOf(types);
    }

    public long current() {
        return generation.get();
    }

    /** Call from the storage hooks (created, updated, deleted) with the resource written. */
    public void written(IBaseResource resource) {
        if (!types.contains(resource.fhirType())) {
            return;
        }
        generation.incrementAndGet();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    generation.incrementAndGet();
                }
            });
        }
    }
}
