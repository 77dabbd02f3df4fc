package uk.linkwell.gateway.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.consent.ConsentInterceptor;
import java.util.Optional;
import java.util.function.Predicate;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * Keeps the disclosure trail (AuditEvent: who has seen whose record) to its audience, the admin and
 * information-governance roles, and keeps information-governance clients to the trail.
 *
 * <p>A role rule, decided from the token before any record is looked at, so every other role gets the same 403 for
 * every AuditEvent id and every trail search whatever its scopes: the answer says nothing about the trail. Trail
 * pages are bound to the client that searched ({@code consent.audit.DisclosureTrailPaging}, which also tells a
 * trail page by its id: {@code trailPage}).
 */
@Interceptor
public class DisclosureTrailAudience {

    static final String TRAIL = "AuditEvent";
    static final String NOT_THE_AUDIENCE =
            "Access denied: the disclosure trail (AuditEvent) is for the admin and information-governance roles only";
    static final String TRAIL_ONLY =
            "Access denied: an information-governance client reads the disclosure trail (AuditEvent) and nothing else";
    static final String WRITTEN_BY_THE_GATEWAY =
            "Access denied: the disclosure trail (AuditEvent) is written by the gateway alone";

    private final Predicate<String> trailPage;

    /** {@code trailPage}: whether a page id ({@code _getpages}) is one of a trail search's. */
    public DisclosureTrailAudience(Predicate<String> trailPage) {
        this.trailPage = trailPage;
    }

    /**
     * Once HAPI knows the interaction and before it parses the parameters, so that neither a parameter HAPI would
     * refuse (a caseload clause the trail's search does not take) nor the client's scopes change the answer.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -200)
    public void beforeParameters(RequestDetails request) {
        audienceOnly(request, request.getRestOperationType());
    }

    /** Again for what is only known later: the entries of a batch, and each of its entries as it is handled. */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -200)
    public void audienceOnly(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation == null || operation == RestOperationTypeEnum.METADATA) {
            return;
        }
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isEmpty()) {
            return; // refused by the scope check
        }
        ClientRole role = requester.get().role();
        if (role == ClientRole.INFORMATION_GOVERNANCE) {
            if (!readsTheTrail(request, operation)) {
                throw new RoleRefusal(TRAIL_ONLY);
            }
            // The trail is the gateway's record of disclosures, not a record about the person that their Consent
            // governs: who may read it is this rule's business. The role is also in linkwell.consent.exempt-roles
            // by default, which trail counts (_summary=count) need; this keeps its reads right without that.
            ConsentInterceptor.skipAllConsentForRequest(request);
            return;
        }
        if (role != ClientRole.ADMIN && NamedTypes.names(request, TRAIL)) {
            throw new RoleRefusal(NOT_THE_AUDIENCE);
        }
        if (NamedTypes.entries(request).stream().anyMatch(e -> e.writes() && e.names(TRAIL))) {
            // AuditEvent over FHIR is the trail's provider, which takes no writes; a batch entry would reach HAPI's
            // own AuditEvent store instead and put records there that look like the trail and are not.
            throw new RoleRefusal(WRITTEN_BY_THE_GATEWAY);
        }
    }

    /**
     * Nothing of the trail reaches anyone else by another path ({@code _include}, {@code $everything}, a batch):
     * the trail is not in HAPI's store, and this keeps it so for any AuditEvent that got there.
     */
    @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = 100)
    public void nothingOfTheTrailToOthers(RequestDetails request, IPreResourceShowDetails shown) {
        Optional<Requester> requester = request == null ? Optional.empty() : FhirRequesters.of(request);
        if (requester.isPresent() && inAudience(requester.get().role())) {
            return;
        }
        for (int i = 0; i < shown.size(); i++) {
            IBaseResource resource = shown.getResource(i);
            if (resource != null && TRAIL.equals(resource.fhirType())) {
                shown.setResource(i, null);
            }
        }
    }

    private static boolean inAudience(ClientRole role) {
        return role == ClientRole.ADMIN || role == ClientRole.INFORMATION_GOVERNANCE;
    }

    /** A read or search of the trail, or a page of a trail search (the paging provider checks whose). */
    private boolean readsTheTrail(RequestDetails request, RestOperationTypeEnum operation) {
        return switch (operation) {
            case READ, VREAD, SEARCH_TYPE -> TRAIL.equals(request.getResourceName());
            case GET_PAGE -> {
                String[] page = request.getParameters().get(Constants.PARAM_PAGINGACTION);
                yield page != null && page.length == 1 && trailPage.test(page[0]);
            }
            default -> false;
        };
    }
}
