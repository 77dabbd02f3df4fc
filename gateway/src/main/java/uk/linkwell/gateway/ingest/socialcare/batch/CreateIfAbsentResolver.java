package uk.linkwell.gateway.ingest.socialcare.batch;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.StoredIdentities;

/**
 * Turns a batch Bundle's create-if-absent entries whose identity is nowhere in the store into plain creates
 * before HAPI sees the Bundle, with one query on HAPI's token index per Bundle. HAPI would create them too, but
 * for every conditional entry it creates it also checks, after writing, that no two entries of the transaction
 * match one URL (every URL against every resource of its type) and that the resource matches its URL, each check
 * extracting the resource's search parameters again, and it records the URL in {@code HFJ_RES_SEARCH_URL}. In
 * the CLD benchmark's profile that was about a fifth of the batch writers' CPU. A batch does not need it: the
 * mapper merges a Bundle's entries by identity, and chunks that write one resource are never in flight together.
 * <p>
 * Everything else reaches HAPI untouched, so HAPI decides it as before: identities already stored (HAPI finds
 * them in its one prefetch query and writes nothing; one stored twice it refuses with 412), match URLs of
 * another shape, and new Patients. HAPI's {@code HFJ_RES_SEARCH_URL} row is what stops a referral or discharge
 * arriving at the same moment from creating the same person a second time, and a person is the record most
 * likely to be created by two sources at once. The event records a batch creates are the council's own case
 * records, keyed by its case references; the live case events write those mostly by conditional update, which
 * HAPI does not guard that way either. A live event and a backfilled row for one case record committing at the
 * same moment could leave two, which the next write of that record by identifier reports (HTTP 412), not hides.
 * <p>
 * Mistakes can only go the safe way: an index row of a deleted resource, or another identity with the same
 * hash, leaves the entry to HAPI. Must run inside the batch's database transaction, so that it sees what
 * earlier Bundles of the chunk wrote.
 */
@Component
public class CreateIfAbsentResolver {

    /** Types whose new entries stay create-if-absent for HAPI (see above). */
    static final Set<String> GUARDED_BY_HAPI = Set.of("Patient");

    private final StoredIdentities storedIdentities;

    public CreateIfAbsentResolver(StoredIdentities storedIdentities) {
        this.storedIdentities = storedIdentities;
    }

    /**
     * The Bundle HAPI is to apply in place of the given one (whose entries are not changed): the same entries,
     * except that create-if-absent entries by one identifier that is not in the store (Patients excepted)
     * are plain creates.
     */
    public Bundle resolve(Bundle bundle) {
        Map<Bundle.BundleEntryComponent, Long> candidates = new IdentityHashMap<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Long hash = newRecordCandidate(entry);
            if (hash != null) {
                candidates.put(entry, hash);
            }
        }
        if (candidates.isEmpty()) {
            return bundle;
        }
        Set<Long> indexed = storedIdentities.indexed(candidates.values());
        Bundle resolved = new Bundle().setType(bundle.getType());
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Long hash = candidates.get(entry);
            if (hash == null || indexed.contains(hash)) {
                resolved.addEntry(entry);
            } else {
                Bundle.BundleEntryComponent create = new Bundle.BundleEntryComponent().setFullUrl(entry.getFullUrl())
                        .setResource(entry.getResource()).setRequest(entry.getRequest().copy());
                create.getRequest().setIfNoneExist(null);
                resolved.addEntry(create);
            }
        }
        return resolved;
    }

    /**
     * The hash HAPI indexes the entry's identity under, if it is a create-if-absent of the shape
     * {@code Type?identifier=system|value} and not of a type left to HAPI (none with partitioning enabled: see
     * {@link StoredIdentities#identifierHash}).
     */
    private Long newRecordCandidate(Bundle.BundleEntryComponent entry) {
        Bundle.BundleEntryRequestComponent request = entry.getRequest();
        String match = request.getIfNoneExist();
        if (request.getMethod() != Bundle.HTTPVerb.POST || match == null || !entry.hasResource()) {
            return null;
        }
        String type = entry.getResource().fhirType();
        if (GUARDED_BY_HAPI.contains(type) || !match.startsWith(type + "?")) {
            return null;
        }
        return storedIdentities.identifierHash(type, match);
    }
}
