package uk.linkwell.gateway.hapi;

import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamToken;
import ca.uhn.fhir.util.UrlUtil;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Whether (and which) resources the store holds by a given identifier, read off HAPI's token index by the hash
 * HAPI itself indexes {@code identifier=system|value} under, as HAPI's own search for it reads it (the hash
 * alone decides): a query for many identities at once, without HAPI's search machinery.
 * Only the plain shape {@code Type?identifier=system|value} is read; anything HAPI might read differently is
 * reported as "not this shape" so that callers leave it to HAPI.
 */
@Component
public class StoredIdentities implements IdentityIndex {

    private final PartitionSettings partitionSettings;

    @PersistenceContext
    private EntityManager entityManager;

    public StoredIdentities(PartitionSettings partitionSettings) {
        this.partitionSettings = partitionSettings;
    }

    /**
     * The hash HAPI indexes the identity of a match URL of {@code type} under ({@code Type?identifier=system|value}
     * or just its query), or null for any other shape, for values HAPI would read differently, and whenever
     * partitioning is enabled (HAPI may then hash the partition in).
     */
    @Override
    public Long identifierHash(String type, String matchUrl) {
        if (matchUrl == null || partitionSettings.isPartitioningEnabled()) {
            return null;
        }
        String url = qualified(type, matchUrl);
        if (!url.startsWith(type + "?")) {
            return null;
        }
        String queryPart = url.substring(type.length());
        // Read as HAPI reads a match URL (its own parser), then only the one shape this handles.
        Map<String, String[]> query = UrlUtil.parseQueryString(queryPart);
        String[] identifier = query.size() == 1 ? query.get("identifier") : null;
        if (identifier == null || identifier.length != 1) {
            return null;
        }
        // HAPI reads ',' as "or" and '\\' and '$' as escapes even where the URL encoded them: leave those to it.
        String token = identifier[0];
        int bar = token.indexOf('|');
        if (bar <= 0
                || token.indexOf('|', bar + 1) >= 0
                || token.indexOf(',') >= 0
                || token.indexOf('\\') >= 0
                || token.indexOf('$') >= 0) {
            return null;
        }
        String system = token.substring(0, bar);
        String value = token.substring(bar + 1);
        // HAPI cuts indexed values to their column's length: longer ones are left to it too.
        if (value.isBlank()
                || system.length() > ResourceIndexedSearchParamToken.MAX_LENGTH
                || value.length() > ResourceIndexedSearchParamToken.MAX_LENGTH) {
            return null;
        }
        return ResourceIndexedSearchParamToken.calculateHashSystemAndValue(
                partitionSettings, RequestPartitionId.defaultPartition(), type, "identifier", system, value);
    }

    /**
     * The match URL as HAPI reads it for a resource of {@code type} ({@code MatchResourceUrlService}): a bare query,
     * as a transaction's ifNoneExist often is, means {@code Type?query}. The one place this gateway reads it so:
     * a query whose system holds '/' (https://...) was once taken for something else here, and every discharge's
     * care team Organization was locked as if it were never stored, so every worker's group that held a
     * discharge took its turn behind the others.
     */
    public static String qualified(String type, String matchUrl) {
        int question = matchUrl.indexOf('?');
        if (question > 0) {
            return matchUrl;
        }
        return question == 0 ? type + matchUrl : type + "?" + matchUrl;
    }

    /**
     * Which of the hashes HAPI's token index holds at all (for a live resource or not), as this transaction
     * sees it.
     */
    @Override
    public Set<Long> indexed(Collection<Long> hashes) {
        return indexRows(hashes).keySet();
    }

    /**
     * The live resources holding each of the hashes, as this transaction sees it (no entry for a hash nothing
     * holds; more than one where the store holds the identity twice). HAPI's own search for
     * {@code identifier=system|value} reads the same index column.
     */
    @Override
    public Map<Long, List<Holder>> holders(Collection<Long> hashes) {
        Map<Long, List<Holder>> holders = new HashMap<>();
        // Two queries, not a join: with a batch's usual handful of matches PostgreSQL chose a hash join that
        // read the whole of HFJ_RESOURCE for one row (30 ms a Bundle at 100,000 resources, against under 1 ms).
        Map<Long, List<Long>> idsByHash = indexRows(hashes);
        if (idsByHash.isEmpty()) {
            return holders;
        }
        Map<Long, Holder> live = new HashMap<>();
        List<Long> ids =
                idsByHash.values().stream().flatMap(List::stream).distinct().toList();
        for (Object row : entityManager
                .createNativeQuery(HapiTables.LIVE_RESOURCES_SQL)
                .setParameter("ids", ids)
                .getResultList()) {
            Object[] columns = (Object[]) row;
            long id = ((Number) columns[0]).longValue();
            live.put(
                    id,
                    new Holder(
                            id,
                            columns[1] == null ? null : ((Number) columns[1]).intValue(),
                            (String) columns[2],
                            (String) columns[3],
                            ((Number) columns[4]).longValue()));
        }
        idsByHash.forEach((hash, resourceIds) -> resourceIds.stream()
                .map(live::get)
                .filter(Objects::nonNull)
                .forEach(holder ->
                        holders.computeIfAbsent(hash, h -> new ArrayList<>()).add(holder)));
        return holders;
    }

    /** The token index's rows for the hashes: each hash found, with the resources (row ids) indexed under it. */
    private Map<Long, List<Long>> indexRows(Collection<Long> hashes) {
        Map<Long, List<Long>> idsByHash = new HashMap<>();
        if (hashes.isEmpty()) {
            return idsByHash;
        }
        for (Object row : entityManager
                .createNativeQuery(HapiTables.INDEX_ROWS_SQL)
                .setParameter("hashes", List.copyOf(new HashSet<>(hashes)))
                .getResultList()) {
            Object[] columns = (Object[]) row;
            idsByHash
                    .computeIfAbsent(((Number) columns[0]).longValue(), h -> new ArrayList<>())
                    .add(((Number) columns[1]).longValue());
        }
        return idsByHash;
    }
}
