package uk.linkwell.gateway.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseReference;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Resource;
import org.springframework.stereotype.Component;

/**
 * Writes an inbound transaction Bundle of conditional entries through HAPI's resource DAOs, one create or update
 * per entry, inside the caller's database transaction: the message worker's ADT, referral and case-event Bundles
 * and the CLD batch's chunks. Which entries the store holds is read in one query on HAPI's token index, each
 * entry's references already point at stored ids when it is written, and every id is handed on in HAPI's
 * {@link TransactionDetails} so that no match URL or reference is looked up again.
 * <p>
 * Why not a FHIR transaction: HAPI's transaction processor writes every resource twice over, first with its
 * placeholder references unresolved and then again with them, extracting its search parameters and encoding it
 * each time (its own comment asks whether the first pass is needed), and the second pass updates the
 * {@code HFJ_RESOURCE} row the first has just written; it also searches every match URL again up front. In the
 * CLD benchmark's profile the first pass alone was a quarter of the writers' CPU. Everything HAPI does per
 * resource (validation and the other storage interceptors, indexing, history, the conditional-create guard
 * rows, the stored version handed to update hooks) still happens, once, because each entry is still HAPI's own
 * create or conditional update.
 * <p>
 * The Bundles handled are those whose every entry has a {@code urn:uuid:} fullUrl, refers only to earlier
 * entries, and is either a create-if-absent ({@code POST Type} with {@code ifNoneExist=Type?identifier=s|v}) or
 * a conditional update ({@code PUT Type?identifier=s|v}), each identity once. Semantics are the transaction's:
 * a create-if-absent whose identity one live resource holds writes nothing and its references point there; a
 * conditional update updates that resource or creates a new one; an identity held twice is refused (412, as
 * HAPI refuses it). Any other Bundle (a forward reference such as A40's pair of linked Patients, another match
 * URL, partitioning on) is not written here: {@link #write} says so and the caller gives it to HAPI as a
 * transaction. The caller's entries are not changed, so a transaction that rolls back is applied again from them.
 */
@Component
public class ConditionalBundleWriter implements EntryWriter {

    /**
     * Types whose new create-if-absent entries stay conditional creates, so that HAPI records them in
     * {@code HFJ_RES_SEARCH_URL}: its guard against another source creating the same person at that moment.
     * (Conditional updates always keep it, as in a transaction.)
     */
    static final Set<String> GUARDED_BY_HAPI = Set.of("Patient");

    private final DaoRegistry daos;
    private final StoredIdentities storedIdentities;
    private final FhirContext fhirContext;

    public ConditionalBundleWriter(DaoRegistry daos, StoredIdentities storedIdentities, FhirContext fhirContext) {
        this.daos = daos;
        this.storedIdentities = storedIdentities;
        this.fhirContext = fhirContext;
    }

    /** One entry ready to write: a copy of its resource, its identity hash and its references to other entries. */
    private record Planned(
            Bundle.BundleEntryComponent entry,
            Resource resource,
            long hash,
            String matchUrl,
            boolean update,
            List<IBaseReference> entryReferences) {}

    @Override
    public Run begin(RequestDetails request) {
        return new Run() {
            // Every id the run writes or finds, handed to HAPI with each later write of the run.
            private final TransactionDetails resolved = new TransactionDetails();

            @Override
            public Optional<Written> write(Bundle bundle) {
                return ConditionalBundleWriter.this.write(bundle, request, resolved);
            }

            @Override
            public boolean resolvedAll(Collection<IdType> ids) {
                return ids.stream().allMatch(id -> resolved.hasResolvedResourceId(id.toVersionless()));
            }

            @Override
            public IIdType create(Resource resource, RequestDetails createRequest) {
                return daos.getResourceDao(resource.fhirType())
                        .create(resource, null, true, createRequest, resolved)
                        .getId();
            }
        };
    }

    /**
     * Writes the Bundle in the caller's transaction if it is of the shape described above; empty (and nothing
     * written) if it is not. Every id written or found is also left in {@code resolved}, so that a later write
     * naming them (a Provenance) needs no look-up.
     */
    public Optional<Written> write(Bundle bundle, RequestDetails request, TransactionDetails resolved) {
        List<Planned> plan = plan(bundle);
        if (plan == null) {
            return Optional.empty();
        }
        Map<Long, List<StoredIdentities.Holder>> holders =
                storedIdentities.holders(plan.stream().map(Planned::hash).toList());
        Map<String, IdType> idsByFullUrl = new HashMap<>();
        List<IdType> entries = new ArrayList<>();
        List<IdType> created = new ArrayList<>();
        for (Planned planned : plan) {
            Resource resource = planned.resource();
            String type = resource.fhirType();
            List<StoredIdentities.Holder> stored = holders.getOrDefault(planned.hash(), List.of()).stream()
                    .filter(holder -> type.equals(holder.type()))
                    .toList();
            if (stored.size() > 1) {
                throw new PreconditionFailedException("Failed to " + (planned.update() ? "update" : "create") + " a "
                        + type + " by its identifier: " + stored.size()
                        + " stored resources hold that identifier, so it is unclear which one is meant");
            }
            JpaPid storedPid = null;
            if (stored.size() == 1) {
                StoredIdentities.Holder holder = stored.get(0);
                storedPid = JpaPid.fromId(holder.resourceId(), holder.partitionId());
                if (!planned.update()) {
                    IdType id = holder.id();
                    resolved.addResolvedResourceId(id, storedPid);
                    idsByFullUrl.put(planned.entry().getFullUrl(), id);
                    entries.add(id.withVersion(String.valueOf(holder.version())));
                    continue;
                }
            }
            for (IBaseReference reference : planned.entryReferences()) {
                reference.setReference(idsByFullUrl
                        .get(reference.getReferenceElement().getValue())
                        .getValue());
            }
            DaoMethodOutcome outcome;
            if (planned.update()) {
                // What the look-up found (or did not), as HAPI's own match would: it need not search again.
                resolved.addResolvedMatchUrl(
                        fhirContext, planned.matchUrl(), storedPid != null ? storedPid : TransactionDetails.NOT_FOUND);
                outcome =
                        daos.getResourceDao(type).update(resource, planned.matchUrl(), true, false, request, resolved);
            } else {
                String matchUrl = null;
                if (GUARDED_BY_HAPI.contains(type)) {
                    matchUrl = planned.matchUrl();
                    resolved.addResolvedMatchUrl(fhirContext, matchUrl, TransactionDetails.NOT_FOUND);
                }
                outcome = daos.getResourceDao(type).create(resource, matchUrl, true, request, resolved);
            }
            IdType id = new IdType(
                    outcome.getId().getResourceType(), outcome.getId().getIdPart());
            resolved.addResolvedResourceId(id, outcome.getPersistentId());
            idsByFullUrl.put(planned.entry().getFullUrl(), id);
            IdType versioned = id.withVersion(outcome.getId().getVersionIdPart());
            entries.add(versioned);
            if (Boolean.TRUE.equals(outcome.getCreated())) {
                created.add(versioned);
            }
        }
        return Optional.of(new Written(entries, created));
    }

    /** The entries to write, with their identities and references checked; null if the Bundle is not this shape. */
    private List<Planned> plan(Bundle bundle) {
        if (bundle.getType() != Bundle.BundleType.TRANSACTION
                || bundle.getEntry().isEmpty()) {
            return null;
        }
        FhirTerser terser = fhirContext.newTerser();
        Set<String> earlier = new HashSet<>();
        Set<Long> identities = new HashSet<>();
        List<Planned> plan = new ArrayList<>();
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Planned planned = planned(entry);
            if (planned == null || !identities.add(planned.hash())) {
                return null;
            }
            for (ResourceReferenceInfo info : terser.getAllResourceReferences(planned.resource())) {
                IBaseReference reference = info.getResourceReference();
                String target = reference.getReferenceElement().getValue();
                if (target != null && target.startsWith("urn:")) {
                    if (!earlier.contains(target)) {
                        return null; // a forward (or dangling) reference: HAPI resolves or refuses it
                    }
                    planned.entryReferences().add(reference);
                }
            }
            earlier.add(entry.getFullUrl());
            plan.add(planned);
        }
        return plan;
    }

    /** The entry as planned if it is a create-if-absent or conditional update by identifier; null otherwise. */
    private Planned planned(Bundle.BundleEntryComponent entry) {
        Bundle.BundleEntryRequestComponent request = entry.getRequest();
        if (!entry.hasResource()
                || entry.getFullUrl() == null
                || !entry.getFullUrl().startsWith("urn:uuid:")
                || request.hasIfMatch()
                || request.hasIfNoneMatch()
                || request.hasIfModifiedSince()) {
            return null;
        }
        String type = entry.getResource().fhirType();
        boolean update;
        String matchUrl;
        if (request.getMethod() == Bundle.HTTPVerb.POST && type.equals(request.getUrl())) {
            update = false;
            matchUrl = request.getIfNoneExist() == null
                    ? null
                    : StoredIdentities.qualified(type, request.getIfNoneExist());
        } else if (request.getMethod() == Bundle.HTTPVerb.PUT && !request.hasIfNoneExist()) {
            update = true;
            matchUrl = request.getUrl();
        } else {
            return null;
        }
        if (matchUrl == null || !matchUrl.startsWith(type + "?")) {
            return null;
        }
        Long hash = storedIdentities.identifierHash(type, matchUrl);
        if (hash == null) {
            return null;
        }
        if (update && entry.getResource().getIdElement().hasIdPart()) {
            return null; // HAPI checks a PUT's own id against its match
        }
        return new Planned(entry, entry.getResource().copy(), hash, matchUrl, update, new ArrayList<>());
    }
}
