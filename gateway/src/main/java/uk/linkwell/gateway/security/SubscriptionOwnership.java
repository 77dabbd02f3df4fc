package uk.linkwell.gateway.security;

import ca.uhn.fhir.i18n.Msg;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseCoding;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Subscription;
import uk.linkwell.gateway.fhir.FhirProperties;

/**
 * Subscriptions belong to the client that created them. A Subscription names an endpoint that data will be sent to
 * and often the secret that endpoint expects ({@code channel.header}, e.g. an {@code Authorization} header), so:
 *
 * <ul>
 *   <li>creating or changing one is limited to the roles in {@code linkwell.fhir.subscriptions.roles}, and for
 *       non-admin clients to rest-hook endpoints under {@code linkwell.fhir.subscriptions.allowed-endpoints}; anything
 *       else is refused with a 403 naming the rule;
 *   <li>each is stamped with its creator's client id ({@code meta.tag}, {@link #TAG_SYSTEM}), kept on updates;
 *   <li>only its creator reads, searches, changes or deletes it (admin sees all); to anyone else it does not exist:
 *       a read gets the 404 of an unknown id, searches leave it out and do not count it;
 *   <li>its {@code channel.header} leaves to its creator only, admin included.
 * </ul>
 */
@Interceptor
public class SubscriptionOwnership {

    /** Request user-data key: the create carried {@code If-None-Exist} when it arrived. */
    static final String CONDITIONAL_CREATE = "linkwell.subscription.conditional-create";

    public static final String TAG_SYSTEM = "https://fhir.linkwell.example/CodeSystem/author-client";
    static final String SUBSCRIPTION = "Subscription";

    private final DaoRegistry daos;
    private final FhirProperties.Subscriptions rules;

    public SubscriptionOwnership(DaoRegistry daos, FhirProperties.Subscriptions rules) {
        this.daos = daos;
        this.rules = rules;
    }

    /**
     * A non-admin client's Subscription search is narrowed to its own in the query itself (an ANDed
     * {@code _tag}), so that totals and pages count only those.
     */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void searchOwnOnly(RequestDetails request) {
        if (request.getRestOperationType() != RestOperationTypeEnum.SEARCH_TYPE
                || !SUBSCRIPTION.equals(request.getResourceName())) {
            return;
        }
        Optional<Requester> requester = FhirRequesters.of(request);
        if (requester.isEmpty() || requester.get().role() == ClientRole.ADMIN) {
            return;
        }
        Map<String, String[]> parameters = new LinkedHashMap<>(request.getParameters());
        String[] tags = parameters.getOrDefault(Constants.PARAM_TAG, new String[0]);
        String[] narrowed = Arrays.copyOf(tags, tags.length + 1);
        narrowed[tags.length] =
                TAG_SYSTEM + "|" + escaped(String.valueOf(requester.get().clientId()));
        parameters.put(Constants.PARAM_TAG, narrowed);
        request.setParameters(parameters);
    }

    /**
     * Remembers that a create asked for a match before the decision point narrows {@code If-None-Exist} to what the
     * client may see (and drops it when nothing is), so that the refusal below still sees a conditional create.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = -200)
    public void noteConditionalCreate(RequestDetails request) {
        if (request.getRestOperationType() == RestOperationTypeEnum.CREATE
                && request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null) {
            request.getUserData().put(CONDITIONAL_CREATE, Boolean.TRUE);
        }
    }

    /**
     * After the scope check (order -100): a client without a Subscription scope gets the scope's 403 for every id,
     * and one with it gets the same 404 for another client's Subscription as for an id never used.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = -90)
    public void ownerOnly(RequestDetails request, RestOperationTypeEnum operation) {
        Optional<Requester> found = FhirRequesters.of(request);
        if (found.isEmpty() || found.get().role() == ClientRole.ADMIN) {
            return;
        }
        Requester requester = found.get();
        if (NamedTypes.entries(request).stream()
                .anyMatch(e -> e.names(SUBSCRIPTION)
                        && e.method() != Bundle.HTTPVerb.GET
                        && (e.method() != Bundle.HTTPVerb.POST || e.conditional()))) {
            // A batch's PUT or DELETE would say by its outcome whether another client's id exists.
            throw forbidden("in a batch or transaction a Subscription can only be created (POST without "
                    + "If-None-Exist); change or delete one with its own request");
        }
        if (!SUBSCRIPTION.equals(request.getResourceName())) {
            if (operation == RestOperationTypeEnum.SEARCH_SYSTEM && NamedTypes.inParameters(request, SUBSCRIPTION)) {
                throw forbidden("search Subscriptions at /Subscription, which finds your own");
            }
            return;
        }
        switch (operation) {
            case SEARCH_TYPE -> {} // narrowed to the client's own in searchOwnOnly
            case CREATE -> {
                if (request.getHeader(Constants.HEADER_IF_NONE_EXIST) != null
                        || Boolean.TRUE.equals(request.getUserData().get(CONDITIONAL_CREATE))) {
                    throw forbidden("a conditional create (If-None-Exist) of a Subscription is for admin clients only");
                }
            }
            case READ, VREAD, HISTORY_INSTANCE, UPDATE, PATCH, DELETE, EXTENDED_OPERATION_INSTANCE -> {
                IIdType id = request.getId();
                if (id == null || !id.hasIdPart()) {
                    throw forbidden("a conditional " + operation.getCode() + " of a Subscription is for admin clients "
                            + "only; name it by id");
                }
                if (!owns(requester, id)) {
                    // Also for an id never used: an update there would otherwise create, and say that it was free.
                    throw unknown(id);
                }
            }
            default -> throw forbidden(operation.getCode() + " on Subscription is for admin clients only");
        }
    }

    /** Creation: the configured roles and endpoints, then the creator's stamp. */
    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void created(RequestDetails request, IBaseResource resource) {
        Optional<Requester> writer = writer(request, resource);
        if (writer.isEmpty()) {
            return;
        }
        mayWrite(writer.get(), (Subscription) resource);
        stamp(resource, writer.get().clientId());
    }

    /** Changes: by the creator (or admin), held to the same rules; the creator's stamp stays. */
    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
        Optional<Requester> writer = writer(request, resource);
        if (writer.isEmpty()) {
            return;
        }
        if (writer.get().role() != ClientRole.ADMIN && !isOwner(writer.get(), previous)) {
            throw unknown(previous.getIdElement());
        }
        mayWrite(writer.get(), (Subscription) resource);
        stamp(resource, authorOf(previous));
    }

    /**
     * Searches and {@code _include}: another client's Subscription is left out; admin sees it without its headers.
     * After HAPI's own rules (order 0), which then see every resource as stored.
     */
    @Hook(value = Pointcut.STORAGE_PRESHOW_RESOURCES, order = 100)
    public void shownToOwner(RequestDetails request, IPreResourceShowDetails shown) {
        Optional<Requester> requester = request == null ? Optional.empty() : FhirRequesters.of(request);
        for (int i = 0; i < shown.size(); i++) {
            if (shown.getResource(i) instanceof Subscription subscription
                    && !requester.map(r -> isOwner(r, subscription)).orElse(false)) {
                boolean admin = requester.map(r -> r.role() == ClientRole.ADMIN).orElse(false);
                shown.setResource(i, admin ? withoutHeaders(subscription) : null);
            }
        }
    }

    /** Every other body (a write's response, a batch's): headers only to the owner, the rest as above. */
    @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
    public void headersToOwnerOnly(RequestDetails request, ResponseDetails response) {
        Optional<Requester> requester = FhirRequesters.of(request);
        IBaseResource body = response.getResponseResource();
        if (body instanceof Subscription subscription
                && !requester.map(r -> isOwner(r, subscription)).orElse(false)) {
            response.setResponseResource(withoutHeaders(subscription));
        } else if (body instanceof Bundle bundle) {
            boolean admin = requester.map(r -> r.role() == ClientRole.ADMIN).orElse(false);
            ownersOnly(bundle, requester, admin);
        }
    }

    private void ownersOnly(Bundle bundle, Optional<Requester> requester, boolean admin) {
        bundle.getEntry().removeIf(entry -> {
            if (entry.getResource() instanceof Bundle nested) {
                ownersOnly(nested, requester, admin);
            } else if (entry.getResource() instanceof Subscription subscription
                    && !requester.map(r -> isOwner(r, subscription)).orElse(false)) {
                if (!admin) {
                    return true;
                }
                entry.setResource(withoutHeaders(subscription));
            }
            return false;
        });
    }

    private static Optional<Requester> writer(RequestDetails request, IBaseResource resource) {
        if (request == null || !SUBSCRIPTION.equals(resource.fhirType())) {
            return Optional.empty();
        }
        // Writes without a token are the gateway's own (routes, HAPI's upkeep), not a client's.
        return FhirRequesters.of(request);
    }

    private void mayWrite(Requester writer, Subscription subscription) {
        if (!rules.roles().contains(writer.role().code())) {
            throw forbidden(
                    "creating or changing a Subscription is for the roles in linkwell.fhir.subscriptions.roles ("
                            + String.join(", ", new TreeSet<>(rules.roles())) + ")",
                    "Subscription");
        }
        if (writer.role() == ClientRole.ADMIN) {
            return;
        }
        if (subscription.getChannel().getType() != Subscription.SubscriptionChannelType.RESTHOOK) {
            throw forbidden(
                    "a Subscription from this client needs a rest-hook channel to an endpoint in "
                            + "linkwell.fhir.subscriptions.allowed-endpoints",
                    "Subscription.channel.type");
        }
        String endpoint = subscription.getChannel().getEndpoint();
        if (endpoint == null || rules.allowedEndpoints().stream().noneMatch(endpoint::startsWith)) {
            throw forbidden(
                    "Subscription.channel.endpoint must start with one of linkwell.fhir.subscriptions.allowed-endpoints"
                            + (rules.allowedEndpoints().isEmpty()
                                    ? " (none is allowed on this gateway)"
                                    : " (" + String.join(", ", rules.allowedEndpoints()) + ")"),
                    "Subscription.channel.endpoint");
        }
    }

    /** Whether the requester created the stored Subscription: its first version carries the creator. */
    private boolean owns(Requester requester, IIdType id) {
        try {
            IBaseResource first = daos.getResourceDao(SUBSCRIPTION)
                    .read(new IdType(SUBSCRIPTION, id.getIdPart(), "1"), new SystemRequestDetails());
            return isOwner(requester, first);
        } catch (ResourceNotFoundException | ResourceGoneException | InvalidRequestException e) {
            return false;
        }
    }

    private static boolean isOwner(Requester requester, IBaseResource subscription) {
        return requester.clientId() != null && requester.clientId().equals(authorOf(subscription));
    }

    static String authorOf(IBaseResource resource) {
        for (IBaseCoding tag : resource.getMeta().getTag()) {
            if (TAG_SYSTEM.equals(tag.getSystem())) {
                return tag.getCode();
            }
        }
        return null;
    }

    private static void stamp(IBaseResource resource, String clientId) {
        resource.getMeta().getTag().removeIf(t -> TAG_SYSTEM.equals(t.getSystem()));
        if (clientId != null && !clientId.isBlank()) {
            resource.getMeta().addTag().setSystem(TAG_SYSTEM).setCode(clientId).setDisplay("Author client");
        }
    }

    private static Subscription withoutHeaders(Subscription subscription) {
        if (!subscription.getChannel().hasHeader()) {
            return subscription;
        }
        Subscription copy = subscription.copy();
        copy.getChannel().getHeader().clear();
        return copy;
    }

    /** What HAPI answers for a Subscription id it has never stored. */
    private static ResourceNotFoundException unknown(IIdType id) {
        return new ResourceNotFoundException(
                Msg.code(2001) + "Resource " + SUBSCRIPTION + "/" + id.getIdPart() + " is not known");
    }

    private static RoleRefusal forbidden(String why) {
        return new RoleRefusal("Access denied: " + why);
    }

    private static RoleRefusal forbidden(String why, String element) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.FORBIDDEN)
                .setDiagnostics("Access denied: " + why)
                .addExpression(element);
        return new RoleRefusal("Access denied: " + why, outcome);
    }

    /** A client id as one token search value: commas, bars and dollars escaped as FHIR search asks. */
    private static String escaped(String value) {
        return value.replace("\\", "\\\\")
                .replace(",", "\\,")
                .replace("|", "\\|")
                .replace("$", "\\$");
    }
}
