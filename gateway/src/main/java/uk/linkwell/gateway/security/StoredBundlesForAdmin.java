package uk.linkwell.gateway.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Keeps Bundles stored on the server ({@code POST /fhir/Bundle}: a collection, a document, a message) to the admin
 * role. A stored Bundle carries whole resources about anyone inside it, which neither caseload scoping nor consent
 * can look into, so no other role reads, searches or writes the type, by its path, by {@code _type}, by
 * {@code _include} or by a batch entry. (Transaction and batch Bundles sent to {@code /fhir} are requests, not
 * stored Bundles, and are untouched.)
 *
 * <p>A role rule, decided from the token before any record is looked at: the same 403 for every Bundle id.
 */
@Interceptor
public class StoredBundlesForAdmin {

    static final String BUNDLE = "Bundle";
    static final String ADMIN_ONLY = "Access denied: Bundles stored on the server are for the admin role only";

    /**
     * Once HAPI knows the interaction and before it parses the parameters, so that neither a parameter HAPI would
     * refuse nor the client's scopes change the answer.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -200)
    public void beforeParameters(RequestDetails request) {
        adminOnly(request, request.getRestOperationType());
    }

    /** Again for what is only known later: the entries of a batch, and each of its entries as it is handled. */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -200)
    public void adminOnly(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == null || operation == RestOperationTypeEnum.METADATA) {
            return;
        }
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isPresent() && requester.get().role() != ClientRole.ADMIN && NamedTypes.names(request, BUNDLE)) {
            throw new RoleRefusal(ADMIN_ONLY);
        }
    }

    /** Whatever else reaches a stored Bundle (a List's item, {@code _include=*}) shows it to admin only. */
    @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = 100)
    public void noStoredBundlesToOthers(RequestDetails request, IPreResourceShowDetails shown) {
        Optional<Requester> requester = request == null ? Optional.empty() : FhirRequesters.of(request);
        if (requester.isPresent() && requester.get().role() == ClientRole.ADMIN) {
            return;
        }
        for (int i = 0; i < shown.size(); i++) {
            IBaseResource resource = shown.getResource(i);
            if (resource != null && BUNDLE.equals(resource.fhirType())) {
                shown.setResource(i, null);
            }
        }
    }
}
