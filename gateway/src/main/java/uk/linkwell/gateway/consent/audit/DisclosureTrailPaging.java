package uk.linkwell.gateway.consent.audit;

import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IPagingProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import uk.linkwell.gateway.security.ClientRole;
import uk.linkwell.gateway.security.FhirRequesters;

/**
 * The server's paging provider with room for disclosure-trail searches: HAPI's database-backed provider keeps
 * only its own JPA searches, so a trail search that needs a next page is kept here, in memory, under a random id,
 * for an hour (its pages are read from the table again each time). Everything else goes to the delegate. The
 * page links of a trail search therefore work on the gateway instance that answered the search.
 *
 * <p>A kept search belongs to the client that made it: anyone else asking for its pages, even with a token that may
 * search the trail, gets what an unknown page id gets (HAPI's 410 for an unknown search), so a page link that
 * leaks (a log, a shared screen) shows nothing of the trail and does not even confirm that the search exists.
 */
public final class DisclosureTrailPaging implements IPagingProvider {

    static final String PREFIX = "lw-trail-";
    private static final int MAX_SEARCHES = 10_000;

    private final IPagingProvider delegate;
    private final Duration keep;
    private final Clock clock;
    private final Map<String, Kept> searches = new LinkedHashMap<>();

    private record Kept(IBundleProvider search, Searcher searcher, Instant until) {}

    /** Who made a search: the client, and the role, organisation and practitioner its token stated. */
    private record Searcher(String clientId, ClientRole role, String organisation, String practitioner) {}

    private static Optional<Searcher> searcherOf(RequestDetails request) {
        return FhirRequesters.of(request)
                .map(r -> new Searcher(r.clientId(), r.role(), r.organisation(), r.practitioner()));
    }

    public DisclosureTrailPaging(IPagingProvider delegate, Duration keep, Clock clock) {
        this.delegate = delegate;
        this.keep = keep;
        this.clock = clock;
    }

    /** Whether a page id ({@code _getpages}) is one of a trail search's. */
    public static boolean isTrailPage(String searchId) {
        return searchId != null && searchId.startsWith(PREFIX);
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
        Optional<Searcher> asking = searcherOf(request);
        synchronized (searches) {
            expire();
            Kept kept = searches.get(searchId);
            // null is HAPI's "unknown search" (410, naming only the id the client sent): the same for a search
            // that expired, never existed, or is another client's.
            if (kept == null || !Optional.ofNullable(kept.searcher()).equals(asking)) {
                return null;
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
            searches.put(
                    id,
                    new Kept(
                            results,
                            searcherOf(request).orElse(null),
                            clock.instant().plus(keep)));
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
