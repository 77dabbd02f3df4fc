package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.function.Consumer;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Tells a cache of what the FHIR store says that a resource was created, updated or deleted, before the write
 * commits, whatever door it came through (REST, a transaction, the inbound worker). Registered on HAPI's storage
 * interceptors with the cache's own reaction, e.g. {@code new StoredChanges(consents::changed)}.
 */
@Interceptor
public final class StoredChanges {

    private final Consumer<IBaseResource> changed;

    public StoredChanges(Consumer<IBaseResource> changed) {
        this.changed = changed;
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        changed.accept(resource);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource resource) {
        changed.accept(resource);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
    public void deleted(IBaseResource resource) {
        changed.accept(resource);
    }
}
