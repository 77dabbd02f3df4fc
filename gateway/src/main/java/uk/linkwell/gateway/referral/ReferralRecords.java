package uk.linkwell.gateway.referral;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.MatchUrlService;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.HealthcareService;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.Task;

/**
 * Reads what the workflow needs to know about a referral Task's neighbours (its ServiceRequest, the decision an
 * appeal refers to, the names of recommended services) as the gateway itself, whoever made the request: these
 * reads only inform the gateway's own checks and letters, nothing is shown to the requester.
 */
final class ReferralRecords {

    private final FhirContext fhirContext;
    private final DaoRegistry daos;
    private final MatchUrlService matchUrls;

    ReferralRecords(FhirContext fhirContext, DaoRegistry daos, MatchUrlService matchUrls) {
        this.fhirContext = fhirContext;
        this.daos = daos;
        this.matchUrls = matchUrls;
    }

    /** The Bundle entry a {@code urn:uuid:} reference points at, when the request is a transaction. */
    static Optional<IBaseResource> inTransaction(String reference, RequestDetails request) {
        if (reference == null || request == null || !(request.getResource() instanceof Bundle bundle)) {
            return Optional.empty();
        }
        return bundle.getEntry().stream()
                .filter(e -> reference.equals(e.getFullUrl()) && e.hasResource())
                .map(e -> (IBaseResource) e.getResource())
                .findFirst();
    }

    /** The type a reference names: literal or conditional ({@code ServiceRequest/1}, {@code ServiceRequest?...}), {@code Reference.type}, or its transaction entry. */
    static Optional<String> typeOf(Reference reference, RequestDetails request) {
        if (reference == null || reference.isEmpty()) {
            return Optional.empty();
        }
        String value = reference.getReference();
        if (value != null && value.startsWith("urn:")) {
            return inTransaction(value, request).map(IBaseResource::fhirType);
        }
        if (value != null && !value.isBlank()) {
            String path = value.split("\\?", 2)[0];
            String[] parts = path.split("/");
            // Absolute URLs end in Type/id; a conditional reference is Type?params.
            if (value.contains("?") && !path.contains("/")) {
                return Optional.of(path);
            }
            return parts.length >= 2 ? Optional.of(parts[parts.length - 2]) : Optional.empty();
        }
        return reference.hasType() ? Optional.of(reference.getType()) : Optional.empty();
    }

    /** The referral a Task is about, wherever it is: in this transaction, stored, or not (yet) findable. */
    Optional<ServiceRequest> serviceRequest(Reference focus, RequestDetails request) {
        return resolve(focus, request, ServiceRequest.class);
    }

    <T extends IBaseResource> Optional<T> resolve(Reference reference, RequestDetails request, Class<T> type) {
        if (reference == null || reference.isEmpty()) {
            return Optional.empty();
        }
        String value = reference.getReference();
        if (value != null && value.startsWith("urn:")) {
            return inTransaction(value, request).filter(type::isInstance).map(type::cast);
        }
        String typeName = fhirContext.getResourceType(type);
        if (value != null && value.startsWith(typeName + "?")) {
            return first(typeName, matchUrls.translateMatchUrl(value, fhirContext.getResourceDefinition(type)), type);
        }
        if (value != null && !value.isBlank()) {
            IdType id = new IdType(value);
            if (!typeName.equals(id.getResourceType()) || !id.hasIdPart()) {
                return Optional.empty();
            }
            return read(id.toUnqualifiedVersionless(), type);
        }
        if (reference.hasIdentifier() && reference.getIdentifier().hasValue()) {
            SearchParameterMap map = SearchParameterMap.newSynchronous()
                    .add(
                            "identifier",
                            new TokenParam(
                                    reference.getIdentifier().getSystem(),
                                    reference.getIdentifier().getValue()));
            return first(typeName, map, type);
        }
        return Optional.empty();
    }

    <T extends IBaseResource> Optional<T> read(IdType id, Class<T> type) {
        try {
            return Optional.of(type.cast(dao(fhirContext.getResourceType(type)).read(id, system())));
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return Optional.empty();
        }
    }

    /** Tasks appealing the given decision ({@code basedOn} it), in any state. */
    List<Task> appealsOf(IdType decision) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(Task.SP_BASED_ON, new ca.uhn.fhir.rest.param.ReferenceParam(decision.getValue()));
        return dao("Task").search(map, system()).getAllResources().stream()
                .map(Task.class::cast)
                .toList();
    }

    /** A readable name for a recommended service: the reference's display, else the stored name, else the reference. */
    String nameOf(Reference reference) {
        if (reference.hasDisplay()) {
            return reference.getDisplay();
        }
        Optional<String> name =
                switch (typeOf(reference, null).orElse("")) {
                    case "Organization" -> resolve(reference, null, Organization.class)
                            .map(Organization::getName);
                    case "HealthcareService" -> resolve(reference, null, HealthcareService.class)
                            .map(HealthcareService::getName);
                    default -> Optional.empty();
                };
        return name.filter(n -> !n.isBlank())
                .orElse(
                        reference.hasReference()
                                ? reference.getReference()
                                : reference.getIdentifier().getValue());
    }

    private <T extends IBaseResource> Optional<T> first(String typeName, SearchParameterMap map, Class<T> type) {
        map.setLoadSynchronous(true);
        IBundleProvider found = dao(typeName).search(map, system());
        List<IBaseResource> resources = found.getResources(0, 2);
        return resources.size() == 1 ? Optional.of(type.cast(resources.get(0))) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private IFhirResourceDao<IBaseResource> dao(String type) {
        return daos.getResourceDao(type);
    }

    private static SystemRequestDetails system() {
        return new SystemRequestDetails();
    }
}
