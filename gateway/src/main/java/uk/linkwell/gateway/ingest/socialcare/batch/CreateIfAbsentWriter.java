package uk.linkwell.gateway.ingest.socialcare.batch;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;
import uk.linkwell.gateway.ingest.StoredIdentities;

/**
 * Writes a batch's Bundles of create-if-absent entries through HAPI's resource DAOs, one create per new record,
 * inside the caller's database transaction, as HAPI's own bulk import did (its {@code ConsumeFilesStepV1}):
 * existing records are looked up in one query on HAPI's token index, new ones are created with their references
 * already pointing at stored ids, and every id is handed on in HAPI's {@link TransactionDetails} so that no
 * reference is looked up again.
 * <p>
 * Why not a FHIR transaction: HAPI's transaction processor creates every new resource twice over, first without
 * its references resolved and then again with them, extracting its search parameters and encoding it each time
 * (its own comment asks whether the first pass is needed), and the second pass then updates the
 * {@code HFJ_RESOURCE} row it has just inserted. In the CLD benchmark's profile that first pass alone was a
 * quarter of the batch writers' CPU. Everything HAPI does per resource (validation and the other storage
 * interceptors, indexing, history, the conditional-create guard for new Patients) still happens, once.
 * <p>
 * Semantics are those of the transaction: an entry whose identity one live resource holds writes nothing and
 * its references point there; one held twice is refused (412, as HAPI's conditional create refuses it); a
 * reference to an entry that is not earlier in the Bundle is refused (400). A new Patient stays a conditional
 * create, so HAPI records it in {@code HFJ_RES_SEARCH_URL}, its guard against a referral or discharge creating
 * the same person at that moment. A Bundle of any other shape (another match URL, partitioning on) goes to HAPI
 * as a transaction. The caller's entries are not changed: a chunk that rolls back is applied again from them.
 */
@Component
public class CreateIfAbsentWriter {

    /** Types whose new entries stay conditional creates, guarded by HAPI (see above). */
    static final Set<String> GUARDED_BY_HAPI = Set.of("Patient");

    private final DaoRegistry daos;
    private final IFhirSystemDao<Bundle, ?> systemDao;
    private final StoredIdentities storedIdentities;
    private final FhirContext fhirContext;

    public CreateIfAbsentWriter(DaoRegistry daos, IFhirSystemDao<Bundle, ?> systemDao,
            StoredIdentities storedIdentities, FhirContext fhirContext) {
        this.daos = daos;
        this.systemDao = systemDao;
        this.storedIdentities = storedIdentities;
        this.fhirContext = fhirContext;
    }

    /**
     * Applies the Bundle in the caller's transaction; returns the ids (with version) of the resources it
     * created. Where it could resolve them itself, the created ids are also left in {@code resolved}, so that a
     * later write naming them (the chunk's Provenance) needs no look-up.
     */
    public List<IdType> write(Bundle bundle, RequestDetails request, TransactionDetails resolved) {
        Map<Bundle.BundleEntryComponent, Long> hashes = new HashMap<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Long hash = identityHash(entry);
            if (hash == null) {
                return asTransaction(bundle, request);
            }
            hashes.put(entry, hash);
        }
        Map<Long, List<StoredIdentities.Holder>> holders = storedIdentities.holders(hashes.values());
        Map<String, IdType> idsByFullUrl = new HashMap<>();
        List<IdType> created = new ArrayList<>();
        FhirTerser terser = fhirContext.newTerser();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            String type = entry.getResource().fhirType();
            List<StoredIdentities.Holder> stored = holders.getOrDefault(hashes.get(entry), List.of()).stream()
                    .filter(holder -> type.equals(holder.type())).toList();
            if (stored.size() > 1) {
                throw new PreconditionFailedException("Failed to create a " + type + " by its identifier: "
                        + stored.size() + " stored resources hold that identifier, so it is unclear which one is meant");
            }
            if (stored.size() == 1) {
                StoredIdentities.Holder holder = stored.get(0);
                // HAPI fills FHIR_ID for every resource it stores; its numeric ids are the row id otherwise.
                IdType id = new IdType(holder.type(),
                        holder.fhirId() != null ? holder.fhirId() : String.valueOf(holder.resourceId()));
                resolved.addResolvedResourceId(id, JpaPid.fromId(holder.resourceId(), holder.partitionId()));
                idsByFullUrl.put(entry.getFullUrl(), id);
                continue;
            }
            Resource resource = entry.getResource().copy();
            pointReferencesAtStoredIds(terser, resource, idsByFullUrl);
            String matchUrl = null;
            if (GUARDED_BY_HAPI.contains(type)) {
                // Known absent (as this transaction sees it): HAPI need not search for it again before creating it.
                matchUrl = entry.getRequest().getIfNoneExist();
                resolved.addResolvedMatchUrl(fhirContext, matchUrl, TransactionDetails.NOT_FOUND);
            }
            DaoMethodOutcome outcome = daos.getResourceDao(type).create(resource, matchUrl, true, request, resolved);
            IdType id = new IdType(outcome.getId().getResourceType(), outcome.getId().getIdPart());
            resolved.addResolvedResourceId(id, outcome.getPersistentId());
            idsByFullUrl.put(entry.getFullUrl(), id);
            created.add(new IdType(outcome.getId().getResourceType(), outcome.getId().getIdPart(),
                    outcome.getId().getVersionIdPart()));
        }
        return created;
    }

    /**
     * The hash HAPI indexes the entry's identity under, if it is a create-if-absent of the shape
     * {@code Type?identifier=system|value} with a {@code urn:uuid:} fullUrl; null otherwise.
     */
    private Long identityHash(Bundle.BundleEntryComponent entry) {
        Bundle.BundleEntryRequestComponent request = entry.getRequest();
        String match = request.getIfNoneExist();
        if (request.getMethod() != Bundle.HTTPVerb.POST || match == null || !entry.hasResource()
                || entry.getFullUrl() == null || !entry.getFullUrl().startsWith("urn:uuid:")) {
            return null;
        }
        String type = entry.getResource().fhirType();
        if (!match.startsWith(type + "?") || !type.equals(request.getUrl())) {
            return null;
        }
        return storedIdentities.identifierHash(type, match);
    }

    /** Replaces each {@code urn:uuid:} reference by the stored id of the earlier entry it names. */
    private static void pointReferencesAtStoredIds(FhirTerser terser, Resource resource, Map<String, IdType> ids) {
        for (ResourceReferenceInfo info : terser.getAllResourceReferences(resource)) {
            IBaseReference reference = info.getResourceReference();
            String target = reference.getReferenceElement().getValue();
            if (target == null || !target.startsWith("urn:")) {
                continue;
            }
            IdType id = ids.get(target);
            if (id == null) {
                throw new InvalidRequestException("The " + resource.fhirType() + " refers in " + info.getName()
                        + " to " + target + ", which is not an earlier entry of its batch Bundle");
            }
            reference.setReference(id.getValue());
        }
    }

    /** The Bundle HAPI must decide itself, as one FHIR transaction; returns the ids it created. */
    private List<IdType> asTransaction(Bundle bundle, RequestDetails request) {
        List<IdType> created = new ArrayList<>();
        Bundle response = systemDao.transactionNested(request, bundle);
        for (Bundle.BundleEntryComponent entry : response.getEntry()) {
            if (entry.hasResponse() && entry.getResponse().getStatus() != null
                    && entry.getResponse().getStatus().startsWith("201") && entry.getResponse().hasLocation()) {
                created.add(new IdType(entry.getResponse().getLocation()));
            }
        }
        return created;
    }
}
