package uk.linkwell.gateway.hapi;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.dao.ISearchBuilder;
import ca.uhn.fhir.jpa.dao.SearchBuilderFactory;
import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NoSuchElementException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.springframework.stereotype.Component;

/**
 * Every resource a search matches, for figures computed over many records: the matching row ids in one query
 * (HAPI's id search, without its synchronous-search limit), then the resources loaded a chunk of ids at a time. A
 * search paged with {@code _offset} instead runs the sorted query again for every page, so its cost grows with the
 * square of the matches. Reads as the system: the caller decides what each resource's reader may count.
 */
@Component
public class StoredMatches {

    private final DaoRegistry daos;
    private final SearchBuilderFactory<JpaPid> searchBuilders;
    private final IHapiTransactionService transactions;

    public StoredMatches(
            DaoRegistry daos, SearchBuilderFactory<JpaPid> searchBuilders, IHapiTransactionService transactions) {
        this.daos = daos;
        this.searchBuilders = searchBuilders;
        this.transactions = transactions;
    }

    /**
     * Every match of the search (in no particular order), its ids found now and its resources loaded as the
     * iteration reaches them, at most {@code chunk} at a time.
     */
    public Iterable<IBaseResource> all(String type, SearchParameterMap map, int chunk) {
        IFhirResourceDao<?> dao = daos.getResourceDao(type);
        SystemRequestDetails request = new SystemRequestDetails();
        // Without a limit of its own, HAPI's id search stops silently at internalSynchronousSearchSize.
        map.setLoadSynchronousUpTo(Integer.MAX_VALUE);
        map.setCount(null);
        map.setOffset(null);
        // Each resource once, however many of its index rows matched.
        List<JpaPid> ids = new ArrayList<>(new LinkedHashSet<JpaPid>(dao.searchForIds(map, request)));
        ISearchBuilder<JpaPid> loader = searchBuilders.newSearchBuilder(type, dao.getResourceType());
        int size = Math.max(1, chunk);
        return () -> new Iterator<>() {
            private List<IBaseResource> loaded = List.of();
            private int index;
            private int next;

            @Override
            public boolean hasNext() {
                while (index >= loaded.size() && next < ids.size()) {
                    List<JpaPid> some = ids.subList(next, Math.min(ids.size(), next + size));
                    next += some.size();
                    List<IBaseResource> resources = new ArrayList<>(some.size());
                    transactions
                            .withSystemRequest()
                            .readOnly()
                            .execute(() -> loader.loadResourcesByPid(some, List.of(), resources, false, request));
                    loaded = resources;
                    index = 0;
                }
                return index < loaded.size();
            }

            @Override
            public IBaseResource next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return loaded.get(index++);
            }
        };
    }
}
