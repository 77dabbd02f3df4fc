package uk.linkwell.gateway.ingest.socialcare.batch;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.model.RequestPartitionId;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.entity.ResourceIndexedSearchParamToken;
import ca.uhn.fhir.util.FhirTerser;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * Settles a batch Bundle's create-if-absent entries against the store before HAPI sees it: an entry whose
 * identifier is already there is dropped (references to it now name the stored resource), one that is not
 * becomes a plain create. The outcome is what HAPI would have made of the entries, found with one indexed
 * query per Bundle.
 * <p>
 * Why not leave it to HAPI: for every conditional entry HAPI also checks, after writing, that no two entries of
 * the transaction match one URL (every URL against every resource of its type) and that each created resource
 * matches its URL, each check extracting the resource's search parameters again, and it records the URL in
 * {@code HFJ_RES_SEARCH_URL}. In the CLD benchmark's profile that bookkeeping was about a fifth of the batch
 * writers' CPU. A batch does not need it: its entries are distinct by identity (the mapper merges them), and
 * chunks that write one resource are never in flight together.
 * <p>
 * Patients stay conditional. HAPI's {@code HFJ_RES_SEARCH_URL} row is what stops a referral or discharge arriving
 * at the same moment from creating the same person a second time, and a person is the record most likely to be
 * created by two sources at once. The event records a batch creates are the council's own case records, keyed
 * by the council's case references; the live case events write those by conditional update, which HAPI does
 * not guard that way either.
 * <p>
 * Must run inside the batch's database transaction, so that it sees what earlier Bundles of the chunk wrote.
 */
@Component
public class CreateIfAbsentResolver {

    /** Types whose absent entries stay conditional creates (see above). */
    static final Set<String> GUARDED_BY_HAPI = Set.of("Patient");

    // Two queries, each on an index, rather than one join: with the join PostgreSQL chose to scan HFJ_RESOURCE,
    // 12 ms a Bundle once it held 150,000 resources (pg_stat_statements, CLD benchmark).
    static final String INDEXED_SQL = """
            SELECT HASH_SYS_AND_VALUE, RES_ID FROM HFJ_SPIDX_TOKEN WHERE HASH_SYS_AND_VALUE IN (:hashes)""";
    static final String LIVE_SQL = """
            SELECT RES_ID, FHIR_ID FROM HFJ_RESOURCE WHERE RES_ID IN (:ids) AND RES_DELETED_AT IS NULL""";

    private static final String BY_IDENTIFIER = "?identifier=";

    private final FhirContext fhirContext;
    private final PartitionSettings partitionSettings;

    @PersistenceContext
    private EntityManager entityManager;

    public CreateIfAbsentResolver(FhirContext fhirContext, PartitionSettings partitionSettings) {
        this.fhirContext = fhirContext;
        this.partitionSettings = partitionSettings;
    }

    /** One create-if-absent entry by identifier: its match URL taken apart, and the hash HAPI indexes it under. */
    private record Identity(Bundle.BundleEntryComponent entry, String type, long hash) {}

    /**
     * The Bundle HAPI is to apply in place of the given one (whose entries are not changed): entries whose identity is
     * stored are gone, absent ones are plain creates (Patients excepted), and references to a dropped entry's
     * fullUrl name the stored resource instead. Entries that are not a create-if-absent by one identifier, and
     * identities stored more than once (HAPI refuses those with 412), are passed on untouched.
     */
    public Bundle resolve(Bundle bundle) {
        List<Identity> identities = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Identity identity = identity(entry);
            if (identity != null) {
                identities.add(identity);
            }
        }
        if (identities.isEmpty()) {
            return bundle;
        }
        Map<Long, List<String>> stored = stored(identities.stream().map(Identity::hash).toList());
        Map<String, String> storedAt = new HashMap<>();
        Map<Bundle.BundleEntryComponent, Identity> byEntry = new HashMap<>();
        identities.forEach(i -> byEntry.put(i.entry(), i));
        Bundle resolved = new Bundle().setType(bundle.getType());
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Identity identity = byEntry.get(entry);
            List<String> ids = identity == null ? null : stored.get(identity.hash());
            if (identity == null || (ids != null && ids.size() > 1)) {
                resolved.addEntry(entry);
            } else if (ids != null) {
                storedAt.put(entry.getFullUrl(), identity.type() + "/" + ids.get(0));
            } else if (GUARDED_BY_HAPI.contains(identity.type())) {
                resolved.addEntry(entry);
            } else {
                Bundle.BundleEntryComponent create = new Bundle.BundleEntryComponent().setFullUrl(entry.getFullUrl())
                        .setResource(entry.getResource()).setRequest(entry.getRequest().copy());
                create.getRequest().setIfNoneExist(null);
                resolved.addEntry(create);
            }
        }
        if (!storedAt.isEmpty()) {
            pointAtStored(resolved, storedAt);
        }
        return resolved;
    }

    /** The entry's identity, if it is a create-if-absent of the shape {@code Type?identifier=system|value}. */
    private Identity identity(Bundle.BundleEntryComponent entry) {
        Bundle.BundleEntryRequestComponent request = entry.getRequest();
        String match = request.getIfNoneExist();
        if (request.getMethod() != Bundle.HTTPVerb.POST || match == null || !entry.hasResource()
                || !entry.hasFullUrl()) {
            return null;
        }
        String type = entry.getResource().fhirType();
        if (!match.startsWith(type + BY_IDENTIFIER)) {
            return null;
        }
        String token = match.substring(type.length() + BY_IDENTIFIER.length());
        int bar = token.indexOf('|');
        if (bar <= 0 || token.indexOf('&') >= 0 || token.indexOf(',') >= 0 || token.indexOf('|', bar + 1) >= 0) {
            return null;
        }
        String system = URLDecoder.decode(token.substring(0, bar), StandardCharsets.UTF_8);
        String value = URLDecoder.decode(token.substring(bar + 1), StandardCharsets.UTF_8);
        if (value.isBlank()) {
            return null;
        }
        long hash = ResourceIndexedSearchParamToken.calculateHashSystemAndValue(partitionSettings,
                RequestPartitionId.defaultPartition(), type, "identifier", system, value);
        return new Identity(entry, type, hash);
    }

    /** The ids of the stored (not deleted) resources indexed under each hash. */
    private Map<Long, List<String>> stored(List<Long> hashes) {
        Map<Long, List<Long>> indexed = new HashMap<>();
        for (Object row : entityManager.createNativeQuery(INDEXED_SQL).setParameter("hashes", hashes).getResultList()) {
            Object[] columns = (Object[]) row;
            indexed.computeIfAbsent(((Number) columns[0]).longValue(), h -> new ArrayList<>(1))
                    .add(((Number) columns[1]).longValue());
        }
        if (indexed.isEmpty()) {
            return Map.of();
        }
        Map<Long, String> live = new HashMap<>();
        List<Long> ids = indexed.values().stream().flatMap(List::stream).distinct().toList();
        for (Object row : entityManager.createNativeQuery(LIVE_SQL).setParameter("ids", ids).getResultList()) {
            Object[] columns = (Object[]) row;
            live.put(((Number) columns[0]).longValue(), (String) columns[1]);
        }
        Map<Long, List<String>> stored = new HashMap<>();
        indexed.forEach((hash, resources) -> resources.stream().map(live::get).filter(java.util.Objects::nonNull)
                .forEach(id -> stored.computeIfAbsent(hash, h -> new ArrayList<>(1)).add(id)));
        return stored;
    }

    /**
     * Rewrites references to dropped entries in copies: the caller's resources keep their fullUrl references,
     * because a chunk that rolls back is applied again row by row, and what it pointed at may be gone by then.
     */
    private void pointAtStored(Bundle resolved, Map<String, String> storedAt) {
        FhirTerser terser = fhirContext.newTerser();
        List<Bundle.BundleEntryComponent> entries = resolved.getEntry();
        for (int i = 0; i < entries.size(); i++) {
            Bundle.BundleEntryComponent entry = entries.get(i);
            Resource resource = entry.getResource();
            if (resource == null || terser.getAllPopulatedChildElementsOfType(resource, IBaseReference.class).stream()
                    .noneMatch(r -> storedAt.containsKey(r.getReferenceElement().getValue()))) {
                continue;
            }
            Resource copy = resource.copy();
            for (IBaseReference reference : terser.getAllPopulatedChildElementsOfType(copy, IBaseReference.class)) {
                String target = storedAt.get(reference.getReferenceElement().getValue());
                if (target != null) {
                    reference.setReference(target);
                }
            }
            entries.set(i, new Bundle.BundleEntryComponent().setFullUrl(entry.getFullUrl()).setResource(copy)
                    .setRequest(entry.getRequest().copy()));
        }
    }
}
