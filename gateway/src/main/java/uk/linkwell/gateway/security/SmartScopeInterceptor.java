package uk.linkwell.gateway.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Arrays;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import uk.linkwell.gateway.security.SmartScope.Permission;

/**
 * Checks each FHIR interaction (and each entry of a batch or transaction) against the token's SMART scopes
 * and role before anything runs: {@code system/CarePlan.s} for a CarePlan search, {@code .c} for a create, and
 * so on. Which records the interaction may touch is {@link CaseloadAuthorizationInterceptor}'s business.
 */
@Interceptor
public class SmartScopeInterceptor {

    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -100)
    public void checkScopes(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == RestOperationTypeEnum.METADATA || operation == RestOperationTypeEnum.GET_PAGE) {
            // Paging continues a search already checked; its contents are checked again on the way out.
            return;
        }
        Requester requester = FhirRequesters.of(request)
                .orElseThrow(() -> new ForbiddenOperationException("Access denied: no Linkwell identity"));
        switch (operation) {
            case READ, VREAD, HISTORY_INSTANCE, HISTORY_TYPE -> need(
                    requester, request.getResourceName(), Permission.READ);
            case SEARCH_TYPE -> need(requester, request.getResourceName(), Permission.SEARCH);
            case SEARCH_SYSTEM -> needForTypes(requester, request, Permission.SEARCH);
            case HISTORY_SYSTEM -> {
                // The whole server's history cannot be narrowed to a caseload.
                if (requester.role() != ClientRole.ADMIN) {
                    throw denied("the server's history is for admin clients only");
                }
                need(requester, SmartScope.ANY_TYPE, Permission.READ);
            }
            case CREATE -> need(requester, request.getResourceName(), Permission.CREATE);
            case UPDATE, PATCH -> need(requester, request.getResourceName(), Permission.UPDATE);
            case DELETE -> need(requester, request.getResourceName(), Permission.DELETE);
            case TRANSACTION -> checkEntries(requester, request.getResource());
            case EXTENDED_OPERATION_INSTANCE, EXTENDED_OPERATION_TYPE -> need(
                    requester, request.getResourceName(), Permission.READ);
            default -> {
                // Server-level operations ($reindex, $meta, GraphQL, ...) reach across every record: for admin
                // clients whose scopes do too (not an operator signed in to an app, whose scopes are narrowed).
                if (requester.role() != ClientRole.ADMIN) {
                    throw denied(operation.getCode() + " is for admin clients only");
                }
                need(requester, SmartScope.ANY_TYPE, Permission.READ);
            }
        }
    }

    private static void needForTypes(Requester requester, RequestDetails request, Permission permission) {
        String[] types = request.getParameters().get("_type");
        if (types == null) {
            need(requester, SmartScope.ANY_TYPE, permission);
            return;
        }
        Arrays.stream(types)
                .flatMap(t -> Arrays.stream(t.split(",")))
                .forEach(type -> need(requester, type.trim(), permission));
    }

    private static void checkEntries(Requester requester, IBaseResource resource) {
        if (!(resource instanceof Bundle bundle)) {
            return;
        }
        for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
            Bundle.BundleEntryRequestComponent entryRequest = entry.getRequest();
            if (entryRequest.getMethod() == null) {
                throw denied("every batch or transaction entry needs a request method");
            }
            String url = entryRequest.getUrl() == null ? "" : entryRequest.getUrl();
            String type =
                    url.isEmpty() && entry.hasResource() ? entry.getResource().fhirType() : typeOf(url);
            switch (entryRequest.getMethod()) {
                case GET, HEAD -> need(requester, type, isInstance(url) ? Permission.READ : Permission.SEARCH);
                case POST -> need(requester, type, Permission.CREATE);
                case PUT, PATCH -> need(requester, type, Permission.UPDATE);
                case DELETE -> need(requester, type, Permission.DELETE);
                default -> throw denied(
                        "unsupported entry method " + entryRequest.getMethod().toCode());
            }
        }
    }

    private static String typeOf(String url) {
        String path = url.split("\\?", 2)[0];
        return path.split("/", 2)[0];
    }

    private static boolean isInstance(String url) {
        String path = url.split("\\?", 2)[0];
        List<String> parts = Arrays.asList(path.split("/"));
        return parts.size() >= 2
                && !parts.get(1).startsWith("$")
                && !parts.get(1).startsWith("_search");
    }

    private static void need(Requester requester, String type, Permission permission) {
        if (requester.role() == ClientRole.HOSPITAL
                && (permission == Permission.READ || permission == Permission.SEARCH)) {
            throw denied("hospital clients write only; they cannot read or search " + type);
        }
        if (!requester.isGranted(type, permission)) {
            throw denied("a scope granting '"
                    + permission.name().toLowerCase(java.util.Locale.ROOT).charAt(0)
                    + "' on " + type + " is needed (e.g. system/" + type + "."
                    + permission.name().toLowerCase(java.util.Locale.ROOT).charAt(0) + ")");
        }
    }

    private static ForbiddenOperationException denied(String why) {
        return new ForbiddenOperationException("Access denied: " + why);
    }
}
