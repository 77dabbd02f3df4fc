package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The server's paging provider with room for disclosure-trail searches: HAPI's database-backed provider keeps
 * only its own JPA searches, so a trail search that needs a next page is kept here, in memory, under a random id,
 * for an hour (its pages are read from the table again each time). Everything else goes to the delegate. The
 * page links of a trail search therefore work on the gateway instance that answered the search.
 */
public final class DisclosureTrailPaging implements IPagingProvider {

    static final String PREFIX = "lw-trail-";
    private static final int MAX_SEARCHES = 10_000;

    private final IPagingProvider delegate;
    private final Duration keep;
    private final Clock clock;
    private final Map<String, Kept> searches = new LinkedHashMap<>();

    private record Kept(IBundleProvider search, Instant until) {}

    public DisclosureTrailPaging(IPagingProvider delegate, Duration keep, Clock clock) {
        this.delegate = delegate;
        this.keep = keep;
        this.clock = clock;
    }

    @Override
    public int getDefaultPageSize() {
        return delegate.getDefaultPageSize();
    }

    @Override
    public int getMaximumPageSize() {
        return delegate.getMaximumPageSize();
    }

    @Override
    public boolean canStoreSearchResults() {
        return delegate.canStoreSearchResults();
    }

    @Override
    public IBundleProvider retrieveResultList(RequestDetails request, String searchId) {
        if (!searchId.startsWith(PREFIX)) {
            return delegate.retrieveResultList(request, searchId);
        }
        synchronized (searches) {
            expire();
            Kept kept = searches.get(searchId);
            if (kept == null) {
                throw new ResourceGoneException(
                        "Search " + searchId + " has expired or is not known to this" + " server; repeat the search");
            }
            return kept.search();
        }
    }

    @Override
    public IBundleProvider retrieveResultList(RequestDetails request, String searchId, String pageId) {
        return searchId.startsWith(PREFIX)
                ? retrieveResultList(request, searchId)
                : delegate.retrieveResultList(request, searchId, pageId);
    }

    @Override
    public String storeResultList(RequestDetails request, IBundleProvider results) {
        if (!(results instanceof AuditEventProvider.TrailSearch)) {
            return delegate.storeResultList(request, results);
        }
        String id = PREFIX + UUID.randomUUID();
        synchronized (searches) {
            expire();
            if (searches.size() >= MAX_SEARCHES) {
                Iterator<String> oldest = searches.keySet().iterator();
                oldest.next();
                oldest.remove();
            }
            searches.put(id, new Kept(results, clock.instant().plus(keep)));
        }
        return id;
    }

    /** Drops the searches past their time; they are in insertion order, so the expired ones come first. */
    private void expire() {
        Instant now = clock.instant();
        for (Iterator<Kept> it = searches.values().iterator(); it.hasNext(); ) {
            if (it.next().until().isAfter(now)) {
                return;
            }
            it.remove();
        }
    }
}
