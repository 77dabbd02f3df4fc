package uk.linkwell.gateway.hapi;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;

/**
 * Which resources the store holds by identifier ({@code Type?identifier=system|value}), read many at a time off
 * HAPI's token index under the same key HAPI's own search reads.
 */
public interface IdentityIndex {

    /** A live resource that holds an identity: its database id (and partition), type, FHIR id and version. */
    record Holder(long resourceId, Integer partitionId, String type, String fhirId, long version) {

        /** Its FHIR id, without version. HAPI fills FHIR_ID for every resource it stores; else it is the row id. */
        public IdType id() {
            return new IdType(type, fhirId != null ? fhirId : String.valueOf(resourceId));
        }
    }

    /**
     * The key HAPI indexes the identity of a match URL of {@code type} under, or null for any other shape of match
     * URL and for anything HAPI might read differently (callers then leave it to HAPI).
     */
    Long identifierHash(String type, String matchUrl);

    /** Which of the keys the index holds at all (for a live resource or not), as this transaction sees it. */
    Set<Long> indexed(Collection<Long> hashes);

    /** The live resources holding each key, as this transaction sees it (no entry for a key nothing holds). */
    Map<Long, List<Holder>> holders(Collection<Long> hashes);
}
